import { describe, expect, it } from 'vitest';
import { AlarmManager } from '../../src/sim/alarms/alarmManager.js';
import { ALARM_IDS, ALARM_TABLE, AUDIO_PAUSE_MS, isAlarmId, type AlarmId } from '../../src/sim/alarms/alarmTable.js';
import type { PumpEvent } from '../../src/sim/trace/events.js';
import { errCode, HOUR, makePump, MIN, ofType, okExec, snapshot, startBasic, tick } from './helpers.js';

describe('the alarm table follows docs/protocol.md', () => {
  it('priority, latching, stops flow, may be paused, on ACK (docs/protocol.md, "Alarms")', () => {
    const table: Record<string, [string, boolean, boolean, boolean, string]> = {
      OCCLUSION_DOWN: ['high', true, true, true, 'pause'],
      OCCLUSION_UP: ['high', true, true, true, 'pause'],
      AIR_IN_LINE: ['high', true, true, true, 'pause'],
      DOOR_OPEN: ['high', false, true, true, 'pause'],
      CONTAINER_EMPTY: ['high', true, true, true, 'pause'],
      BATTERY_DEPLETED: ['high', true, true, false, 'none'],
      SELF_TEST_FAIL: ['high', true, true, false, 'none'],
      VTBI_COMPLETE: ['medium', true, false, true, 'reminder'],
      CALLBACK: ['medium', false, false, true, 'reminder'],
      NEAR_END: ['low', false, false, true, 'reminder'],
      NEAR_EMPTY: ['low', false, false, true, 'reminder'],
      LOW_BATTERY: ['low', false, false, true, 'reminder'],
      COMM_LOST: ['low', false, false, true, 'reminder'],
    };
    expect([...ALARM_IDS].sort()).toEqual(Object.keys(table).sort());
    for (const id of ALARM_IDS) {
      const s = ALARM_TABLE[id];
      expect([s.priority, s.latching, s.stopsFlow, s.pausable, s.ack], id).toEqual(table[id]);
    }
    expect(ALARM_TABLE.LOW_BATTERY).toMatchObject({ escalatesTo: 'medium', escalateAfterMs: 10 * MIN });
    expect(AUDIO_PAUSE_MS).toBe(120_000);
    expect(isAlarmId('NEAR_END')).toBe(true);
    expect(isAlarmId('near_end')).toBe(false);
  });
});

/** ACK and SILENCE on the manager alone: their events go to `out`, their count or instant is returned. */
function ack(m: AlarmManager, id: AlarmId | undefined, nowMs: number, out: PumpEvent[]): number {
  const r = m.acknowledge(id, nowMs);
  out.push(...r.events);
  return r.n;
}
function silence(m: AlarmManager, nowMs: number, out: PumpEvent[]): number {
  const r = m.silence(nowMs);
  out.push(...r.events);
  return r.untilMs;
}

