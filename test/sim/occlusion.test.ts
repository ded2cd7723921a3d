import { describe, expect, it } from 'vitest';
import type { Pump } from '../../src/sim/pump/pump.js';
import { KPA_PER_MMHG, LARGE_VOLUME_PUMP, SYRINGE_PUMP } from '../../src/sim/pump/pumpTypes.js';
import { errCode, HOUR, makePump, MIN, ofType, okExec, snapshot, startBasic, tick } from './helpers.js';

const T = LARGE_VOLUME_PUMP;
/** Volume the line stores before the default downstream limit is reached (about 0.68 mL). */
const THRESHOLD_ML = (T.occlusion.limitMmHg.default - T.occlusion.baseLinePressureMmHg) * KPA_PER_MMHG * T.occlusion.complianceMlPerKPa;

/** Time (ms) from a downstream occlusion to its alarm at this rate. */
function timeToOcclusionAlarm(rate: number, opts: Parameters<typeof makePump>[0] = {}): number {
  const pump = makePump(opts);
  startBasic(pump, rate, 100);
  tick(pump, 10 * MIN);
  okExec(pump, { cmd: 'INJECT', input: { sensor: 'occlusion', value: 'down' } });
  const t0 = pump.nowMs;
  const ev = tick(pump, 24 * HOUR);
  const alarm = ofType(ev, 'ALARM').find((e) => e.id === 'OCCLUSION_DOWN');
  if (!alarm) throw new Error('no occlusion alarm');
  return alarm.tMs - t0;
}

function occludedAndAlarmed(pump: Pump, rate: number): void {
  startBasic(pump, rate, 40);
  tick(pump, MIN);
  okExec(pump, { cmd: 'INJECT', input: { sensor: 'occlusion', value: 'down' } });
  tick(pump, 3 * HOUR);
  expect(pump.status().alarm).toBe('OCCLUSION_DOWN');
}

