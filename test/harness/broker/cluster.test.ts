/**
 * Issue 19: a broker cluster of the run's own (docs/scale.md): 2 aedes nodes as child processes
 * sharing messages and sessions through Debian's redis-server. Pump i has node i mod 2 as its home
 * and the gateway node 0 (docs/scale.md): before the kill, the events of the pumps on node 1 reach
 * the gateway only through Redis. Node 0 is SIGKILLed at 30 min: the gateway and its pumps
 * reconnect to node 1 and resume their sessions from Redis; every pump pauses at 40 min (events
 * after the kill); every event reaches the gateway exactly once. In CI a
 * missing redis-server fails the suite; locally it skips this file, naming the Debian package.
 */
import { describe, expect, it } from 'vitest';
import { findRedisServer, REDIS_PACKAGE_HINT } from '../../../src/harness/broker/redis.js';
import { runScenario } from '../../../src/harness/run/runScenario.js';
import { expectExactlyOnce } from '../../support/exactlyOnce.js';
import { infuse, MIN, ward } from '../run/helpers.js';

const redisBin = findRedisServer();
if (!redisBin && process.env.CI) throw new Error(`CI: redis-server is missing: ${REDIS_PACKAGE_HINT}`);
if (!redisBin) process.stderr.write(`test/harness/broker/cluster.test.ts: skipping: ${REDIS_PACKAGE_HINT}\n`);

const PUMPS = 200;

describe.skipIf(!redisBin)('a cluster of 2 aedes nodes over Redis', () => {
  it('spreads the pumps, survives a kill of node 0 mid-run and ingests every event exactly once', async () => {
    const scenario = ward({ name: 'cluster', pumps: PUMPS, duration: '1h', timeline: [...infuse(), { at: '40m', action: 'pause', target: 'all' }] });
    const run = await runScenario(scenario, { transport: { kind: 'mqtt', brokerNodes: 2, nodeKills: [{ node: 0, atMs: 30 * MIN }] } });
    const m = run.mqtt;
    expect(m?.broker).toMatch(/^aedes cluster \(2 node\(s\), Redis redis:\/\/127\.0\.0\.1:\d+, started for the run\)$/);
    expect(m?.stats.brokerNodeDeaths).toBe(1);
    expect(m?.log.filter((l) => /^broker node died at t=\d+: broker node 0 /.test(l))).toHaveLength(1);
    // Half the fleet (pumps 0, 2, 4, ...) and the gateway had node 0 as home: each reconnected, to node 1.
    expect(m?.stats.reconnects).toBeGreaterThanOrEqual(PUMPS / 2 + 1);
    // Every pump's pause at 40 min reached the gateway (after the kill), and no event was lost or ingested twice.
    expect(new Set(run.gateway.record.filter((e) => e.receivedMs >= 40 * MIN).map((e) => e.pumpId)).size).toBe(PUMPS);
    expectExactlyOnce(run);
  }, 300_000);
});
