import { describe, expect, it } from 'vitest';
import { Pump } from '../../src/sim/pump/pump.js';
import { KPA_PER_MMHG, LARGE_VOLUME_PUMP } from '../../src/sim/pump/pumpTypes.js';
import type { PumpCommand } from '../../src/sim/protocol/commands.js';
import { HOUR, makePump, MIN, ofType, okExec, startBasic, tick } from './helpers.js';

describe('nextWakeMs tells the next instant', () => {
  it('an idle pump on mains never wakes', () => {
    expect(makePump().nextWakeMs()).toBe(Infinity);
  });

  it('near end 5 min before the VTBI, then the VTBI', () => {
    const pump = makePump();
    startBasic(pump, 60, 10, { endAction: 'stop' });
    expect(pump.nextWakeMs()).toBe(5 * MIN);
    pump.advanceTo(5 * MIN);
    expect(pump.activeAlarms.map((a) => a.id)).toEqual(['NEAR_END']);
    expect(pump.nextWakeMs()).toBe(10 * MIN);
    pump.advanceTo(10 * MIN - 1);
    expect(pump.state).toBe('RUNNING');
    pump.advanceTo(10 * MIN);
    expect(pump.state).toBe('COMPLETE');
    // Nothing is due any more (COMPLETE calls for no callback).
    expect(pump.nextWakeMs()).toBe(Infinity);
  });

  it('a bolus end comes before the VTBI', () => {
    const pump = makePump();
    startBasic(pump, 10, 100);
    okExec(pump, { cmd: 'BOLUS', volumeMl: 1, rateMlPerH: 120 });
    expect(pump.nextWakeMs()).toBe(30_000);
  });

  it('the downstream occlusion alarm', () => {
    const pump = makePump();
    startBasic(pump, 5, 100);
    tick(pump, MIN);
    okExec(pump, { cmd: 'INJECT', input: { sensor: 'occlusion', value: 'down' } });
    const T = LARGE_VOLUME_PUMP;
    const thresholdMl = (T.occlusion.limitMmHg.default - T.occlusion.baseLinePressureMmHg) * KPA_PER_MMHG * T.occlusion.complianceMlPerKPa;
    const expected = MIN + Math.ceil((thresholdMl / 5) * HOUR);
    expect(pump.nextWakeMs()).toBe(expected);
    pump.advanceTo(expected - 1);
    expect(pump.state).toBe('RUNNING');
    pump.advanceTo(expected);
    expect(pump.state).toBe('ALARM');
  });

  it('battery low, then depletion', () => {
    const pump = makePump({ batteryFraction: 0.5 });
    okExec(pump, { cmd: 'INJECT', input: { sensor: 'mains', value: 'off' } });
    startBasic(pump, 25, 9999);
    // 6 Wh at 2 W: 3 h; low at 2.5 h.
    expect(pump.nextWakeMs()).toBe(2.5 * HOUR);
    pump.advanceTo(2.5 * HOUR);
    expect(pump.status().alarm).toBe('LOW_BATTERY');
    expect(pump.nextWakeMs()).toBe(2.5 * HOUR + 10 * MIN); // escalation
    pump.advanceTo(2.5 * HOUR + 10 * MIN);
    expect(pump.nextWakeMs()).toBe(3 * HOUR);
  });

  it('the end of an audio pause, the callback alarm', () => {
    const pump = makePump();
    okExec(pump, { cmd: 'PROGRAM', rateMlPerH: 10, vtbiMl: 10 });
    expect(pump.nextWakeMs()).toBe(2 * MIN);
    pump.advanceTo(2 * MIN);
    okExec(pump, { cmd: 'SILENCE' });
    expect(pump.nextWakeMs()).toBe(4 * MIN);
  });

  it('never in the past, always at least 1 ms ahead', () => {
    const pump = makePump();
    startBasic(pump, 999, 9999);
    for (let i = 0; i < 20; i++) {
      const w = pump.nextWakeMs();
      if (w === Infinity) break;
      expect(w).toBeGreaterThan(pump.nowMs);
      expect(Number.isInteger(w)).toBe(true);
      pump.advanceTo(w);
    }
  });
});

type Step = { atMs: number; cmd: PumpCommand };

/** A busy scenario: loading dose, bolus, titration, occlusion, silence, battery, KVO. */
const SCENARIO: Step[] = [
  { atMs: 0, cmd: { cmd: 'INJECT', input: { sensor: 'mains', value: 'off' } } },
  { atMs: 0, cmd: { cmd: 'PROGRAM', drugId: 'heparin', dose: 18, weightKg: 80, vtbiMl: 60, load: 40, loadRateMlPerH: 400 } },
  { atMs: 90_000, cmd: { cmd: 'START' } },
  { atMs: 40 * MIN, cmd: { cmd: 'TITRATE', dose: 22 } },
  { atMs: 55 * MIN, cmd: { cmd: 'INJECT', input: { sensor: 'occlusion', value: 'down' } } },
  { atMs: 70 * MIN, cmd: { cmd: 'SILENCE' } },
  { atMs: 80 * MIN, cmd: { cmd: 'INJECT', input: { sensor: 'occlusion', value: 'clear' } } },
  { atMs: 81 * MIN, cmd: { cmd: 'ACK' } },
  { atMs: 82 * MIN, cmd: { cmd: 'RESUME' } },
  { atMs: 83 * MIN, cmd: { cmd: 'BOLUS', dose: 20 } },
  { atMs: 3 * HOUR, cmd: { cmd: 'INJECT', input: { sensor: 'comm', value: 'lost' } } },
  { atMs: 9 * HOUR, cmd: { cmd: 'STATUS' } },
];