describe('downstream occlusion', () => {
  it('the time to the alarm grows as the rate falls: 5 mL/h vs 0.5 mL/h is about tenfold', () => {
    const fast = timeToOcclusionAlarm(5);
    const slow = timeToOcclusionAlarm(0.5);
    expect(slow / fast).toBeCloseTo(10, 2);
    // docs/clinical.md#occlusion: "roughly 5 min at 5 mL/h, 50 min at 0.5 mL/h" (t ≈ ΔP·C/Q).
    expect(fast).toBeCloseTo((THRESHOLD_ML / 5) * HOUR, -1);
    expect(fast).toBeGreaterThan(3 * MIN);
    expect(fast).toBeLessThan(10 * MIN);
    expect(slow).toBeGreaterThan(30 * MIN);
    expect(slow).toBeLessThan(100 * MIN);
  });

  it('a lower pressure limit alarms sooner', () => {
    expect(timeToOcclusionAlarm(5, { occlusionLimitMmHg: 103 })).toBeLessThan(timeToOcclusionAlarm(5) / 2);
  });

  it('the alarm is high, latching, stops flow, and the pump stops counting volume', () => {
    const pump = makePump();
    startBasic(pump, 5, 100);
    okExec(pump, { cmd: 'INJECT', input: { sensor: 'occlusion', value: 'down' } });
    const ev = tick(pump, HOUR);
    expect(ofType(ev, 'ALARM')).toEqual([{ type: 'ALARM', tMs: expect.any(Number), id: 'OCCLUSION_DOWN', prio: 'high', stops: true }]);
    expect(pump.status()).toMatchObject({ state: 'ALARM', rateMlPerH: 0, alarm: 'OCCLUSION_DOWN', prio: 'high' });
    const vi = pump.status().viMl;
    expect(vi).toBeCloseTo(THRESHOLD_ML, 3);
    tick(pump, HOUR);
    expect(pump.status().viMl).toBe(vi);
    // RESUME is refused while the alarm stands, even after the cause is cleared, until ACK.
    expect(errCode(pump.execute({ cmd: 'RESUME' }))).toBe('ALARM_ACTIVE');
    okExec(pump, { cmd: 'INJECT', input: { sensor: 'occlusion', value: 'clear' } });
    expect(pump.status().alarm).toBe('OCCLUSION_DOWN');
    expect(errCode(pump.execute({ cmd: 'RESUME' }))).toBe('ALARM_ACTIVE');
    expect(okExec(pump, { cmd: 'ACK' })).toEqual({ n: 1 });
    expect(pump.status().alarm).toBe('-');
    okExec(pump, { cmd: 'RESUME' });
    expect(pump.status()).toMatchObject({ state: 'RUNNING', rateMlPerH: 5 });
  });

  it('the bolus released on clearing is at most 0.5 mL and is reduced by the back-off', () => {
    for (const type of [LARGE_VOLUME_PUMP, SYRINGE_PUMP]) {
      const pump = makePump({ type });
      occludedAndAlarmed(pump, 5);
      const threshold = (type.occlusion.limitMmHg.default - type.occlusion.baseLinePressureMmHg) * KPA_PER_MMHG * type.occlusion.complianceMlPerKPa;
      expect(pump.telemetry().storedInLineMl).toBeCloseTo(threshold - type.occlusion.backOffMl, 4);
      okExec(pump, { cmd: 'INJECT', input: { sensor: 'occlusion', value: 'clear' } });
      const clear = ofType(pump.takeEvents(), 'CLEAR_BOLUS');
      expect(clear).toHaveLength(1);
      expect(clear[0]?.volumeMl).toBeCloseTo(threshold - type.occlusion.backOffMl, 4);
      expect(clear[0]?.volumeMl).toBeLessThanOrEqual(type.occlusion.maxClearingBolusMl);
      expect(pump.telemetry().largestClearingBolusMl).toBeLessThanOrEqual(0.5);
      expect(pump.telemetry().storedInLineMl).toBe(0);
    }
  });

  // Regression: the clearing bolus was the whole stored volume (maxClearingBolusMl unused).
  it('the clearing bolus stays ≤ 0.5 mL at the highest occlusion limit (20 psi)', () => {
    const pump = makePump({ occlusionLimitMmHg: 1034 });
    occludedAndAlarmed(pump, 5);
    okExec(pump, { cmd: 'INJECT', input: { sensor: 'occlusion', value: 'clear' } });
    expect(pump.telemetry().largestClearingBolusMl).toBeLessThanOrEqual(0.5);
  });

  // Regression: an occlusion cleared just before its alarm released everything stored (no back-off
  // had happened yet): 0.58 mL after 7 min at 5 mL/h with a 517 mmHg limit.
  it('the clearing bolus stays ≤ 0.5 mL when the occlusion clears before the alarm', () => {
    const pump = makePump({ occlusionLimitMmHg: 517 });
    startBasic(pump, 5, 100);
    okExec(pump, { cmd: 'INJECT', input: { sensor: 'occlusion', value: 'down' } });
    tick(pump, 7 * MIN);
    expect(pump.status().alarm).toBe('-');
    okExec(pump, { cmd: 'INJECT', input: { sensor: 'occlusion', value: 'clear' } });
    expect(pump.telemetry().largestClearingBolusMl).toBeLessThanOrEqual(0.5);
  });
});

describe('upstream occlusion', () => {
  it('alarms once the mechanism has tried to move 0.15 mL, and stops flow', () => {
    const pump = makePump();
    startBasic(pump, 10, 100);
    okExec(pump, { cmd: 'INJECT', input: { sensor: 'occlusion', value: 'up' } });
    const ev = tick(pump, 5 * MIN);
    const alarm = ofType(ev, 'ALARM')[0];
    expect(alarm).toMatchObject({ id: 'OCCLUSION_UP', prio: 'high', stops: true });
    expect(alarm?.tMs).toBe(Math.round((T.occlusion.upstreamDetectMl / 10) * HOUR)); // 54 s
    expect(pump.status().state).toBe('ALARM');
    okExec(pump, { cmd: 'INJECT', input: { sensor: 'occlusion', value: 'clear' } });
    expect(ofType(pump.takeEvents(), 'CLEAR_BOLUS')).toHaveLength(0);
    expect(pump.status().alarm).toBe('OCCLUSION_UP'); // latching
    okExec(pump, { cmd: 'ACK', alarm: 'OCCLUSION_UP' });
    okExec(pump, { cmd: 'RESUME' });
    expect(pump.state).toBe('RUNNING');
  });

  it('no flow, no upstream alarm', () => {
    const pump = makePump();
    okExec(pump, { cmd: 'INJECT', input: { sensor: 'occlusion', value: 'up' } });
    tick(pump, HOUR);
    expect(pump.activeAlarms.map((a) => a.id)).not.toContain('OCCLUSION_UP');
  });
});

