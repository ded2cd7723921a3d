/**
 * Determinism (the same scenario and seed give the same trace, hash and report) and pacing (at a
 * speed factor, virtual time follows an injected wall clock times the factor). No test here reads
 * the real wall clock.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { defineScenario, formatJsonReport, runScenario, type ScenarioInput } from '../../../src/index.js';
import { infuse, MIN, wardInput } from './helpers.js';

/** A busy little ward: patients and nurses, a lossy, duplicating link, a rogue client, a remote titration, an occlusion. */
function busy(seed: number): ScenarioInput {
  return wardInput({
    seed,
    pumps: 4,
    second: 3,
    duration: '2h',
    patients: true,
    respond: true,
    link: { loss: 0.05, duplicate: 0.05, reorder: 0.05 },
    timeline: [
      ...infuse('u-1'),
      { at: '10m', action: 'remote', target: 'u-1', args: { command: 'TITRATE dose=20' } },
      { at: '20m', fault: 'occlusion', target: 'u-1', end: '25m' },
      { at: '30m', fault: 'rogue-client', target: 'segment:t', args: { command: 'PAUSE' }, every: '10m', end: '1h' },
      { at: '40m', fault: 'partition', target: 'segment:t', end: '1h' },
      { at: '50m', action: 'silence', spread: '10m', fraction: 0.5 },
    ],
    expect: [{ check: 'events-exactly-once' }],
  });
}

const withoutWall = (json: string): string => json.replace(/"wallMs": \d+/g, '"wallMs": 0');

describe('determinism', () => {
  it('the same scenario and seed give the same trace hash, byte-identical trace text and the same JSON report apart from wallMs', async () => {
    const a = await runScenario(defineScenario(busy(4242)));
    const b = await runScenario(defineScenario(busy(4242)));
    expect(a.trace.records.length).toBeGreaterThan(100);
    expect(b.result.traceHash).toBe(a.result.traceHash);
    expect(b.trace.toText()).toBe(a.trace.toText());
    expect(b.result.traceRecords).toBe(a.result.traceRecords);
    // The hash is the SHA-256 of the trace text.
    expect(a.result.traceHash).toBe(createHash('sha256').update(a.trace.toText()).digest('hex'));
    expect(a.trace.digest()).toBe(a.result.traceHash);
    const ja = formatJsonReport(a.result);
    expect(JSON.parse(ja)).toMatchObject({ format: 'infusim-report/1' });
    expect(withoutWall(formatJsonReport(b.result))).toBe(withoutWall(ja));
    expect(withoutWall(formatJsonReport(b.result, b.trace))).toBe(withoutWall(formatJsonReport(a.result, a.trace)));
  });

  it('a different seed gives a different run and hash', async () => {
    const a = await runScenario(defineScenario(busy(4242)));
    const c = await runScenario(defineScenario(busy(4243)));
    expect(c.result.traceHash).not.toBe(a.result.traceHash);
    expect(c.trace.toText()).not.toBe(a.trace.toText());
  });

  it('running one scenario object twice gives the same result (a run leaves its input untouched)', async () => {
    const s = defineScenario(busy(7));
    const a = await runScenario(s);
    const b = await runScenario(s);
    expect(b.result.traceHash).toBe(a.result.traceHash);
  });
});

describe('speed', () => {
  it('at speed 60 with an injected wall clock, virtual time is (wall − start) × 60, and the run is the same as at max', async () => {
    const loaded = defineScenario(wardInput({ pumps: 2, duration: '10m', timeline: [...infuse(), { at: '3m', fault: 'occlusion', target: 'u-1', end: '8m' }] }));
    let wall = 1_000_000;
    const progress: { tMs: number; wall: number; totalMs: number }[] = [];
    const run = await runScenario(loaded, {
      speed: 60,
      wallNowMs: () => wall,
      onProgress: (p) => {
        progress.push({ tMs: p.tMs, wall, totalMs: p.totalMs });
        // The wall clock moves only here: 2.5 s per step, 150 s of virtual time at 60x.
        wall += 2_500;
      },
    });
    const durationMs = 10 * MIN;
    const paced = progress.filter((p) => p.tMs <= durationMs).slice(0, -1);
    expect(paced.length).toBeGreaterThanOrEqual(4);
    for (const p of paced) {
      expect(p.totalMs).toBe(durationMs);
      expect(p.tMs).toBe(Math.min(durationMs, (p.wall - 1_000_000) * 60));
    }
    expect(paced.map((p) => p.tMs)).toEqual([0, 150_000, 300_000, 450_000]);
    // The last paced step reaches the end; then the settle time after it.
    expect(progress.some((p) => p.tMs === durationMs)).toBe(true);
    expect(progress.at(-1)!.tMs).toBeGreaterThanOrEqual(durationMs);
    // wallMs comes from the injected clock.
    expect(run.result.wallMs).toBe(wall - 1_000_000);
    // Pacing changes when things are computed, not what happens.
    const max = await runScenario(loaded);
    expect(run.result.traceHash).toBe(max.result.traceHash);
  });

  it('at speed max, progress is reported in chunks up to the duration, with the fleet size', async () => {
    const progress: { tMs: number; totalMs: number; pumps: number }[] = [];
    let wall = 0;
    const run = await runScenario(defineScenario(wardInput({ pumps: 3, duration: '30m', timeline: infuse() })), {
      wallNowMs: () => (wall += 7),
      onProgress: (p) => progress.push({ tMs: p.tMs, totalMs: p.totalMs, pumps: p.pumps }),
    });
    expect(progress.length).toBeGreaterThan(10);
    expect(progress.every((p) => p.totalMs === 30 * MIN && p.pumps === 3)).toBe(true);
    const times = progress.map((p) => p.tMs);
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    expect(times).toContain(30 * MIN);
    // Two wall-clock reads: the start and the end.
    expect(run.result.wallMs).toBe(7);
  });
});
