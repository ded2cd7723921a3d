/**
 * Expectations (docs/scenarios.md, "Expectations"): each check kind passes when it should and
 * fails when it should, with a detail that says why. One story is run with a set of checks that
 * hold and again with a set that does not; the run itself is the same.
 */
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { Gateway } from '../../../src/harness/gateway/gateway.js';
import { Pump, runScenario, type PumpEvent, type ScenarioRun } from '../../../src/index.js';
import { HEPARIN_RATE, infuse, ward, type Expect } from './helpers.js';

afterEach(() => {
  vi.restoreAllMocks();
});

/**
 * u-1: a downstream occlusion at 5m nobody answers (alarm about 6m40s, escalations 2 and 5 min later).
 * u-2: paused at 10m, resumed at 14m, its door opened at 25m. u-3: runs all along, door opened at 25m.
 * A rogue client sends an unsigned PAUSE to every pump at 20m (3 refused).
 */
function story(expectations: Expect) {
  return ward({
    pumps: 3,
    duration: '30m',
    timeline: [
      ...infuse(),
      { at: '5m', fault: 'occlusion', target: 'u-1', end: '15m' },
      { at: '10m', action: 'pause', target: 'u-2' },
      { at: '14m', action: 'resume', target: 'u-2' },
      { at: '20m', fault: 'rogue-client', args: { command: 'PAUSE' } },
      { at: '25m', fault: 'door-open', target: 'u-2', end: '26m' },
      { at: '25m', fault: 'door-open', target: 'u-3', end: '26m' },
    ],
    expect: expectations,
  });
}

const holds: Expect = [
  { check: 'alarm', alarm: 'OCCLUSION_DOWN', target: 'u-1', after: '5m', within: '2m' },
  { check: 'alarm', alarm: 'DOOR_OPEN', after: '25m', within: '1m', count: 2 },
  { check: 'no-alarm', alarm: 'AIR_IN_LINE' },
  { check: 'no-alarm', alarm: 'OCCLUSION_DOWN', target: 'u-2' },
  { check: 'escalation', alarm: 'OCCLUSION_DOWN', level: 1, target: 'u-1', after: '5m', within: '5m' },
  { check: 'escalation', alarm: 'OCCLUSION_DOWN', level: 2, after: '5m', within: '7m' },
  { check: 'no-infusion-interrupted' },
  { check: 'events-exactly-once' },
  { check: 'within-hard-limits' },
  { check: 'no-unauthorised-change' },
  { check: 'commands-refused', min: 3 },
  { check: 'commands-refused' },
  { check: 'delivered', target: 'u-3', minMl: 5.5, maxMl: 6.5 },
  { check: 'delivered', target: 'unit:u', minMl: 1 },
  { check: 'state', target: 'u-2', state: 'PAUSED', at: '12m' },
  { check: 'state', target: 'u-2', state: 'RUNNING', at: '20m' },
  { check: 'state', target: 'u-1', state: 'ALARM' },
];

const fails: Expect = [
  { check: 'alarm', alarm: 'OCCLUSION_DOWN', target: 'u-1', after: '0s', within: '5m' },
  { check: 'alarm', alarm: 'DOOR_OPEN', after: '25m', within: '1m', count: 3 },
  { check: 'no-alarm', alarm: 'OCCLUSION_DOWN' },
  { check: 'escalation', alarm: 'OCCLUSION_DOWN', level: 2, target: 'u-1', after: '5m', within: '5m' },
  { check: 'escalation', alarm: 'DOOR_OPEN', level: 1, within: '30m' },
  { check: 'commands-refused', min: 4 },
  { check: 'delivered', target: 'u-3', minMl: 7 },
  { check: 'delivered', target: 'u-3', maxMl: 5 },
  { check: 'state', target: 'u-2', state: 'RUNNING', at: '12m' },
  { check: 'state', target: 'unit:u', state: 'RUNNING' },
  { check: 'state', target: 'unit:u', state: 'RUNNING', at: '20m' },
];

