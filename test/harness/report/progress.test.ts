import { describe, expect, it } from 'vitest';
import { createProgress, hhmm, progressLine } from '../../../src/harness/report/progress.js';
import { HOUR as H } from '../../support/time.js';

function fakeStream(isTTY: boolean, columns = 100): { isTTY: boolean; columns: number; out: string[]; write(s: string): boolean } {
  const out: string[] = [];
  return { isTTY, columns, out, write: (s: string) => (out.push(s), true) };
}

describe('progress', () => {
  it('formats virtual time as hh:mm', () => {
    expect(hhmm(0)).toBe('00:00');
    expect(hhmm(2 * H + 15 * 60_000 + 59_999)).toBe('02:15');
    expect(hhmm(30 * H)).toBe('30:00');
  });

  it('draws one line with time, bar, pumps, alarms and violations', () => {
    const line = progressLine({ tMs: 2 * H, pumps: 120, activeAlarms: 3, violations: 1 }, 8 * H, 100);
    expect(line).toMatch(/^02:00 \/ 08:00 \[#+-+\] {2}25% {2}pumps 120 {2}alarms 3 {2}violations 1$/);
    expect(line.length).toBeLessThanOrEqual(99);
    expect(progressLine({ tMs: 8 * H, pumps: 1, activeAlarms: 0, violations: 0 }, 8 * H, 40).length).toBeLessThanOrEqual(39);
  });

  it('redraws in place with \\r at most every 100 ms of wall time', () => {
    const stream = fakeStream(true);
    let wallMs = 0;
    const p = createProgress({ stream, totalMs: 8 * H, enabled: true, nowMs: () => wallMs });
    for (let i = 0; i <= 100; i++) {
      wallMs = i * 10; // 1 s of wall time, 101 updates
      p.update({ tMs: (i / 100) * 8 * H, pumps: 10, activeAlarms: i % 4, violations: 0 });
    }
    const redraws = stream.out.length;
    expect(redraws).toBeGreaterThanOrEqual(10);
    expect(redraws).toBeLessThanOrEqual(11);
    expect(stream.out.every((s) => s.startsWith('\r') && !s.includes('\n'))).toBe(true);
    p.done();
    expect(stream.out.at(-1)).toBe('\n');
    expect(stream.out.at(-2)).toContain('08:00 / 08:00');
    expect(stream.out.at(-2)).toContain('100%');
    p.update({ tMs: 0, pumps: 1, activeAlarms: 0, violations: 0 });
    expect(stream.out.at(-1)).toBe('\n');
  });

  it('pads a shorter line over a longer one', () => {
    const stream = fakeStream(true);
    let wallMs = 0;
    const p = createProgress({ stream, totalMs: H, nowMs: () => wallMs });
    p.update({ tMs: 0, pumps: 10, activeAlarms: 100, violations: 0 });
    wallMs = 500;
    p.update({ tMs: 0, pumps: 10, activeAlarms: 1, violations: 0 });
    expect(stream.out[1]?.length).toBe(stream.out[0]?.length);
  });

  it('prints nothing when the stream is not a TTY or when disabled', () => {
    for (const [isTTY, enabled] of [[false, true], [true, false], [false, false]] as const) {
      const stream = fakeStream(isTTY);
      const p = createProgress({ stream, totalMs: H, enabled, nowMs: () => 0 });
      p.update({ tMs: H / 2, pumps: 1, activeAlarms: 0, violations: 0 });
      p.done();
      expect(stream.out).toEqual([]);
    }
  });

  it("prints a line every 10 % with enabled: 'lines' on a non-TTY", () => {
    const stream = fakeStream(false);
    const p = createProgress({ stream, totalMs: 10 * H, enabled: 'lines', nowMs: () => 0 });
    for (let m = 0; m <= 600; m += 7) p.update({ tMs: m * 60_000, pumps: 5, activeAlarms: 0, violations: 0 });
    p.update({ tMs: 10 * H, pumps: 5, activeAlarms: 0, violations: 2 });
    p.done();
    expect(stream.out).toHaveLength(11);
    expect(stream.out[0]).toBe('progress   0%  00:00 / 10:00  pumps 5  alarms 0  violations 0\n');
    expect(stream.out[3]).toMatch(/^progress {2}30% {2}03:0\d \/ 10:00/);
    expect(stream.out[10]).toBe('progress 100%  10:00 / 10:00  pumps 5  alarms 0  violations 2\n');
  });
});
