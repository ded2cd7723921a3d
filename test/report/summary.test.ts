import { describe, expect, it } from 'vitest';
import { alarmResponseStats, counted, formatSummary, percentile, textTable, volumeErrorStats } from '../../src/harness/report/summary.js';
import { clockText, traceLineForPeople } from '../../src/harness/report/timeline.js';
import type { AlarmRecord } from '../../src/harness/run/result.js';
import { syntheticResult } from './fixture.js';

/** The line of a summary table whose first cell is `first`, split on runs of spaces. */
function row(text: string, first: string): string[] {
  const line = text.split('\n').find((l) => l.trim().split(/\s{2,}/)[0] === first);
  if (!line) throw new Error(`no row ${first} in\n${text}`);
  return line.trim().split(/\s{2,}/);
}

describe('percentile', () => {
  it('interpolates linearly between ranks', () => {
    expect(percentile([10, 30, 50, 90], 50)).toBe(40);
    expect(percentile([10, 30, 50, 90], 90)).toBeCloseTo(78, 9);
    expect(percentile([10, 30, 90], 50)).toBe(30);
    expect(percentile([7], 90)).toBe(7);
    expect(percentile([], 50)).toBeNaN();
  });
});

describe('aggregations', () => {
  it('computes response times per alarm type, high priority first', () => {
    const stats = alarmResponseStats(syntheticResult().alarms);
    expect(stats.map((s) => s.alarm)).toEqual(['OCCLUSION_DOWN', 'AIR_IN_LINE', 'VTBI_COMPLETE', 'CALLBACK', 'NEAR_END']);
    const occ = stats[0];
    expect(occ).toMatchObject({ raised: 4, answered: 4, endedUnanswered: 0, stillOn: 0, medianMs: 40_000, maxMs: 90_000 });
    expect(occ?.p90Ms).toBeCloseTo(78_000, 6);
    expect(stats[1]).toMatchObject({ raised: 1, answered: 0, endedUnanswered: 0, stillOn: 1 });
    expect(stats[1]?.medianMs).toBeNaN();
  });

  it('tells an alarm that ended by itself from one still on at the end (issue 15, item 4)', () => {
    // Nobody answers COMM_LOST, LOW_BATTERY or NEAR_END: the link, mains or the infusion's end ends them.
    const alarms: AlarmRecord[] = [
      { pumpId: 'a', unit: 'u', id: 'COMM_LOST', priority: 'low', raisedMs: 1000, endedMs: 61_000 },
      { pumpId: 'b', unit: 'u', id: 'COMM_LOST', priority: 'low', raisedMs: 2000, endedMs: 5000 },
      { pumpId: 'a', unit: 'u', id: 'LOW_BATTERY', priority: 'low', raisedMs: 3000 },
      { pumpId: 'a', unit: 'u', id: 'NEAR_END', priority: 'low', raisedMs: 4000, answeredMs: 14_000, endedMs: 20_000 },
    ];
    const stats = alarmResponseStats(alarms);
    expect(stats.find((s) => s.alarm === 'COMM_LOST')).toMatchObject({ raised: 2, answered: 0, endedUnanswered: 2, stillOn: 0 });
    expect(stats.find((s) => s.alarm === 'LOW_BATTERY')).toMatchObject({ raised: 1, answered: 0, endedUnanswered: 0, stillOn: 1 });
    expect(stats.find((s) => s.alarm === 'NEAR_END')).toMatchObject({ raised: 1, answered: 1, endedUnanswered: 0, stillOn: 0, medianMs: 10_000 });
  });

  it('writes virtual time as hh:mm:ss, and d+hh:mm:ss from the first day on (issue 15, item 2)', () => {
    expect(clockText(0)).toBe('00:00:00');
    expect(clockText(3 * 3_600_000 + 5 * 60_000 + 12_999)).toBe('03:05:12');
    expect(clockText(86_400_000 - 1000)).toBe('23:59:59');
    expect(clockText(86_400_000)).toBe('1+00:00:00');
    expect(clockText(2 * 86_400_000 + 2 * 3_600_000 + 3 * 60_000 + 4000)).toBe('2+02:03:04');
    expect(traceLineForPeople('  11112000 pump ms-1 STATE RUNNING')).toBe('03:05:12 pump ms-1 STATE RUNNING');
    expect(traceLineForPeople('not a trace line')).toBe('not a trace line');
  });

  it('counts in the singular for one (issue 15, item 11)', () => {
    expect(counted(1, 'unit')).toBe('1 unit');
    expect(counted(0, 'unit')).toBe('0 units');
    expect(counted(2, 'pump')).toBe('2 pumps');
    const r = syntheticResult();
    r.units = [r.units[0]!];
    r.pumps = [r.pumps[0]!];
    expect(formatSummary(r)).toMatch(/^ {2}fleet {6}1 pump in 1 unit$/m);
  });

  it('computes the delivered volume error over pumps that infused', () => {
    const [lvp, syringe] = volumeErrorStats(syntheticResult().pumps);
    expect(lvp).toMatchObject({ type: 'lvp', pumps: 4, infusing: 3, minPct: -2, maxPct: 3, viMl: 350, deliveredMl: 356 });
    expect(lvp?.meanPct).toBeCloseTo(2 / 3, 9);
    expect(syringe).toMatchObject({ type: 'syringe', pumps: 1, infusing: 1, meanPct: -0.5 });
  });
});