describe('air in line', () => {
  it('a single bubble at or above the threshold alarms, stops flow, latches until ACK', () => {
    const pump = makePump();
    startBasic(pump, 10, 100);
    okExec(pump, { cmd: 'INJECT', input: { sensor: 'air', bubbleMl: 0.05 } });
    expect(pump.status().alarm).toBe('-');
    okExec(pump, { cmd: 'INJECT', input: { sensor: 'air', bubbleMl: T.air.singleBubbleAlarmMl } });
    expect(pump.status()).toMatchObject({ state: 'ALARM', alarm: 'AIR_IN_LINE', prio: 'high' });
    tick(pump, 10 * MIN);
    expect(pump.status().alarm).toBe('AIR_IN_LINE');
    expect(errCode(pump.execute({ cmd: 'RESUME' }))).toBe('ALARM_ACTIVE');
    okExec(pump, { cmd: 'ACK' });
    expect(pump.status().alarm).toBe('-');
    okExec(pump, { cmd: 'RESUME' });
    expect(pump.state).toBe('RUNNING');
  });

  it('accumulated small bubbles over 1 mL within 15 min alarm', () => {
    const pump = makePump();
    startBasic(pump, 10, 100);
    for (let i = 0; i < 11; i++) {
      okExec(pump, { cmd: 'INJECT', input: { sensor: 'air', bubbleMl: 0.09 } }); // 0.99 mL after 11
      tick(pump, MIN);
    }
    expect(pump.status().alarm).toBe('-');
    okExec(pump, { cmd: 'INJECT', input: { sensor: 'air', bubbleMl: 0.09 } }); // 1.08 mL within 11 min
    expect(pump.status()).toMatchObject({ state: 'ALARM', alarm: 'AIR_IN_LINE' });
  });

  it('the same bubbles spread over more than 15 min do not', () => {
    const pump = makePump();
    startBasic(pump, 10, 1000);
    for (let i = 0; i < 20; i++) {
      okExec(pump, { cmd: 'INJECT', input: { sensor: 'air', bubbleMl: 0.09 } }); // 8 at most in any 15 min
      tick(pump, 2 * MIN);
    }
    expect(pump.status()).toMatchObject({ state: 'RUNNING', alarm: '-' });
  });

  it('a bubble size out of range is refused', () => {
    const pump = makePump();
    expect(errCode(pump.execute({ cmd: 'INJECT', input: { sensor: 'air', bubbleMl: 0 } }))).toBe('OUT_OF_RANGE');
    expect(errCode(pump.execute({ cmd: 'INJECT', input: { sensor: 'air', bubbleMl: 11 } }))).toBe('OUT_OF_RANGE');
  });
});

