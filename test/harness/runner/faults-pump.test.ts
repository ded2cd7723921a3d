/** Pump faults (docs/scenarios.md, "Faults"): each reaches the pump as a sensor input, seen in the trace and the result. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LARGE_VOLUME_PUMP, runScenario } from '../../../src/index.js';
import { alarmsOf, captureWorld, commandsOf, HEPARIN_RATE, infuse, MIN, pumpEvents, recordsOf, stateAt, ward } from './helpers.js';

afterEach(() => {
  vi.restoreAllMocks();
});

/** The compliance model: time to a downstream alarm is ΔP·C/Q (docs/architecture.md). */
function downstreamDueMs(rateMlPerH: number): number {
  const t = LARGE_VOLUME_PUMP;
  const ml = (t.occlusion.limitMmHg.default - t.occlusion.baseLinePressureMmHg) * 0.133322 * t.occlusion.complianceMlPerKPa;
  return (ml / rateMlPerH) * 3_600_000;
}

describe('pump faults', () => {
  it('occlusion down and up: the alarm follows within the compliance bound, flow stops, end clears the line but the latching alarm stays', async () => {
    const { result, trace, world } = await runScenario(
      ward({
        pumps: 3,
        timeline: [
          ...infuse(),
          { at: '5m', fault: 'occlusion', target: 'u-1', end: '15m' },
          { at: '5m', fault: 'occlusion', target: 'u-2', args: { side: 'up' }, end: '15m' },
        ],
      }),
    );
    expect(result.violations).toEqual([]);
    const start = 5 * MIN;
    const down = alarmsOf(trace, 'u-1');
    expect(down.map((a) => a.id)).toEqual(['OCCLUSION_DOWN']);
    const downAt = down[0]!.tMs;
    // 0.4 mL of line compliance at 14.4 mL/h: about 100 s, and not a moment before.
    expect(downAt - start).toBeGreaterThan(downstreamDueMs(HEPARIN_RATE) - 1000);
    expect(downAt - start).toBeLessThanOrEqual(downstreamDueMs(HEPARIN_RATE) + 1000);
    expect(stateAt(trace, 'u-1', downAt)).toBe('ALARM');
    const up = alarmsOf(trace, 'u-2');
    expect(up.map((a) => a.id)).toEqual(['OCCLUSION_UP']);
    // Upstream: detected after the mechanism tried to move upstreamDetectMl.
    expect(up[0]!.tMs - start).toBeCloseTo((LARGE_VOLUME_PUMP.occlusion.upstreamDetectMl / HEPARIN_RATE) * 3_600_000, -3);
    // The untouched pump never alarms.
    expect(alarmsOf(trace, 'u-3')).toEqual([]);
    // The end clears the blockage (a small bolus comes out of the line); the alarm latches.
    const clear = commandsOf(trace, 'u-1').find((c) => c.command === 'INJECT occlusion=clear');
    expect(clear?.tMs).toBe(15 * MIN);
    expect(pumpEvents(trace, 'u-1', 'CLEAR_BOLUS').map((e) => e.tMs)).toEqual([15 * MIN]);
    expect(commandsOf(trace, 'u-2').some((c) => c.command === 'INJECT occlusion=clear' && c.tMs === 15 * MIN)).toBe(true);
    expect(pumpEvents(trace, 'u-1', 'ALARM_END')).toEqual([]);
    expect(world.pump('u-1').pump.state).toBe('ALARM');
    // The alarm-bound checks were armed for both.
    expect(result.alarms.filter((a) => a.id.startsWith('OCCLUSION')).map((a) => a.pumpId)).toEqual(['u-2', 'u-1']);
    expect(result.faultSpans).toContainEqual({ what: 'occlusion', target: 'u-1', startMs: start, endMs: 15 * MIN });
  });

  it('air: one bubble raises AIR_IN_LINE and stops flow at once; the fault is instant', async () => {
    const { trace, result } = await runScenario(ward({ pumps: 2, timeline: [...infuse(), { at: '5m', fault: 'air', target: 'u-1', args: { bubble: 0.3 } }] }));
    expect(commandsOf(trace, 'u-1').some((c) => c.command === 'INJECT air=0.3')).toBe(true);
    expect(alarmsOf(trace, 'u-1').map((a) => [a.id, a.tMs, a.stops])).toEqual([['AIR_IN_LINE', 5 * MIN, true]]);
    expect(stateAt(trace, 'u-1', 5 * MIN)).toBe('ALARM');
    const phases = recordsOf(trace, 'fault').filter((f) => f.fault === 'air').map((f) => [f.phase, f.tMs]);
    expect(phases).toEqual([['start', 5 * MIN], ['end', 5 * MIN]]);
    expect(result.violations).toEqual([]);
  });

  it('air: a bubble under the single-bubble threshold does not alarm', async () => {
    const { trace } = await runScenario(ward({ pumps: 1, timeline: [...infuse(), { at: '5m', fault: 'air', target: 'u-1', args: { bubble: 0.05 } }] }));
    expect(alarmsOf(trace, 'u-1', 'AIR_IN_LINE')).toEqual([]);
  });

  it('door-open raises DOOR_OPEN and stops flow; the end closes the door and the alarm ends', async () => {
    const { trace, result } = await runScenario(ward({ pumps: 1, timeline: [...infuse(), { at: '5m', fault: 'door-open', target: 'u-1', end: '8m' }] }));
    // docs/protocol.md: the door closed ends the last flow-stopping alarm, so the pump is PAUSED
    // (reason=alarm_cleared); left paused, it calls for attention 2 min later (CALLBACK).
    expect(alarmsOf(trace, 'u-1').map((a) => [a.id, a.tMs])).toEqual([['DOOR_OPEN', 5 * MIN], ['CALLBACK', 10 * MIN]]);
    expect(stateAt(trace, 'u-1', 5 * MIN)).toBe('ALARM');
    expect(stateAt(trace, 'u-1', 8 * MIN)).toBe('PAUSED');
    expect(commandsOf(trace, 'u-1').filter((c) => c.command.startsWith('INJECT door')).map((c) => [c.command, c.tMs])).toEqual([
      ['INJECT door=open', 5 * MIN],
      ['INJECT door=closed', 8 * MIN],
    ]);
    expect(pumpEvents(trace, 'u-1', 'ALARM_END').map((e) => [e.id, e.tMs])).toEqual([['DOOR_OPEN', 8 * MIN]]);
    expect(result.violations).toEqual([]);
  });

  it('container-empty raises CONTAINER_EMPTY; the end puts a new container in place (INJECT container=ok)', async () => {
    const { trace, result } = await runScenario(ward({ pumps: 1, timeline: [...infuse(), { at: '5m', fault: 'container-empty', target: 'u-1', end: '8m' }] }));
    expect(alarmsOf(trace, 'u-1').map((a) => [a.id, a.tMs, a.stops])).toEqual([['CONTAINER_EMPTY', 5 * MIN, true]]);
    expect(commandsOf(trace, 'u-1').filter((c) => c.command.startsWith('INJECT container')).map((c) => [c.command, c.tMs, c.ok])).toEqual([
      ['INJECT container=empty', 5 * MIN, true],
      ['INJECT container=ok', 8 * MIN, true],
    ]);
    expect(result.violations).toEqual([]);
  });

  it('mains-loss runs the pump on its battery, infusion going on; the end plugs it back in', async () => {
    const w = captureWorld();
    const seen: { tMs: number; onMains: boolean; battery: number; state: string }[] = [];
    const { trace, world, result } = await runScenario(ward({ pumps: 1, duration: '20m', timeline: [...infuse(), { at: '5m', fault: 'mains-loss', target: 'u-1', end: '15m' }] }), {
      onProgress: (p) => {
        const st = w.get().pump('u-1').pump.status();
        seen.push({ tMs: p.tMs, onMains: st.onMains, battery: st.batteryPercent, state: st.state });
      },
    });
    expect(commandsOf(trace, 'u-1').filter((c) => c.command.startsWith('INJECT mains')).map((c) => [c.command, c.tMs])).toEqual([
      ['INJECT mains=off', 5 * MIN],
      ['INJECT mains=on', 15 * MIN],
    ]);
    const during = seen.filter((s) => s.tMs > 5 * MIN && s.tMs < 15 * MIN);
    expect(during.length).toBeGreaterThan(3);
    expect(during.every((s) => !s.onMains && s.state === 'RUNNING')).toBe(true);
    // The battery runs down while unplugged.
    expect(during.at(-1)!.battery).toBeLessThan(during[0]!.battery);
    expect(seen.filter((s) => s.tMs < 5 * MIN).every((s) => s.onMains)).toBe(true);
    expect(world.pump('u-1').pump.status().onMains).toBe(true);
    expect(result.violations).toEqual([]);
  });

  it('mains-loss that lasts: LOW_BATTERY first, then BATTERY_DEPLETED stops the flow', async () => {
    const { trace, result } = await runScenario(ward({ pumps: 1, duration: '9h', timeline: [...infuse(), { at: '10m', fault: 'mains-loss', target: 'u-1' }] }));
    const ids = alarmsOf(trace, 'u-1').map((a) => a.id);
    expect(ids.indexOf('LOW_BATTERY')).toBeGreaterThanOrEqual(0);
    expect(ids.indexOf('BATTERY_DEPLETED')).toBeGreaterThan(ids.indexOf('LOW_BATTERY'));
    const low = alarmsOf(trace, 'u-1', 'LOW_BATTERY')[0]!;
    const depleted = alarmsOf(trace, 'u-1', 'BATTERY_DEPLETED')[0]!;
    // At least the warning time before depletion (docs/clinical.md#battery-and-power: 30 min).
    expect(depleted.tMs - low.tMs).toBeGreaterThanOrEqual(LARGE_VOLUME_PUMP.battery.lowWarningMs - 1000);
    expect(stateAt(trace, 'u-1', depleted.tMs)).toBe('ALARM');
    expect(result.violations).toEqual([]);
  });

  it('battery-drain sets the charge: 5 % raises LOW_BATTERY at once, 60 % does not; the end plugs back in', async () => {
    const { trace, world } = await runScenario(
      ward({
        pumps: 2,
        timeline: [...infuse(), { at: '5m', fault: 'battery-drain', target: 'u-1', args: { percent: 5 }, end: '10m' }, { at: '5m', fault: 'battery-drain', target: 'u-2', args: { percent: 60 }, end: '10m' }],
      }),
    );
    expect(commandsOf(trace, 'u-1').filter((c) => c.command.startsWith('INJECT')).map((c) => c.command)).toEqual(['INJECT mains=off', 'INJECT battery=5', 'INJECT mains=on']);
    expect(alarmsOf(trace, 'u-1').map((a) => [a.id, a.tMs, a.prio])).toEqual([['LOW_BATTERY', 5 * MIN, 'low']]);
    expect(alarmsOf(trace, 'u-2')).toEqual([]);
    // Plugged back in: the low-battery alarm ends, and the pump charges.
    expect(pumpEvents(trace, 'u-1', 'ALARM_END').map((e) => [e.id, e.tMs])).toEqual([['LOW_BATTERY', 10 * MIN]]);
    expect(world.pump('u-1').pump.status().onMains).toBe(true);
    expect(stateAt(trace, 'u-1', 10 * MIN)).toBe('RUNNING');
  });

  it('power-loss switches the pump OFF; restart keeps the program and leaves the pump PAUSED', async () => {
    const { trace, world, result } = await runScenario(
      ward({
        pumps: 3,
        timeline: [
          ...infuse(),
          { at: '5m', fault: 'power-loss', target: 'u-1', end: '7m' },
          { at: '5m', fault: 'power-loss', target: 'u-2', end: '7m' },
          { at: '8m', action: 'resume', target: 'u-2' },
        ],
      }),
    );
    const states = pumpEvents(trace, 'u-1', 'STATE').map((e) => [e.state, e.reason, e.tMs]);
    expect(states).toContainEqual(['OFF', 'power_off', 5 * MIN]);
    expect(states).toContainEqual(['PAUSED', 'power_on', 7 * MIN]);
    const pump = world.pump('u-1').pump;
    expect(pump.state).toBe('PAUSED');
    expect(pump.currentProgram).toMatchObject({ mode: 'drug', rateMlPerH: HEPARIN_RATE, vtbiMl: 250 });
    expect(pump.status().drug).toBe('heparin');
    // The kept program resumes with a plain RESUME, no new PROGRAM.
    expect(commandsOf(trace, 'u-2').find((c) => c.command === 'RESUME')).toMatchObject({ ok: true, tMs: 8 * MIN });
    expect(stateAt(trace, 'u-2', 8 * MIN)).toBe('RUNNING');
    // Three minutes of heparin were not given by u-2, and none after 5 min by u-1.
    const vi = (id: string) => result.pumps.find((p) => p.id === id)!.viMl;
    expect(vi('u-3') - vi('u-2')).toBeCloseTo((HEPARIN_RATE * 3) / 60, 1);
    expect(vi('u-1')).toBeCloseTo((HEPARIN_RATE * 5) / 60, 1);
    // Power-off is a local cause: no violation.
    expect(result.violations).toEqual([]);
  });

  it('self-test-failure raises SELF_TEST_FAIL and stops flow; the end lets the self-test pass again', async () => {
    const { trace, result } = await runScenario(ward({ pumps: 1, timeline: [...infuse(), { at: '5m', fault: 'self-test-failure', target: 'u-1', end: '6m' }] }));
    expect(alarmsOf(trace, 'u-1').map((a) => [a.id, a.tMs, a.stops])).toEqual([['SELF_TEST_FAIL', 5 * MIN, true]]);
    expect(stateAt(trace, 'u-1', 5 * MIN)).toBe('ALARM');
    expect(commandsOf(trace, 'u-1').filter((c) => c.command.startsWith('INJECT selftest')).map((c) => [c.command, c.tMs])).toEqual([
      ['INJECT selftest=fail', 5 * MIN],
      ['INJECT selftest=pass', 6 * MIN],
    ]);
    expect(result.violations).toEqual([]);
  });

  it('a fault without end lasts the run and is ended after it (the door closes in the settle time)', async () => {
    const { trace } = await runScenario(ward({ pumps: 1, duration: '10m', timeline: [...infuse(), { at: '5m', fault: 'door-open', target: 'u-1' }] }));
    const ends = recordsOf(trace, 'fault').filter((f) => f.phase === 'end');
    expect(ends.map((f) => [f.fault, f.tMs])).toEqual([['door-open', 10 * MIN]]);
    expect(commandsOf(trace, 'u-1').at(-1)?.command).toBe('INJECT door=closed');
  });
});