describe('formatSummary', () => {
  const text = formatSummary(syntheticResult());

  it('has the header', () => {
    expect(text).toContain('infusim run: two-units (scenarios/two-units.yaml)');
    expect(text).toMatch(/seed\s+42/);
    expect(text).toMatch(/duration\s+04:00:00 virtual/);
    expect(text).toContain('trace      0123456789abcdef (1234 records)');
    expect(text).not.toContain('0123456789abcdeff');
    expect(text).toContain('outcome    VIOLATION (expected violation) -> exit 0');
  });

  it('counts alarms by type and unit', () => {
    const header = row(text, 'alarm');
    expect(header).toEqual(['alarm', 'priority', 'icu', 'med-surg', 'total']);
    expect(row(text, 'OCCLUSION_DOWN').slice(0, 5)).toEqual(['OCCLUSION_DOWN', 'high', '2', '2', '4']);
    expect(row(text, 'NEAR_END').slice(0, 5)).toEqual(['NEAR_END', 'low', '1', '0', '1']);
    expect(row(text, 'total')).toEqual(['total', '4', '4', '8']);
  });

  it('gives median, p90 and max response times in seconds', () => {
    const lines = text.split('\n');
    const start = lines.findIndex((l) => l.startsWith('Alarm response times'));
    const occ = lines.slice(start).find((l) => l.trim().startsWith('OCCLUSION_DOWN'));
    expect(occ?.trim().split(/\s+/)).toEqual(['OCCLUSION_DOWN', '4', '4', '40.0', '78.0', '90.0', '0', '0']);
    const air = lines.slice(start).find((l) => l.trim().startsWith('AIR_IN_LINE'));
    expect(air?.trim().split(/\s+/)).toEqual(['AIR_IN_LINE', '1', '0', '-', '-', '-', '0', '1']);
  });

  it('has volume error, network, expectations and violations', () => {
    expect(row(text, 'lvp')).toEqual(['lvp', '4', '3', '0.67', '-2.00', '3.00', '350.0', '356.0']);
    expect(row(text, 'messages lost')).toEqual(['messages lost', '20']);
    expect(row(text, 'gaps detected')).toEqual(['gaps detected', '1']);
    expect(row(text, 'commands refused')).toEqual(['commands refused', '4']);
    expect(text).toContain('Expectations (1/2 pass)');
    expect(row(text, 'FAIL')).toEqual(['FAIL', 'no event lost at the gateway', '2 events missing']);
    expect(text).toContain('  03:05:12  ms-1  occlusion-announced  flow stopped for 60 s without an occlusion alarm\n');
    expect(text).toContain('\n      03:05:12 VIOLATION occlusion-announced ms-1 <flow & pressure>\n');
    expect(text).toContain('Violations (1)');
  });

  it('aligns columns', () => {
    const lines = textTable(['a', 'count'], [['long name', '5'], ['x', '123']], { align: ['l', 'r'] }).split('\n');
    expect(lines).toEqual(['  a          count', '  ---------  -----', '  long name      5', '  x            123']);
  });

  it('colours only PASS and FAIL with color: true', () => {
    expect(text).not.toContain('\u001b[');
    const colored = formatSummary(syntheticResult(), { color: true });
    expect(colored).toContain('\u001b[32mPASS  \u001b[0m');
    expect(colored).toContain('\u001b[31mFAIL  \u001b[0m');
    expect(colored.replaceAll('\u001b[32m', '').replaceAll('\u001b[31m', '').replaceAll('\u001b[0m', '')).toBe(text);
  });
});