describe('door, container, self-test, comm', () => {
  it('door open stops flow; closing ends the alarm without ACK (non-latching); RESUME restarts', () => {
    const pump = makePump();
    startBasic(pump, 10, 100);
    okExec(pump, { cmd: 'INJECT', input: { sensor: 'door', value: 'open' } });
    expect(pump.status()).toMatchObject({ state: 'ALARM', alarm: 'DOOR_OPEN', prio: 'high', rateMlPerH: 0 });
    expect(errCode(pump.execute({ cmd: 'RESUME' }))).toBe('ALARM_ACTIVE');
    okExec(pump, { cmd: 'INJECT', input: { sensor: 'door', value: 'closed' } });
    expect(ofType(pump.takeEvents(), 'ALARM_END').map((e) => e.id)).toEqual(['DOOR_OPEN']);
    // docs/protocol.md: the last flow-stopping alarm ended, so PAUSED (reason=alarm_cleared), never ALARM with no alarm.
    expect(pump.status()).toMatchObject({ state: 'PAUSED', alarm: '-' });
    okExec(pump, { cmd: 'RESUME' });
    expect(pump.status()).toMatchObject({ state: 'RUNNING', rateMlPerH: 10 });
  });

  it('a door open before START refuses START with ALARM_ACTIVE', () => {
    const pump = makePump();
    okExec(pump, { cmd: 'PROGRAM', rateMlPerH: 10, vtbiMl: 10 });
    okExec(pump, { cmd: 'INJECT', input: { sensor: 'door', value: 'open' } });
    const before = snapshot(pump);
    expect(errCode(pump.execute({ cmd: 'START' }))).toBe('ALARM_ACTIVE');
    expect(snapshot(pump)).toBe(before);
  });

  it('container empty stops flow, latches; refilled + ACK lets it resume', () => {
    const pump = makePump();
    startBasic(pump, 10, 100);
    okExec(pump, { cmd: 'INJECT', input: { sensor: 'container', value: 'empty' } });
    expect(pump.status()).toMatchObject({ state: 'ALARM', alarm: 'CONTAINER_EMPTY', prio: 'high' });
    okExec(pump, { cmd: 'ACK' });
    expect(pump.status().alarm).toBe('CONTAINER_EMPTY'); // cause still there
    expect(errCode(pump.execute({ cmd: 'RESUME' }))).toBe('ALARM_ACTIVE');
    okExec(pump, { cmd: 'INJECT', input: { sensor: 'container', value: 'ok' } });
    expect(pump.status().alarm).toBe('-'); // acknowledged before, so it ends with its cause
    okExec(pump, { cmd: 'RESUME' });
    expect(pump.state).toBe('RUNNING');
  });

  it('an empty container alarms at once, and START is refused until it is refilled and acknowledged', () => {
    const pump = makePump();
    okExec(pump, { cmd: 'INJECT', input: { sensor: 'container', value: 'empty' } });
    expect(pump.status().alarm).toBe('CONTAINER_EMPTY');
    okExec(pump, { cmd: 'PROGRAM', rateMlPerH: 10, vtbiMl: 100 });
    expect(pump.execute({ cmd: 'START' })).toMatchObject({ ok: false, code: 'ALARM_ACTIVE' });
    okExec(pump, { cmd: 'INJECT', input: { sensor: 'container', value: 'ok' } });
    okExec(pump, { cmd: 'ACK' });
    okExec(pump, { cmd: 'START' });
    expect(pump.state).toBe('RUNNING');
  });

  // Regression: a container that emptied while PAUSED raised nothing and RESUME ran the pump dry.
  it('a container emptied while paused is caught on RESUME', () => {
    const pump = makePump();
    startBasic(pump, 10, 100);
    okExec(pump, { cmd: 'PAUSE' });
    okExec(pump, { cmd: 'INJECT', input: { sensor: 'container', value: 'empty' } });
    pump.execute({ cmd: 'RESUME' });
    tick(pump, MIN);
    expect(pump.status().rateMlPerH).toBe(0);
    expect(pump.activeAlarms.map((a) => a.id)).toContain('CONTAINER_EMPTY');
  });

  it('a self-test failure stops flow and cannot be audio-paused', () => {
    const pump = makePump();
    startBasic(pump, 10, 100);
    okExec(pump, { cmd: 'INJECT', input: { sensor: 'selftest', value: 'fail' } });
    expect(pump.status()).toMatchObject({ state: 'ALARM', alarm: 'SELF_TEST_FAIL', prio: 'high' });
    expect(pump.audioPriority).toBe('high');
    okExec(pump, { cmd: 'SILENCE' });
    expect(pump.audioPriority).toBe('high');
    tick(pump, 30_000);
    expect(pump.audioPriority).toBe('high');
  });

  it('comm lost: low priority, the infusion goes on', () => {
    const pump = makePump();
    startBasic(pump, 60, 100);
    okExec(pump, { cmd: 'INJECT', input: { sensor: 'comm', value: 'lost' } });
    expect(pump.status()).toMatchObject({ state: 'RUNNING', alarm: 'COMM_LOST', prio: 'low', rateMlPerH: 60 });
    tick(pump, 10 * MIN);
    expect(pump.status().viMl).toBeCloseTo(10, 9);
    okExec(pump, { cmd: 'INJECT', input: { sensor: 'comm', value: 'ok' } });
    expect(pump.status().alarm).toBe('-');
  });
});
