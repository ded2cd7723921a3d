/**
 * Every global safety rule is detected when it is broken. The rules are driven two ways: the
 * SafetyMonitor fed crafted events directly, and whole runs with a deliberately broken piece
 * (a prototype patched for the test) so the violation comes back through runScenario with its
 * time, pump, rule, detail and the trace lines around it.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SafetyMonitor, type RawViolation } from '../../../src/harness/safety/monitor.js';
import { Gateway } from '../../../src/harness/gateway/gateway.js';
import { GLOBAL_RULES, LARGE_VOLUME_PUMP, loadLibraryFile, Pump, runScenario, World, type PumpCommand, type PumpEvent, type Reply, type Violation } from '../../../src/index.js';
import { infuse, MIN, ward } from './helpers.js';

afterEach(() => {
  vi.restoreAllMocks();
});

const OK: Reply = { ok: true, fields: {} } as unknown as Reply;

function monitored(): { monitor: SafetyMonitor; found: RawViolation[]; pump: Pump } {
  const found: RawViolation[] = [];
  const monitor = new SafetyMonitor((v) => found.push(v));
  const pump = new Pump({ type: LARGE_VOLUME_PUMP, seed: 1, library: loadLibraryFile(), areaId: 'icu' });
  monitor.watch('p1', pump);
  return { monitor, found, pump };
}

function expectWellFormed(v: Violation, rule: string, pumpId: string): void {
  expect(v.rule).toBe(rule);
  expect(v.pumpId).toBe(pumpId);
  expect(Number.isFinite(v.tMs)).toBe(true);
  expect(v.detail.length).toBeGreaterThan(10);
  // The trace lines around it, with the violation's own line among them.
  expect(v.context.length).toBeGreaterThan(1);
  expect(v.context.some((l) => l.includes(`VIOLATION ${rule} ${pumpId}`))).toBe(true);
}

describe('no-infusion-interrupted', () => {
  it('the monitor flags flow stopped by a non-local command, by an alarm that must not stop flow, or with no cause', () => {
    const { monitor, found } = monitored();
    const state = (tMs: number, s: 'RUNNING' | 'PAUSED' | 'ALARM' | 'IDLE', reason: string): PumpEvent => ({ type: 'STATE', tMs, state: s, reason });
    // Allowed: a nurse's pause, the gateway's stop, a flow-stopping alarm, VTBI done, power-off.
    const allowed: [string, PumpCommand | undefined, PumpEvent][] = [
      ['nurse', { cmd: 'PAUSE' }, state(10, 'PAUSED', 'pause')],
      ['gateway', { cmd: 'STOP' }, state(20, 'IDLE', 'stop')],
      ['scenario', { cmd: 'INJECT', input: { sensor: 'door', value: 'open' } }, state(30, 'ALARM', 'DOOR_OPEN')],
      ['scenario', undefined, state(40, 'IDLE', 'vtbi_done')],
      ['scenario', { cmd: 'INJECT', input: { sensor: 'power', value: 'off' } }, state(50, 'IDLE', 'power_off')],
    ];
    for (const [source, cmd, stop] of allowed) {
      monitor.event('p1', state(stop.tMs - 1, 'RUNNING', 'start'));
      if (cmd) monitor.noteCommand('p1', stop.tMs, source, cmd, OK);
      monitor.event('p1', stop);
    }
    expect(found).toEqual([]);
    // Broken: a rogue PAUSE, a low-priority alarm that stopped flow, a pause with no command.
    monitor.event('p1', state(100, 'RUNNING', 'start'));
    monitor.noteCommand('p1', 110, 'rogue', { cmd: 'PAUSE' }, OK);
    monitor.event('p1', state(110, 'PAUSED', 'pause'));
    monitor.event('p1', state(120, 'RUNNING', 'resume'));
    monitor.event('p1', state(130, 'ALARM', 'COMM_LOST'));
    monitor.event('p1', state(140, 'RUNNING', 'resume'));
    monitor.event('p1', state(150, 'PAUSED', 'pause'));
    expect(found).toEqual([
      { tMs: 110, rule: GLOBAL_RULES.infusionInterrupted, pumpId: 'p1', detail: 'infusion went PAUSED (pause) on a command from rogue' },
      { tMs: 130, rule: GLOBAL_RULES.infusionInterrupted, pumpId: 'p1', detail: 'flow stopped by COMM_LOST, which must not stop flow' },
      { tMs: 150, rule: GLOBAL_RULES.infusionInterrupted, pumpId: 'p1', detail: 'infusion went PAUSED (pause)' },
    ]);
    expect(monitor.violations).toEqual(found);
  });

  it('a broken world that pauses pumps behind the nurse\'s back is reported through runScenario', async () => {
    // Broken piece: commands from a "bms" source (not a person, not the authenticated gateway).
    const orig = World.prototype.command;
    vi.spyOn(World.prototype, 'command').mockImplementation(function (this: World, id: string, c: PumpCommand, source?: string) {
      if (c.cmd === 'SILENCE' && id === 'u-2') return orig.call(this, id, { cmd: 'PAUSE' }, 'bms');
      return orig.call(this, id, c, source);
    });
    const { result } = await runScenario(ward({ pumps: 2, timeline: [...infuse(), { at: '5m', action: 'silence', target: 'u-2' }] }));
    const v = result.violations.filter((x) => x.rule === GLOBAL_RULES.infusionInterrupted);
    expect(v.length).toBe(1);
    expectWellFormed(v[0]!, GLOBAL_RULES.infusionInterrupted, 'u-2');
    expect(v[0]!.tMs).toBe(5 * MIN);
    expect(v[0]!.detail).toBe('infusion went PAUSED (pause) on a command from bms');
    expect(v[0]!.context.some((l) => l.includes('pump u-2 STATE t=300000 state=PAUSED reason=pause'))).toBe(true);
    expect(result.outcome).toBe('violation');
    expect(result.exitCode).toBe(1);
  });

  // Regression: the monitor used to count the comms module as a local source allowed to stop flow.
  it('a broken comms module that pauses the infusion when the network is lost is reported', async () => {
    const orig = World.prototype.command;
    vi.spyOn(World.prototype, 'command').mockImplementation(function (this: World, id: string, c: PumpCommand, source?: string) {
      const r = orig.call(this, id, c, source);
      if (source === 'comms' && c.cmd === 'INJECT' && c.input.sensor === 'comm' && c.input.value === 'lost') orig.call(this, id, { cmd: 'PAUSE' }, 'comms');
      return r;
    });
    const { result } = await runScenario(ward({ pumps: 1, timeline: [...infuse(), { at: '5m', fault: 'partition', target: 'u-1', end: '15m' }] }));
    expect(result.violations.some((v) => v.rule === GLOBAL_RULES.infusionInterrupted && v.pumpId === 'u-1')).toBe(true);
  });
});

describe('events-exactly-once', () => {
  it('the monitor flags a missing, a duplicated or an overflowed event', () => {
    const { monitor, found } = monitored();
    monitor.exactlyOnce('p1', 1000, 10, 10, 10, 0);
    expect(found).toEqual([]);
    monitor.exactlyOnce('p1', 1000, 10, 9, 9, 0);
    monitor.exactlyOnce('p1', 1000, 10, 11, 10, 0);
    monitor.exactlyOnce('p1', 1000, 10, 10, 9, 0);
    monitor.exactlyOnce('p1', 1000, 10, 10, 10, 1);
    expect(found.map((v) => v.rule)).toEqual(Array(4).fill(GLOBAL_RULES.exactlyOnce));
    expect(found[0]).toEqual({ tMs: 1000, rule: GLOBAL_RULES.exactlyOnce, pumpId: 'p1', detail: 'pump sent 10 events, gateway ingested 9 (contiguous up to 9), 0 dropped from a full outbox' });
    expect(found[3]!.detail).toMatch(/1 dropped from a full outbox/);
  });

  type Ingest = (pumpId: string, r: { nextExpected: number; ingested: number }, seq: number, event: PumpEvent) => void;
  const gatewayProto = Gateway.prototype as unknown as { ingest: Ingest };

  it('a gateway that acknowledges an event without keeping it is reported through runScenario', async () => {
    const orig = gatewayProto.ingest;
    let dropped = false;
    vi.spyOn(gatewayProto, 'ingest').mockImplementation(function (this: Gateway, pumpId, r, seq, event) {
      if (!dropped && pumpId === 'u-1' && seq === 2 && seq === r.nextExpected) {
        dropped = true;
        r.nextExpected++; // acknowledged, never recorded
        return;
      }
      orig.call(this, pumpId, r, seq, event);
    });
    const { result } = await runScenario(ward({ pumps: 2, timeline: [...infuse(), { at: '5m', action: 'pause', target: 'u-1' }, { at: '6m', action: 'resume', target: 'u-1' }], expect: [{ check: 'events-exactly-once' }] }));
    expect(dropped).toBe(true);
    const v = result.violations.filter((x) => x.rule === GLOBAL_RULES.exactlyOnce);
    expect(v.length).toBe(1);
    expectWellFormed(v[0]!, GLOBAL_RULES.exactlyOnce, 'u-1');
    const sent = result.pumps.find((p) => p.id === 'u-1')!.eventsSent;
    expect(v[0]!.detail).toBe(`pump sent ${sent} events, gateway ingested ${sent - 1} (contiguous up to ${sent}), 0 dropped from a full outbox`);
    expect(result.network.eventsMissing).toBe(1);
    expect(result.expectations[0]).toMatchObject({ passed: false, detail: '1 violation(s)' });
  });

  it('a gateway that ingests an event twice is reported through runScenario', async () => {
    const orig = gatewayProto.ingest;
    vi.spyOn(gatewayProto, 'ingest').mockImplementation(function (this: Gateway, pumpId, r, seq, event) {
      orig.call(this, pumpId, r, seq, event);
      if (pumpId === 'u-2' && seq === 1) r.ingested++; // counted twice
    });
    const { result } = await runScenario(ward({ pumps: 2, timeline: infuse() }));
    const v = result.violations.filter((x) => x.rule === GLOBAL_RULES.exactlyOnce);
    expect(v.map((x) => x.pumpId)).toEqual(['u-2']);
    expectWellFormed(v[0]!, GLOBAL_RULES.exactlyOnce, 'u-2');
    expect(v[0]!.detail).toMatch(/pump sent (\d+) events, gateway ingested (\d+)/);
    const [, sent, ingested] = /pump sent (\d+) events, gateway ingested (\d+)/.exec(v[0]!.detail)!;
    expect(Number(ingested)).toBe(Number(sent) + 1);
  });
});

describe('alarm-within-time-bound', () => {
  it('the monitor flags an alarm still due at its deadline, and only then', () => {
    const { monitor, found } = monitored();
    monitor.expectAlarm('p1', 'DOOR_OPEN', 1000);
    monitor.checkDue('p1', 'DOOR_OPEN', 999, true); // not yet
    expect(found).toEqual([]);
    monitor.checkDue('p1', 'DOOR_OPEN', 1000, true);
    expect(found).toEqual([{ tMs: 1000, rule: GLOBAL_RULES.alarmBound, pumpId: 'p1', detail: 'DOOR_OPEN not raised by its time bound' }]);
    // Checked once.
    monitor.checkDue('p1', 'DOOR_OPEN', 2000, true);
    expect(found.length).toBe(1);
    // Raised in time: nothing due.
    monitor.expectAlarm('p1', 'AIR_IN_LINE', 3000);
    monitor.event('p1', { type: 'ALARM', tMs: 2500, id: 'AIR_IN_LINE', prio: 'high', stops: true });
    monitor.checkDue('p1', 'AIR_IN_LINE', 3000, true);
    // The cause went away before the deadline; or the expectation was cancelled.
    monitor.expectAlarm('p1', 'OCCLUSION_DOWN', 4000);
    monitor.checkDue('p1', 'OCCLUSION_DOWN', 4000, false);
    monitor.expectAlarm('p1', 'OCCLUSION_UP', 5000);
    monitor.cancelExpectation('p1', 'OCCLUSION_UP');
    monitor.checkDue('p1', 'OCCLUSION_UP', 5000, true);
    expect(found.length).toBe(1);
    expect(monitor.counts.alarmBoundsChecked).toBe(4);
  });

  it('a pump whose occlusion alarm comes later than its bound is reported through runScenario', async () => {
    // Broken piece: the pump claims its occlusion alarm is due in half the time it really takes.
    const orig = Pump.prototype.occlusionAlarmDueInMs;
    vi.spyOn(Pump.prototype, 'occlusionAlarmDueInMs').mockImplementation(function (this: Pump) {
      return orig.call(this) / 2;
    });
    const { result } = await runScenario(ward({ pumps: 2, timeline: [...infuse(), { at: '5m', fault: 'occlusion', target: 'u-1', end: '20m' }] }));
    const v = result.violations.filter((x) => x.rule === GLOBAL_RULES.alarmBound);
    expect(v.length).toBe(1);
    expectWellFormed(v[0]!, GLOBAL_RULES.alarmBound, 'u-1');
    expect(v[0]!.detail).toBe('OCCLUSION_DOWN not raised by its time bound');
    // ~100 s real time to alarm, claimed ~50 s: the deadline is the claim plus 1 s of grace.
    expect(v[0]!.tMs).toBeGreaterThan(5 * MIN + 50_000);
    expect(v[0]!.tMs).toBeLessThan(5 * MIN + 52_000);
    expect(v[0]!.context.some((l) => l.includes('INJECT occlusion=down'))).toBe(true);
  });
});

describe('no-silent-clear-of-high-alarm', () => {
  it('the monitor flags a latching high alarm ended with no acknowledgement, and nothing else', () => {
    const { monitor, found } = monitored();
    const alarm = (tMs: number, id: 'OCCLUSION_DOWN' | 'DOOR_OPEN' | 'AIR_IN_LINE'): PumpEvent => ({ type: 'ALARM', tMs, id, prio: 'high', stops: true });
    // Acknowledged, then ended: fine.
    monitor.event('p1', alarm(10, 'OCCLUSION_DOWN'));
    monitor.noteCommand('p1', 20, 'nurse', { cmd: 'ACK', alarm: 'OCCLUSION_DOWN' }, OK);
    monitor.event('p1', { type: 'ALARM_END', tMs: 20, id: 'OCCLUSION_DOWN' });
    // Not latching (the door closed): fine.
    monitor.event('p1', alarm(30, 'DOOR_OPEN'));
    monitor.event('p1', { type: 'ALARM_END', tMs: 40, id: 'DOOR_OPEN' });
    // Ended by a power cycle: fine.
    monitor.event('p1', alarm(50, 'AIR_IN_LINE'));
    monitor.noteCommand('p1', 60, 'scenario', { cmd: 'INJECT', input: { sensor: 'power', value: 'off' } }, OK);
    monitor.event('p1', { type: 'ALARM_END', tMs: 60, id: 'AIR_IN_LINE' });
    expect(found).toEqual([]);
    // Broken: ended with no one acknowledging it.
    monitor.event('p1', alarm(100, 'OCCLUSION_DOWN'));
    monitor.event('p1', { type: 'ALARM_END', tMs: 200, id: 'OCCLUSION_DOWN' });
    expect(found).toEqual([{ tMs: 200, rule: GLOBAL_RULES.silentClear, pumpId: 'p1', detail: 'OCCLUSION_DOWN (high, latching) ended without anyone acknowledging it' }]);
    // An ACK of another alarm does not count.
    monitor.event('p1', alarm(300, 'AIR_IN_LINE'));
    monitor.noteCommand('p1', 310, 'nurse', { cmd: 'ACK', alarm: 'OCCLUSION_DOWN' }, OK);
    monitor.event('p1', { type: 'ALARM_END', tMs: 320, id: 'AIR_IN_LINE' });
    expect(found.length).toBe(2);
  });

  it('a pump that drops its latching occlusion alarm when the line is cleared is reported through runScenario', async () => {
    // Broken piece: firmware that ends OCCLUSION_DOWN as soon as the blockage goes.
    const orig = Pump.prototype.execute;
    vi.spyOn(Pump.prototype, 'execute').mockImplementation(function (this: Pump, c: PumpCommand) {
      const r = orig.call(this, c);
      if (c.cmd === 'INJECT' && c.input.sensor === 'occlusion' && c.input.value === 'clear') {
        (this as unknown as { emit: (e: PumpEvent) => void }).emit({ type: 'ALARM_END', tMs: this.nowMs, id: 'OCCLUSION_DOWN' });
      }
      return r;
    });
    const { result } = await runScenario(ward({ pumps: 2, timeline: [...infuse(), { at: '5m', fault: 'occlusion', target: 'u-1', end: '10m' }] }));
    const v = result.violations.filter((x) => x.rule === GLOBAL_RULES.silentClear);
    expect(v.length).toBe(1);
    expectWellFormed(v[0]!, GLOBAL_RULES.silentClear, 'u-1');
    expect(v[0]!.tMs).toBe(10 * MIN);
    expect(v[0]!.detail).toBe('OCCLUSION_DOWN (high, latching) ended without anyone acknowledging it');
    expect(v[0]!.context.some((l) => l.includes('ALARM_END t=600000 id=OCCLUSION_DOWN'))).toBe(true);
  });
});

describe('no-unauthorised-change', () => {
  it('the monitor flags an accepted therapy command from anyone but the gateway', () => {
    const { monitor, found } = monitored();
    const rec = (source: 'gateway' | 'rogue', command: string, verdict: 'accepted' | 'unsigned', ok = true) => ({ tMs: 5, pumpId: 'p1', source, command, verdict, reply: ok ? OK : ({ ok: false, code: 'BAD_STATE', message: '' } as unknown as Reply) });
    monitor.remote(rec('gateway', 'TITRATE rate=5', 'accepted'));
    monitor.remote(rec('rogue', 'PAUSE', 'unsigned', false));
    monitor.remote(rec('rogue', 'STATUS', 'accepted'));
    monitor.remote(rec('rogue', 'PAUSE', 'accepted', false));
    expect(found).toEqual([]);
    monitor.remote(rec('rogue', 'TITRATE rate=25 override=1', 'accepted'));
    expect(found).toEqual([{ tMs: 5, rule: GLOBAL_RULES.unauthorised, pumpId: 'p1', detail: 'TITRATE rate=25 override=1 from an unauthorised rogue client was accepted and changed the therapy' }]);
    expect(monitor.counts).toMatchObject({ remoteAccepted: 4, remoteRefused: 1 });
  });

  it('a legacy pump obeying a rogue TITRATE is reported through runScenario with context', async () => {
    const { result } = await runScenario(
      ward({
        pumps: 0,
        groups: [{ type: 'lvp', count: 1, prefix: 'legacy', profile: 'legacy-unauthenticated' }],
        timeline: [...infuse(), { at: '5m', fault: 'rogue-client', target: 'legacy-1', args: { command: 'TITRATE rate=20 override=1' } }],
      }),
    );
    expect(result.violations.length).toBe(1);
    const v = result.violations[0]!;
    expectWellFormed(v, GLOBAL_RULES.unauthorised, 'legacy-1');
    expect(v.tMs).toBeGreaterThan(5 * MIN);
    expect(v.tMs).toBeLessThan(5 * MIN + 100);
    expect(v.context.some((l) => l.includes('fault start rogue-client target=legacy-1'))).toBe(true);
  });
});