describe('AlarmManager', () => {
  it('the highest active priority drives the audio; acknowledged ones are quiet', () => {
    const m = new AlarmManager();
    const out: PumpEvent[] = [];
    out.push(...m.raise('NEAR_END', 0));
    expect(m.audio(0)).toBe('low');
    out.push(...m.raise('VTBI_COMPLETE', 1));
    expect(m.audio(1)).toBe('medium');
    out.push(...m.raise('DOOR_OPEN', 2));
    expect(m.audio(2)).toBe('high');
    expect(m.top()?.id).toBe('DOOR_OPEN');
    out.push(...m.clearCause('DOOR_OPEN', 3));
    expect(m.audio(3)).toBe('medium');
    ack(m, 'VTBI_COMPLETE', 4, out);
    expect(m.has('VTBI_COMPLETE')).toBe(true); // latching, cause still there
    expect(m.audio(4)).toBe('low');
    expect(ofType(out, 'AUDIO').map((e) => e.prio)).toEqual(['low', 'medium', 'high', 'medium', 'low']);
    // Raising an existing alarm again adds no second ALARM event.
    const before = ofType(out, 'ALARM').length;
    out.push(...m.raise('NEAR_END', 5));
    expect(ofType(out, 'ALARM').length).toBe(before);
  });

  it('latching alarms stay after their cause until acknowledged; non-latching end with the cause', () => {
    const m = new AlarmManager();
    const out: PumpEvent[] = [];
    out.push(...m.raise('AIR_IN_LINE', 0));
    out.push(...m.raise('COMM_LOST', 0));
    out.push(...m.clearCause('AIR_IN_LINE', 10));
    out.push(...m.clearCause('COMM_LOST', 10));
    expect(m.list().map((a) => a.id)).toEqual(['AIR_IN_LINE']);
    expect(m.flowStopping()?.id).toBe('AIR_IN_LINE');
    expect(ack(m, undefined, 20, out)).toBe(1);
    expect(m.list()).toEqual([]);
    expect(m.flowStopping()).toBeUndefined();
    expect(ofType(out, 'ALARM_END').map((e) => [e.id, e.tMs])).toEqual([
      ['COMM_LOST', 10],
      ['AIR_IN_LINE', 20],
    ]);
    // An acknowledged latching alarm whose cause comes back is live again.
    out.push(...m.raise('OCCLUSION_DOWN', 30));
    ack(m, undefined, 31, out);
    expect(m.audio(31)).toBe('off');
    out.push(...m.raise('OCCLUSION_DOWN', 32));
    expect(m.audio(32)).toBe('high');
  });

  it('audio pause: 120 s for pausable alarms, not for the others; wakes at its end', () => {
    const m = new AlarmManager();
    const out: PumpEvent[] = [];
    out.push(...m.raise('OCCLUSION_DOWN', 0));
    expect(silence(m, 1000, out)).toBe(121_000);
    expect(m.audio(1000)).toBe('off');
    expect(m.nextWakeMs(1000)).toBe(121_000);
    expect(m.audio(120_999)).toBe('off');
    expect(m.audio(121_000)).toBe('high');
    out.push(...m.raise('BATTERY_DEPLETED', 2000));
    expect(m.audio(2000)).toBe('high');
    silence(m, 3000, out);
    expect(m.audio(3000)).toBe('high');
  });

  it('LOW_BATTERY escalates to medium after 10 min unanswered, not once acknowledged', () => {
    const m = new AlarmManager();
    const out: PumpEvent[] = [];
    out.push(...m.raise('LOW_BATTERY', 1000));
    expect(m.nextWakeMs(1000)).toBe(1000 + 10 * MIN);
    out.push(...m.advance(1000 + 10 * MIN - 1));
    expect(m.get('LOW_BATTERY')?.priority).toBe('low');
    out.push(...m.advance(1000 + 10 * MIN));
    expect(m.get('LOW_BATTERY')?.priority).toBe('medium');
    expect(ofType(out, 'ESCALATE')).toEqual([{ type: 'ESCALATE', tMs: 1000 + 10 * MIN, id: 'LOW_BATTERY', prio: 'medium' }]);
    expect(m.nextWakeMs(1000 + 10 * MIN)).toBe(Infinity);

    const m2 = new AlarmManager();
    m2.raise('LOW_BATTERY', 0);
    m2.acknowledge('LOW_BATTERY', 5 * MIN);
    out.push(...m2.advance(HOUR));
    expect(m2.get('LOW_BATTERY')?.priority).toBe('low');
    // Acknowledged with its cause present: no escalation, a reminder every 180 s (docs/protocol.md, "Alarms").
    expect(m2.nextWakeMs(HOUR)).toBe(HOUR + 3 * MIN);
  });
});

