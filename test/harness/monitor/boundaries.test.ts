/**
 * Segments as security boundaries (docs/scenarios.md#segments-as-security-boundaries) and the blast
 * radius of each attack (docs/monitoring.md, Blast radius). The fleet: three units of 4 lvp pumps,
 * ua-1..4 on segment a, ub-1..4 on b, uc-1..4 on c; the rule set X is `a may reach b`. Worked by
 * hand from it: a host on a reaches a's 4 and b's 4 = 8 pumps; on b only b's 4; on c only c's 4;
 * with no `reach:` every host reaches all 12. The gateway reaches all 12 whatever the rules.
 */
import { describe, expect, it } from 'vitest';
import { defineScenario, runScenario, type ScenarioInput } from '../../../src/index.js';
import { BASE, oneProblem } from '../scenario/helpers.js';
import type { Timeline } from '../run/helpers.js';
import { formatJsonReport } from '../../../src/harness/report/json.js';
import { renderHtmlReport } from '../../../src/harness/report/html.js';
import { formatSummary } from '../../../src/harness/report/summary.js';

const RULES_X = [{ from: 'a', to: ['b'] }];

function threeUnits(o: { reach?: { from: string; to: string[] }[]; timeline: Timeline; monitor?: boolean }) {
  const units = ['a', 'b', 'c'].map((seg) => ({ id: `u${seg}`, careArea: 'icu', segment: seg, pumps: [{ type: 'lvp' as const, count: 4 }], nurse: { respond: false } }));
  const input: ScenarioInput = {
    name: 'boundaries',
    seed: 3,
    duration: '30m',
    site: { segments: [{ id: 'a' }, { id: 'b' }, { id: 'c' }], units, ...(o.reach ? { reach: o.reach } : {}) },
    link: { latency: '20ms', jitter: '0ms' },
    timeline: o.timeline,
    expect: [{ check: 'events-exactly-once' }],
    ...(o.monitor ? { monitor: { baseline: '10m' } } : {}),
  } as ScenarioInput;
  return defineScenario(input);
}

const scanFrom = (seg: string): Timeline => [{ at: '15m', fault: 'segment-scan', target: 'all', args: { from: seg } }];

/** The pumps that judged one of the scan's PINGs (the trace's command records from a rogue). */
async function run(o: Parameters<typeof threeUnits>[0]) {
  const { result, trace } = await runScenario(threeUnits(o));
  const judged = [...new Set(trace.records.filter((r) => r.kind === 'command' && r.source === 'rogue').map((r) => (r as { pumpId: string }).pumpId))].sort();
  return { result, judged };
}

describe('segments as security boundaries', () => {
  it('rule set X: a scanner on a reaches 8 of 12 pumps (a and b), and only those get its PING', async () => {
    const { result, judged } = await run({ reach: RULES_X, timeline: scanFrom('a') });
    expect(judged).toEqual(['ua-1', 'ua-2', 'ua-3', 'ua-4', 'ub-1', 'ub-2', 'ub-3', 'ub-4']);
    expect(result.blastRadius).toEqual([expect.objectContaining({ attack: 'segment-scan', from: ['a'], reachable: 8, sent: 12, reached: 8, refused: 8, affected: 0 })]);
    expect(result.outcome).toBe('pass');
  });

  it('rule set X: from b (no entry) only its own 4; from c only its own 4', async () => {
    for (const seg of ['b', 'c']) {
      const { result, judged } = await run({ reach: RULES_X, timeline: scanFrom(seg) });
      expect(judged).toEqual([1, 2, 3, 4].map((n) => `u${seg}-${n}`));
      expect(result.blastRadius?.[0]).toMatchObject({ reachable: 4, sent: 12, reached: 4, refused: 4 });
    }
  });

  it('without reach: every host reaches all 12 (as before)', async () => {
    const { result, judged } = await run({ timeline: scanFrom('a') });
    expect(judged).toHaveLength(12);
    expect(result.blastRadius?.[0]).toMatchObject({ reachable: 12, reached: 12, refused: 12 });
  });

  it('the monitor takes a pair reach: lets through as allowed: cross-segment only for a -> c', async () => {
    const { result } = await run({ reach: RULES_X, timeline: scanFrom('a'), monitor: true });
    const cross = result.monitor?.alerts.filter((a) => a.kind === 'cross-segment') ?? [];
    expect(cross.map((a) => a.pumpId)).toEqual(['uc-1']);
    expect(result.monitor?.detections).toEqual([expect.objectContaining({ attack: 'segment-scan', detected: true, timeToDetectMs: 0 })]);
  });
});

describe('segments as security boundaries over MQTT (embedded broker)', () => {
  it('rule set X: the scanner on a sends to 8 pumps only (the run drops the 4 to c before the broker, which refuses the other 8); the sensor on a sees those 8', async () => {
    const run = await runScenario(threeUnits({ reach: RULES_X, timeline: scanFrom('a'), monitor: true }), { transport: { kind: 'mqtt' } });
    expect(run.mqtt?.stats.rogueBlocked).toBe(8);
    expect(run.result.blastRadius).toEqual([expect.objectContaining({ reachable: 8, sent: 12, reached: 0 })]);
    const unauthorised = run.result.monitor?.alerts.filter((a) => a.kind === 'unauthorised-command').map((a) => a.pumpId) ?? [];
    expect(unauthorised.sort()).toEqual(['ua-1', 'ua-2', 'ua-3', 'ua-4', 'ub-1', 'ub-2', 'ub-3', 'ub-4']);
    expect(run.result.monitor?.alerts.filter((a) => a.kind === 'cross-segment')).toEqual([]);
  }, 120_000);
});

