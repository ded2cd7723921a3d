/**
 * Issue 19: a shard kill (run/workers.ts, docs/scale.md "A shard kill"): 6 pumps in 2 worker
 * processes at max speed; shard 2 (u-2, u-4, u-6) is SIGKILLed at 10 min of virtual time. Its 3
 * pumps' connections drop without DISCONNECT, so the broker publishes their last wills (status
 * offline, seen by the gateway); a new process rebuilds the shard from the seed and the journal of
 * what its pumps handled, and rejoins at 10 min. The oracle: the same run without a kill (its pump
 * outcomes, 7 events and 4.8 mL per pump by hand, workers.test.ts) and every event ingested exactly once.
 */
import { describe, expect, it } from 'vitest';
import { runWithWorkers } from '../../../src/harness/run/workers.js';
import { expectExactlyOnce } from '../../support/exactlyOnce.js';
import { infuse, MIN, ward } from './helpers.js';

describe('a shard kill (infusim run --workers 2 --kill-shard 2@10m)', () => {
  it("fires the shard's last wills, restarts it, and loses or doubles no event", async () => {
    const scenario = ward({ name: 'shard-kill', pumps: 6, duration: '30m', timeline: [...infuse(), { at: '20m', action: 'pause', target: 'all' }] });
    // The presence of each pump as the gateway sees it, from the kill on (the run logs the kill as it happens).
    let killed = false;
    const presence = new Map<string, boolean[]>();
    const onWire = (topic: string, payload: Buffer): void => {
      const m = /\/(u-\d)\/status$/.exec(topic);
      if (!killed || !m) return;
      const id = m[1] as string;
      presence.set(id, [...(presence.get(id) ?? []), (JSON.parse(payload.toString()) as { online: boolean }).online]);
    };
    const log = (line: string): void => {
      if (/^shard 2\/2 \(pid \d+\) killed at t=600000; restarted as pid \d+/.test(line)) killed = true;
    };
    const run = await runWithWorkers(scenario, { workers: 2, transport: { kind: 'mqtt', onWire, log }, shardKills: [{ shard: 2, atMs: 10 * MIN }] });
    expect(run.kills).toHaveLength(1);
    const kill = run.kills[0];
    expect(kill?.atMs).toBe(10 * MIN);
    expect(kill?.newPid).not.toBe(kill?.killedPid);
    expect(kill?.replayed).toBeGreaterThan(0);
    // After the kill the gateway saw the last will of each pump of shard 2 (offline), then the pump
    // online again from the new process; the pumps of shard 1 were not seen offline before the end.
    for (const id of ['u-2', 'u-4', 'u-6']) expect(presence.get(id)?.slice(0, 2), id).toEqual([false, true]);
    for (const id of ['u-1', 'u-3', 'u-5']) expect(presence.get(id)?.[0], id).not.toBe(true);
    expectExactlyOnce(run);
    // Rebuilt with the acknowledgements it had handled (the journal), the shard's outboxes were empty at 10 min: nothing resent, no duplicate.
    expect(run.result.network.duplicatesDropped).toBe(0);
    for (const p of run.result.pumps) expect({ id: p.id, eventsSent: p.eventsSent, viMl: p.viMl, finalState: p.finalState, alarms: p.alarms }).toEqual({ id: p.id, eventsSent: 7, viMl: 4.8, finalState: 'PAUSED', alarms: 1 });
    expect(run.result.violations).toEqual([]);
  }, 120_000);
});
