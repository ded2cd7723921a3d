/**
 * The reconnect-storm fault on the in-process network (docs/scenarios.md, "Faults"): every
 * targeted pump's link drops at the same instant and each comes back after its own seeded
 * reconnect delay; nothing is delivered meanwhile, outboxes keep the events, COMM_LOST only when
 * a pump is away longer than its comm timeout, and the same seed gives the same run.
 */
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../../src/index.js';
import { loadScenarioFile, parseScenarioText } from '../../../src/harness/scenario/load.js';
import { BASE, oneProblem } from '../scenario/helpers.js';
import { expectExactlyOnce } from '../../support/exactlyOnce.js';
import { alarmsOf, infuse, MIN, recordsOf, stateAt, ward, type Timeline } from './helpers.js';

/** Pause and resume every pump every 2 minutes, so the pumps have events to send. */
function churn(end = '55m'): Timeline {
  return [
    { at: '1m', action: 'pause', target: 'all', every: '2m', end },
    { at: '2m', action: 'resume', target: 'all', every: '2m', end },
  ];
}

function expectExactlyOnceAndNoViolation(run: Awaited<ReturnType<typeof runScenario>>): void {
  expectExactlyOnce(run);
  expect(run.result.violations).toEqual([]);
}

describe('reconnect-storm (in-process)', () => {
  it('drops every targeted link at once; each is back after backoff + a seeded draw below jitter; nothing crosses meanwhile', async () => {
    const timeline: Timeline = [...infuse('all'), ...churn('41m'), { at: '10m30s', fault: 'reconnect-storm', target: 'unit:u', args: { backoff: 2000, jitter: 3000 } }];
    const run = await runScenario(ward({ pumps: 4, second: 2, duration: '45m', timeline }));
    const net = recordsOf(run.trace, 'net');
    expect(net.map((r) => [r.what, r.target])).toEqual([['link-down', 'unit:u'], ['link-up', 'unit:u']]);
    const downMs = 10 * MIN + 30_000;
    expect(net[0]!.tMs).toBe(downMs);
    const upMs = net[1]!.tMs;
    expect(upMs - downMs).toBeGreaterThanOrEqual(2000);
    expect(upMs - downMs).toBeLessThan(5000);
    // While down, the gateway ingests nothing from the storm's pumps (it still hears unit v).
    const ingests = recordsOf(run.trace, 'ingest').filter((r) => r.tMs > downMs && r.tMs < downMs + 2000);
    expect(ingests.filter((r) => r.pumpId.startsWith('u-'))).toEqual([]);
    // A few seconds away: no COMM_LOST, infusions go on, everything is ingested exactly once.
    for (const id of ['u-1', 'u-2', 'u-3', 'u-4']) {
      expect(alarmsOf(run.trace, id, 'COMM_LOST')).toEqual([]);
      expect(stateAt(run.trace, id, 44 * MIN)).toBe('RUNNING');
    }
    expectExactlyOnceAndNoViolation(run);
  });

  it('a pump away longer than its comm timeout raises COMM_LOST and drains its outbox once back', async () => {
    // 60 s telemetry: comm timeout 150 s; these pumps are back after 200 s.
    const timeline: Timeline = [...infuse('all'), ...churn('41m'), { at: '10m', fault: 'reconnect-storm', args: { backoff: 200_000, jitter: 0 } }];
    const run = await runScenario(ward({ pumps: 3, duration: '45m', timeline }));
    for (const id of ['u-1', 'u-2', 'u-3']) {
      expect(alarmsOf(run.trace, id, 'COMM_LOST').length, id).toBe(1);
      expect(stateAt(run.trace, id, 44 * MIN)).toBe('RUNNING');
    }
    expect(run.result.expectations.every((e) => e.passed)).toBe(true);
    expectExactlyOnceAndNoViolation(run);
  });

  it('repeats with every: and end:, on the same pumps', async () => {
    const timeline: Timeline = [...infuse('all'), ...churn('41m'), { at: '5m', fault: 'reconnect-storm', every: '10m', end: '30m' }];
    const run = await runScenario(ward({ pumps: 2, duration: '45m', timeline }));
    const downs = recordsOf(run.trace, 'net').filter((r) => r.what === 'link-down');
    expect(downs.map((r) => r.tMs)).toEqual([5 * MIN, 15 * MIN, 25 * MIN]);
    expectExactlyOnceAndNoViolation(run);
  });

  it('the shipped scenario passes, and the same seed gives the same trace', async () => {
    const a = await runScenario(loadScenarioFile('scenarios/reconnect-storm.yaml'));
    const b = await runScenario(loadScenarioFile('scenarios/reconnect-storm.yaml'));
    expect(a.result.outcome).toBe('pass');
    expect(a.result.expectations.every((e) => e.passed)).toBe(true);
    const downs = recordsOf(a.trace, 'net').filter((r) => r.what === 'link-down').map((r) => r.tMs);
    expect(downs).toEqual([60 * MIN, 90 * MIN, 120 * MIN]);
    // Two ICU pumps are in their occlusion alarm when the storms hit.
    for (const id of ['icu-2', 'icu-5']) expect(alarmsOf(a.trace, id, 'OCCLUSION_DOWN')[0]!.tMs).toBeLessThan(60 * MIN);
    expectExactlyOnceAndNoViolation(a);
    expect(a.trace.digest()).toBe(b.trace.digest());
  });
});

describe('reconnect-storm in a scenario file', () => {
  const storm = (entry: string): string => BASE.replace('expect:\n', `${entry}\nexpect:\n`);

  it('takes backoff and jitter, and repeats with every: and end:', () => {
    const loaded = parseScenarioText(storm('  - { at: 1h, fault: reconnect-storm, every: 10m, end: 1h30m, args: { backoff: 500, jitter: 2000 } }'), 'scenarios/t.yaml');
    expect(loaded.scenario.timeline.at(-1)).toMatchObject({ fault: 'reconnect-storm', target: 'all', every: '10m', end: '1h30m' });
  });

  it('end: without every: is refused with its file:line:col', () => {
    const text = storm('  - { at: 1h, fault: reconnect-storm, end: 1h30m }');
    const p = oneProblem(text, 'end: 1h30m', 'reconnect-storm');
    expect(p.message).toMatch(/only bounds every/);
  });

  it('storms closer together than a pump may be away are refused', () => {
    const text = storm('  - { at: 1h, fault: reconnect-storm, every: 5s, end: 2h }');
    const p = oneProblem(text, '5s', 'reconnect-storm');
    expect(p.message).toMatch(/would overlap/);
  });

  it('an unknown arg is refused, naming the ones it takes', () => {
    const text = storm('  - { at: 1h, fault: reconnect-storm, args: { delay: 5 } }');
    const p = oneProblem(text, 'delay: 5');
    expect(p.message).toMatch(/takes: backoff, jitter/);
  });
});
