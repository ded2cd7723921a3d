/**
 * Issue 19: `infusim run --workers 2` at max speed (run/workers.ts): 6 pumps in 2 worker
 * processes (shard 1: u-1, u-3, u-5; shard 2: u-2, u-4, u-6, docs/scale.md), the gateway in this
 * process on the embedded broker, virtual time through the step protocol (mqttlink/stepProtocol.ts).
 * The oracle: the same scenario and seed in one process over the same broker, and in process; and
 * by hand: each pump sends 7 events (PROGRAMMED, RUNNING, RATE 14.4 at 0; PAUSED, RATE 0 at 20 min;
 * the CALLBACK alarm of a pump paused 2 min and its AUDIO at 22 min), 42 in all, and infuses
 * 14.4 mL/h x 20 min = 4.8 mL.
 */
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../../src/harness/run/runScenario.js';
import { runWithWorkers } from '../../../src/harness/run/workers.js';
import { expectExactlyOnce } from '../../support/exactlyOnce.js';
import { infuse, ward } from './helpers.js';

const outcome = (r: { pumps: readonly { id: string; finalState: string; viMl: number; deliveredMl: number; alarms: number; eventsSent: number; eventsIngested: number }[] }) =>
  r.pumps.map((p) => ({ id: p.id, finalState: p.finalState, viMl: p.viMl, deliveredMl: p.deliveredMl, alarms: p.alarms, eventsSent: p.eventsSent, eventsIngested: p.eventsIngested }));

describe('infusim run --workers 2 (max speed)', () => {
  it('gives the pump outcomes of the one-process run, every event ingested exactly once across the shards', async () => {
    const scenario = ward({ name: 'workers', pumps: 6, duration: '30m', timeline: [...infuse(), { at: '20m', action: 'pause', target: 'all' }] });
    const one = await runScenario(scenario, { transport: { kind: 'mqtt' } });
    const inproc = await runScenario(scenario);
    const spread = await runWithWorkers(scenario, { workers: 2, transport: { kind: 'mqtt' } });
    expect(spread.pids.filter((p) => p !== undefined && p !== process.pid)).toHaveLength(2);
    expect(outcome(spread.result)).toEqual(outcome(one.result));
    expect(outcome(spread.result)).toEqual(outcome(inproc.result));
    expectExactlyOnce(spread);
    expect(spread.result.network.eventsSent).toBe(6 * 7);
    for (const p of spread.result.pumps) expect({ id: p.id, eventsSent: p.eventsSent, viMl: p.viMl, alarms: p.alarms }).toEqual({ id: p.id, eventsSent: 7, viMl: 4.8, alarms: 1 });
    expect(spread.result.violations).toEqual([]);
  }, 120_000);

  it('paced (300x): no coordination, one start signal; the same pumps, every event ingested exactly once', async () => {
    const scenario = ward({ name: 'workers-paced', pumps: 4, duration: '30m', timeline: [...infuse(), { at: '20m', action: 'pause', target: 'all' }] });
    const spread = await runWithWorkers(scenario, { workers: 2, speed: 300, transport: { kind: 'mqtt' } });
    expect(spread.stepRounds).toBe(0);
    expectExactlyOnce(spread);
    // Each process keeps its own paced clock (docs/scale.md): on a loaded machine a worker's clock
    // can fall behind the gateway's, and its pumps then send events of their own beyond the 7 by
    // hand (u-4 sent 11 in one run of three with three CPU-bound processes beside the test). Exactly
    // once holds whatever they send, and the infusion is the pump's own.
    for (const p of spread.result.pumps) {
      expect({ id: p.id, viMl: p.viMl, finalState: p.finalState }).toEqual({ id: p.id, viMl: 4.8, finalState: 'PAUSED' });
      expect(p.eventsSent, p.id).toBeGreaterThanOrEqual(7);
    }
  }, 120_000);
});