describe('blast radius: pumps affected', () => {
  it("the gateway's key in an attacker's hands reaches all 12 whatever the rules; 2 signed boluses to ua-1 affect ua-1 only", async () => {
    const { result } = await run({ reach: RULES_X, timeline: [{ at: '15m', fault: 'compromised-gateway', target: 'ua-1', args: { count: 2 } }] });
    expect(result.blastRadius).toEqual([expect.objectContaining({ from: ['gateway'], reachable: 12, sent: 2, reached: 2, refused: 0, affected: 1, affectedPumps: ['ua-1'] })]);
  });

  it('a stolen credential used from c sends unsigned PAUSEs to unit ua: every one refused or dropped, none affected', async () => {
    const { result } = await run({ reach: RULES_X, timeline: [{ at: '15m', fault: 'stolen-credential', target: 'unit:ua', args: { credential: 'uc-1', from: 'c' } }] });
    // c reaches only c: the 4 PAUSEs to ua stop at the boundary.
    expect(result.blastRadius).toEqual([expect.objectContaining({ from: ['c'], reachable: 4, sent: 4, reached: 0, refused: 0, affected: 0 })]);
  });
});

describe('blast radius in the reports', () => {
  it('terminal, JSON and HTML carry each attack its reachable and affected pumps', async () => {
    const { result, trace } = await runScenario(threeUnits({ reach: RULES_X, timeline: [...scanFrom('a'), { at: '17m', fault: 'compromised-gateway', target: 'ua-1', args: { count: 2 } }] }));
    const text = formatSummary(result, { color: false });
    expect(text).toMatch(/segment-scan +all +00:15:00 +a +8 of 12 +0 +12 +8 +8/);
    expect(text).toMatch(/compromised-gateway +ua-1 +00:17:00 +gateway +12 of 12 +1 \(ua-1\) +2 +2 +0/);
    const json = JSON.parse(formatJsonReport(result)) as { blastRadius: unknown[] };
    expect(json.blastRadius).toEqual([
      { attack: 'segment-scan', target: 'all', startMs: 900_000, affected: 0, affectedPumps: [], from: ['a'], reachable: 8, reached: 8, refused: 8, sent: 12 },
      { attack: 'compromised-gateway', target: 'ua-1', startMs: 1_020_000, affected: 1, affectedPumps: ['ua-1'], from: ['gateway'], reachable: 12, reached: 2, refused: 0, sent: 2 },
    ]);
    const html = renderHtmlReport(result, trace);
    expect(html).toContain('<section id="blast-radius"><h2>Blast radius</h2>');
    expect(html).toContain('<td>segment-scan</td><td>all</td><td>00:15:00</td><td>a</td><td>8 of 12</td><td>0</td><td>12</td><td>8</td><td>8</td>');
  });

  it('a run without attacks has no blast radius', async () => {
    const { result } = await runScenario(threeUnits({ timeline: [] }));
    expect(result.blastRadius).toBeUndefined();
    expect(formatSummary(result, { color: false })).not.toContain('Blast radius');
  });
});

describe('site.reach: in a scenario file', () => {
  it('a segment the site does not have is refused at it, with a suggestion', () => {
    const text = BASE.replace('    - id: seg-b\n', '    - id: seg-b\n  reach:\n    - { from: seg-a, to: [seg-c] }\n');
    const p = oneProblem(text, 'seg-c');
    expect(p.message).toMatch(/segment "seg-c" is not in site.segments/);
    expect(p.path).toBe('site.reach[0].to[0]');
  });

  it("the new attacks' args: a flood from a segment the site does not have, a firmware version that is not MAJOR.MINOR.PATCH, refused at the value", () => {
    const flood = BASE.replace('timeline:\n', 'timeline:\n  - { at: 50m, fault: broker-flood, target: all, args: { from: seg-z } }\n');
    expect(oneProblem(flood, 'seg-z').message).toMatch(/segment "seg-z" is not in site.segments/);
    const fw = BASE.replace('timeline:\n', 'timeline:\n  - { at: 50m, fault: malicious-firmware, target: all, args: { version: nine } }\n').replace('expect:\n', 'releases:\n  - { id: good, version: 1.1.0, sizeBytes: 32768 }\nexpect:\n');
    expect(oneProblem(fw, 'nine').message).toMatch(/version "nine" is not MAJOR.MINOR.PATCH/);
  });

  it('malicious-firmware without releases: is refused (the pumps have no update agent)', () => {
    const text = BASE.replace('timeline:\n', 'timeline:\n  - { at: 50m, fault: malicious-firmware, target: all }\n');
    expect(oneProblem(text, 'malicious-firmware').message).toMatch(/needs releases:/);
  });

  it('two entries for one segment are refused at the second', () => {
    const text = BASE.replace('    - id: seg-b\n', '    - id: seg-b\n  reach:\n    - { from: seg-a, to: [seg-b] }\n    - { from: seg-a, to: [] }\n');
    const p = oneProblem(text, 'seg-a', '[seg-b] }\n');
    expect(p.message).toMatch(/already has an entry/);
  });
});