describe('alarms on the pump', () => {
  it('SILENCE pauses the signal 120 s and it returns after if the cause persists', () => {
    const pump = makePump();
    startBasic(pump, 10, 100);
    okExec(pump, { cmd: 'INJECT', input: { sensor: 'door', value: 'open' } });
    expect(pump.audioPriority).toBe('high');
    tick(pump, 5_000);
    expect(okExec(pump, { cmd: 'SILENCE' })).toEqual({ until: 125_000 });
    expect(ofType(pump.takeEvents(), 'AUDIO').map((e) => e.prio)).toEqual(['off']);
    expect(pump.nextWakeMs()).toBe(125_000);
    const ev = tick(pump, 10 * MIN);
    expect(ofType(ev, 'AUDIO')).toEqual([{ type: 'AUDIO', tMs: 125_000, prio: 'high' }]);
    expect(pump.audioPriority).toBe('high');
  });

  // Regression: SILENCE used to pause alarms raised after it too.
  it('an alarm raised after SILENCE sounds at once', () => {
    const pump = makePump();
    startBasic(pump, 10, 100);
    okExec(pump, { cmd: 'SILENCE' });
    tick(pump, MIN);
    okExec(pump, { cmd: 'INJECT', input: { sensor: 'air', bubbleMl: 0.5 } });
    expect(pump.status().alarm).toBe('AIR_IN_LINE');
    expect(pump.audioPriority).toBe('high');
  });

  it('ACK of one alarm by id; unknown or inactive ids are refused', () => {
    const pump = makePump();
    startBasic(pump, 60, 1, { endAction: 'stop' });
    tick(pump, 2 * MIN);
    okExec(pump, { cmd: 'INJECT', input: { sensor: 'comm', value: 'lost' } });
    expect(pump.activeAlarms.map((a) => a.id)).toEqual(['VTBI_COMPLETE', 'COMM_LOST']);
    expect(pump.audioPriority).toBe('medium');
    const before = snapshot(pump);
    expect(errCode(pump.execute({ cmd: 'ACK', alarm: 'NOPE' }))).toBe('BAD_ARG');
    expect(errCode(pump.execute({ cmd: 'ACK', alarm: 'DOOR_OPEN' }))).toBe('BAD_STATE');
    expect(snapshot(pump)).toBe(before);
    expect(okExec(pump, { cmd: 'ACK', alarm: 'VTBI_COMPLETE' })).toEqual({ n: 1 });
    // Acknowledged: quiet, but shown while its cause (the completed program) is there.
    expect(pump.activeAlarms.map((a) => [a.id, a.acknowledged])).toEqual([
      ['VTBI_COMPLETE', true],
      ['COMM_LOST', false],
    ]);
    expect(pump.audioPriority).toBe('low');
    expect(okExec(pump, { cmd: 'ACK' })).toEqual({ n: 1 });
    expect(pump.audioPriority).toBe('off');
    okExec(pump, { cmd: 'STOP' });
    expect(pump.activeAlarms.map((a) => a.id)).toEqual(['COMM_LOST']); // non-latching: ends with its cause
  });

  it('NEAR_END (low) comes 5 min before the VTBI and ends with it', () => {
    const pump = makePump();
    startBasic(pump, 60, 20, { endAction: 'stop' });
    const ev = tick(pump, 30 * MIN);
    expect(ofType(ev, 'ALARM').map((e) => [e.id, e.tMs])).toEqual([
      ['NEAR_END', 15 * MIN],
      ['VTBI_COMPLETE', 20 * MIN],
    ]);
    expect(ofType(ev, 'ALARM_END').map((e) => [e.id, e.tMs])).toEqual([['NEAR_END', 20 * MIN]]);
  });

  it('CALLBACK (medium) after 2 min left programmed, cleared by START', () => {
    const pump = makePump();
    okExec(pump, { cmd: 'PROGRAM', rateMlPerH: 10, vtbiMl: 10 });
    expect(pump.nextWakeMs()).toBe(2 * MIN);
    const ev = tick(pump, 3 * MIN);
    expect(ofType(ev, 'ALARM')).toEqual([{ type: 'ALARM', tMs: 2 * MIN, id: 'CALLBACK', prio: 'medium', stops: false }]);
    okExec(pump, { cmd: 'START' });
    expect(pump.activeAlarms).toEqual([]);
  });

  it('LOW_BATTERY (low) at 30 min of runtime left, medium after 10 min unanswered', () => {
    const pump = makePump();
    okExec(pump, { cmd: 'INJECT', input: { sensor: 'mains', value: 'off' } });
    startBasic(pump, 25, 9999);
    // 12 Wh at 1.5 W + 25 × 20 mW = 2 W: 6 h of runtime, low at 5.5 h.
    expect(pump.nextWakeMs()).toBe(5.5 * HOUR);
    const ev = tick(pump, 5.5 * HOUR + 15 * MIN);
    expect(ofType(ev, 'ALARM').map((e) => [e.id, e.prio, e.tMs])).toEqual([['LOW_BATTERY', 'low', 5.5 * HOUR]]);
    expect(ofType(ev, 'ESCALATE')).toEqual([{ type: 'ESCALATE', tMs: 5.5 * HOUR + 10 * MIN, id: 'LOW_BATTERY', prio: 'medium' }]);
    expect(pump.status()).toMatchObject({ state: 'RUNNING', alarm: 'LOW_BATTERY', prio: 'medium', rateMlPerH: 25 });
    expect(pump.audioPriority).toBe('medium');
  });

  it('an acknowledged LOW_BATTERY does not escalate; mains on ends it', () => {
    const pump = makePump();
    okExec(pump, { cmd: 'INJECT', input: { sensor: 'mains', value: 'off' } });
    startBasic(pump, 25, 9999);
    tick(pump, 5.5 * HOUR + MIN);
    okExec(pump, { cmd: 'ACK' });
    const ev = tick(pump, 15 * MIN);
    expect(ofType(ev, 'ESCALATE')).toEqual([]);
    okExec(pump, { cmd: 'INJECT', input: { sensor: 'mains', value: 'on' } });
    expect(pump.activeAlarms).toEqual([]);
  });

  it('a depleted battery stops flow with BATTERY_DEPLETED (high, cannot be silenced)', () => {
    const pump = makePump();
    okExec(pump, { cmd: 'INJECT', input: { sensor: 'mains', value: 'off' } });
    startBasic(pump, 25, 9999);
    // Within the depleted-battery period (180 s, docs/clinical.md): after it the pump shuts down.
    const ev = tick(pump, 6 * HOUR + 2 * 60_000);
    const dep = ofType(ev, 'ALARM').find((e) => e.id === 'BATTERY_DEPLETED');
    expect(dep).toMatchObject({ tMs: 6 * HOUR, prio: 'high', stops: true });
    expect(pump.status()).toMatchObject({ state: 'ALARM', rateMlPerH: 0, alarm: 'BATTERY_DEPLETED' });
    expect(pump.status().batteryPercent).toBe(0);
    expect(pump.status().viMl).toBeCloseTo(25 * 6, 6);
    okExec(pump, { cmd: 'SILENCE' });
    expect(pump.audioPriority).toBe('high');
    expect(errCode(pump.execute({ cmd: 'RESUME' }))).toBe('ALARM_ACTIVE');
    // Mains back: the cause is gone but the alarm latches until ACK.
    okExec(pump, { cmd: 'INJECT', input: { sensor: 'mains', value: 'on' } });
    expect(pump.status().alarm).toBe('BATTERY_DEPLETED');
    okExec(pump, { cmd: 'ACK' });
    okExec(pump, { cmd: 'RESUME' });
    expect(pump.status()).toMatchObject({ state: 'RUNNING', rateMlPerH: 25 });
  });

  it('power off/on keeps the program and comes back PAUSED', () => {
    const pump = makePump();
    okExec(pump, { cmd: 'PROGRAM', drugId: 'heparin', dose: 18, weightKg: 80, vtbiMl: 250 });
    okExec(pump, { cmd: 'START' });
    tick(pump, HOUR);
    const program = JSON.stringify(pump.currentProgram);
    okExec(pump, { cmd: 'INJECT', input: { sensor: 'power', value: 'off' } });
    expect(pump.status()).toMatchObject({ state: 'OFF', rateMlPerH: 0 });
    expect(pump.nextWakeMs()).toBe(Infinity);
    expect(errCode(pump.execute({ cmd: 'RESUME' }))).toBe('BAD_STATE');
    // Sensor inputs are kept while off (docs/protocol.md, "Power"): a door opened and closed again leaves nothing.
    okExec(pump, { cmd: 'INJECT', input: { sensor: 'door', value: 'open' } });
    okExec(pump, { cmd: 'INJECT', input: { sensor: 'door', value: 'closed' } });
    expect(errCode(pump.execute({ cmd: 'INJECT', input: { sensor: 'power', value: 'off' } }))).toBe('BAD_STATE');
    okExec(pump, { cmd: 'PING' });
    tick(pump, HOUR);
    expect(pump.status().viMl).toBeCloseTo(14.4, 9);
    okExec(pump, { cmd: 'INJECT', input: { sensor: 'power', value: 'on' } });
    expect(pump.status()).toMatchObject({ state: 'PAUSED', mode: 'drug', drug: 'heparin', rateMlPerH: 0 });
    expect(JSON.stringify(pump.currentProgram)).toBe(program);
    okExec(pump, { cmd: 'RESUME' });
    tick(pump, HOUR);
    expect(pump.status()).toMatchObject({ state: 'RUNNING', rateMlPerH: 14.4 });
    expect(pump.status().viMl).toBeCloseTo(28.8, 9);
  });

  it('power cycle of a programmed (not started) pump comes back PROGRAMMED, of an idle one IDLE', () => {
    const pump = makePump();
    okExec(pump, { cmd: 'INJECT', input: { sensor: 'power', value: 'off' } });
    okExec(pump, { cmd: 'INJECT', input: { sensor: 'power', value: 'on' } });
    expect(pump.state).toBe('IDLE');
    okExec(pump, { cmd: 'PROGRAM', rateMlPerH: 10, vtbiMl: 10 });
    okExec(pump, { cmd: 'INJECT', input: { sensor: 'power', value: 'off' } });
    okExec(pump, { cmd: 'INJECT', input: { sensor: 'power', value: 'on' } });
    expect(pump.state).toBe('PROGRAMMED');
    expect(errCode(pump.execute({ cmd: 'INJECT', input: { sensor: 'power', value: 'on' } }))).toBe('BAD_STATE');
  });

  // Regression: a power cycle used to drop every alarm, latching ones included.
  it('a power cycle does not clear an unacknowledged latching AIR_IN_LINE', () => {
    const pump = makePump();
    startBasic(pump, 10, 100);
    okExec(pump, { cmd: 'INJECT', input: { sensor: 'air', bubbleMl: 0.2 } });
    okExec(pump, { cmd: 'INJECT', input: { sensor: 'power', value: 'off' } });
    okExec(pump, { cmd: 'INJECT', input: { sensor: 'power', value: 'on' } });
    expect(pump.activeAlarms.map((a) => a.id)).toContain('AIR_IN_LINE');
    expect(errCode(pump.execute({ cmd: 'RESUME' }))).toBe('ALARM_ACTIVE');
  });
});