describe('expectations', () => {
  let passRun: ScenarioRun;
  let failRun: ScenarioRun;
  beforeAll(async () => {
    passRun = await runScenario(story(holds));
    failRun = await runScenario(story(fails));
  });

  it('each check kind passes when the run meets it', () => {
    const r = passRun.result;
    expect(r.violations).toEqual([]);
    const by = r.expectations;
    expect(by.length).toBe(holds.length);
    for (const e of by) expect(e.passed, `${e.description}: ${e.detail}`).toBe(true);
    expect(r.outcome).toBe('pass');
    expect(r.exitCode).toBe(0);
    // Useful details.
    expect(by[0]!.description).toBe('alarm OCCLUSION_DOWN on u-1 within 2m after 5m');
    expect(by[0]!.detail).toMatch(/^1 raised, first on u-1 at 00:06:3\d$/);
    expect(by[1]!.description).toMatch(/alarm DOOR_OPEN on all .*\(at least 2\)/);
    expect(by[1]!.detail).toMatch(/^2 raised, first on u-2 at 00:25:00$/);
    expect(by[2]).toMatchObject({ description: 'no AIR_IN_LINE on all', detail: 'none' });
    expect(by[4]!.detail).toMatch(/^level 1 on u-1 at 00:08:3\d$/);
    expect(by[5]!.detail).toMatch(/^level 2 on u-1 at 00:11:3\d$/);
    for (const i of [6, 7, 8, 9]) expect(by[i]!.detail).toBe('held');
    expect(by[10]).toMatchObject({ description: 'at least 3 unauthorised command(s) refused', detail: '3 refused' });
    expect(by[11]!.description).toBe('at least 1 unauthorised command(s) refused');
    // u-3 ran 25 min at 14.4 mL/h, then its door opened and the flow stopped.
    expect(by[12]!.detail).toBe(`${r.pumps.find((p) => p.id === 'u-3')!.viMl.toFixed(2)} mL`);
    expect(r.pumps.find((p) => p.id === 'u-3')!.viMl).toBeCloseTo((HEPARIN_RATE * 25) / 60, 1);
    expect(by[14]).toMatchObject({ description: 'u-2 PAUSED at 12m', detail: 'all 1' });
    expect(by[16]).toMatchObject({ description: 'u-1 ALARM at the end' });
  });

  it('each check kind fails when the run does not meet it, saying why', () => {
    const r = failRun.result;
    expect(r.violations).toEqual([]);
    for (const e of r.expectations) expect(e.passed, `${e.description}: ${e.detail}`).toBe(false);
    const d = r.expectations.map((e) => e.detail);
    expect(d[0]).toBe('not raised');
    expect(d[1]).toMatch(/^2 raised, first on u-2/);
    expect(d[2]).toBe('1 raised, first on u-1');
    expect(d[3]).toBe('no escalation');
    expect(d[4]).toBe('no escalation');
    expect(d[5]).toBe('3 refused');
    expect(d[6]).toMatch(/^6\.\d\d mL$/);
    expect(d[7]).toMatch(/^6\.\d\d mL$/);
    expect(d[8]).toBe('1 of 1 in another state (PAUSED)');
    // u-1 is in ALARM (its occlusion latches, unacknowledged); u-2 and u-3 are PAUSED once their
    // doors close (docs/protocol.md: reason=alarm_cleared, never ALARM with no alarm).
    expect(d[9]).toBe('3 of 3 in another state (ALARM, PAUSED)');
    expect(d[10]).toBe('1 of 3 in another state (ALARM, RUNNING)');
    // A failed expectation alone makes the run fail.
    expect(r.outcome).toBe('violation');
    expect(r.exitCode).toBe(1);
  });

  it('expectations judge the run; they do not change it', () => {
    expect(failRun.result.traceHash).toBe(passRun.result.traceHash);
    expect(failRun.trace.toText()).toBe(passRun.trace.toText());
  });

  it('the rule checks fail with the number of violations when the rules are broken', async () => {
    // Broken pieces: a gateway that loses one event, firmware that runs u-2 at four times its
    // programmed rate (past the hard limit), and a legacy pump that obeys a rogue PAUSE.
    const gatewayProto = Gateway.prototype as unknown as { ingest: (p: string, r: { nextExpected: number }, seq: number, e: PumpEvent) => void };
    const ingest = gatewayProto.ingest;
    let dropped = false;
    vi.spyOn(gatewayProto, 'ingest').mockImplementation(function (this: Gateway, p, r, seq, e) {
      if (!dropped && p === 'u-1' && seq === 1) {
        dropped = true;
        r.nextExpected++;
        return;
      }
      ingest.call(this, p, r, seq, e);
    });
    // The getter may sit on a base class of Pump: spy on the prototype that owns it.
    let owner: object = Pump.prototype;
    while (!Object.getOwnPropertyDescriptor(owner, 'currentProgram')) owner = Object.getPrototypeOf(owner) as object;
    const program = Object.getOwnPropertyDescriptor(owner, 'currentProgram')!.get!;
    vi.spyOn(owner as Pump, 'currentProgram', 'get').mockImplementation(function (this: Pump) {
      const p = program.call(this) as Pump['currentProgram'];
      return this.serial === 'u-2' && p ? { ...p, rateMlPerH: p.rateMlPerH * 4 } : p;
    });
    const { result } = await runScenario(
      ward({
        pumps: 2,
        groups: [{ type: 'lvp', count: 1, prefix: 'legacy', profile: 'legacy-unauthenticated' }],
        timeline: [...infuse(), { at: '5m', fault: 'rogue-client', target: 'legacy-1', args: { command: 'PAUSE' } }],
        expect: [{ check: 'no-infusion-interrupted' }, { check: 'events-exactly-once' }, { check: 'within-hard-limits' }, { check: 'no-unauthorised-change' }],
      }),
    );
    expect(result.expectations.map((e) => [e.description, e.passed])).toEqual([
      ['no infusion interrupted', false],
      ['all events ingested exactly once', false],
      ['no pump delivered outside its hard limits', false],
      ['no command from an unauthorised source changed a therapy', false],
    ]);
    for (const e of result.expectations) expect(e.detail).toMatch(/^[1-9]\d* violation\(s\)$/);
    const hard = result.violations.filter((v) => v.rule === 'hard-limit');
    expect(hard.length).toBeGreaterThan(0);
    expect(hard.every((v) => v.pumpId === 'u-2')).toBe(true);
    expect(hard[0]!.detail).toMatch(/outside the hard limits/);
    expect(result.outcome).toBe('violation');
  });
});