function run(pump: Pump, move: (p: Pump, t: number) => void): { wakes: number } {
  let wakes = 0;
  const count = (p: Pump, t: number): void => {
    while (p.nextWakeMs() <= t) {
      wakes++;
      p.advanceTo(p.nextWakeMs());
    }
    move(p, t);
  };
  for (const s of SCENARIO) {
    count(pump, s.atMs);
    pump.execute(s.cmd);
  }
  return { wakes };
}

function observe(pump: Pump): unknown {
  return { status: pump.status(), telemetry: pump.telemetry(), alarms: pump.activeAlarms, log: pump.log.toText(), head: pump.log.head };
}

describe('closed form: wake to wake is the same as one big step', () => {
  it('jumping wake to wake gives the same final state and log as one advanceTo per command', () => {
    const big = makePump({ seed: 9 });
    for (const s of SCENARIO) {
      big.advanceTo(s.atMs);
      big.execute(s.cmd);
    }
    const stepped = makePump({ seed: 9 });
    const { wakes } = run(stepped, (p, t) => p.advanceTo(t));
    expect(observe(stepped)).toEqual(observe(big));
    // No ticking: a 9 h scenario takes a handful of wakes.
    expect(wakes).toBeGreaterThan(5);
    expect(wakes).toBeLessThan(40);
    // The scenario did reach its milestones.
    const text = big.log.toText();
    for (const s of ['kind=loading', 'id=OCCLUSION_DOWN', 'CLEAR_BOLUS', 'kind=bolus', 'VTBI_DONE', 'state=KVO', 'id=LOW_BATTERY', 'ESCALATE', 'id=BATTERY_DEPLETED']) {
      expect(text).toContain(s);
    }
    expect(big.log.verify()).toBe(-1);
  });

  it('cutting time into arbitrary slices changes neither the events nor the volumes', () => {
    const big = makePump({ seed: 3 });
    for (const s of SCENARIO) {
      big.advanceTo(s.atMs);
      big.execute(s.cmd);
    }
    const sliced = makePump({ seed: 3 });
    for (const s of SCENARIO) {
      while (sliced.nowMs + 7_777 < s.atMs) sliced.advanceTo(sliced.nowMs + 7_777);
      sliced.advanceTo(s.atMs);
      sliced.execute(s.cmd);
    }
    const lines = (p: Pump): string[] => p.log.all().map((e) => `${e.tMs} ${e.text}`);
    expect(lines(sliced)).toEqual(lines(big));
    expect(sliced.status().viMl).toBeCloseTo(big.status().viMl, 9);
    expect(sliced.telemetry().mechanismOutputMl).toBeCloseTo(big.telemetry().mechanismOutputMl, 6);
  });

  it('a TICK of a whole day answers at once and the clock lands exactly', () => {
    const pump = makePump();
    startBasic(pump, 100, 9999, { endAction: 'continue' });
    const r = okExec(pump, { cmd: 'TICK', ms: 86_400_000 });
    expect(r).toEqual({ t: 86_400_000 });
    expect(pump.status().viMl).toBeCloseTo(2400, 6);
    expect(ofType(pump.takeEvents(), 'ALARM')).toEqual([]);
  });

  it('a threshold nothing acts on (a broken pump) makes advanceTo throw at its wake bound, not integrate past it', () => {
    // A pump whose motor runs on in ALARM: past the occlusion threshold the alarm is up already,
    // so the threshold is reached again every millisecond and nothing acts on it.
    class RunsInAlarm extends Pump {
      override currentRateMlPerH(): number {
        return this.state === 'ALARM' ? 100 : super.currentRateMlPerH();
      }
    }
    const pump = new RunsInAlarm({ type: LARGE_VOLUME_PUMP, seed: 1 });
    startBasic(pump, 100, 5000);
    okExec(pump, { cmd: 'INJECT', input: { sensor: 'occlusion', value: 'down' } });
    pump.advanceTo(MIN);
    expect(pump.state).toBe('ALARM');
    expect(() => pump.advanceTo(HOUR)).toThrow(/1000000 wakes before t=3600000 ms/);
  });

  it('time cannot go back', () => {
    const pump = makePump();
    pump.advanceTo(1000);
    expect(() => pump.advanceTo(999)).toThrow(RangeError);
  });
});
