/**
 * Issue 19 (docs/scale.md, "A node kill"): a pump whose node dies reconnects to another node and
 * publishes its retained `online` status there; some 6-8 s later another node publishes the dead
 * node's last wills. The pump's will must not be one of them: it has connected again, so its
 * retained status stays `online`. Two pumps on 2 nodes over Debian's redis-server, node 1 killed.
 */
import mqtt from 'mqtt';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { startBrokerCluster, type BrokerCluster } from '../../../src/harness/broker/cluster.js';
import { generateCredentials } from '../../../src/harness/broker/credentials.js';
import { findRedisServer, REDIS_PACKAGE_HINT } from '../../../src/harness/broker/redis.js';
import { redisOptions } from '../../../src/harness/broker/redisUrl.js';
import { pumpTopic, type PumpAddress } from '../../../src/harness/contract/topics.js';
import { MqttNetwork } from '../../../src/harness/mqttlink/mqttNetwork.js';
import { World } from '../../../src/harness/world/world.js';
import { waitFor } from '../../support/waitFor.js';

const redisBin = findRedisServer();
if (!redisBin && process.env.CI) throw new Error(`CI: redis-server is missing: ${REDIS_PACKAGE_HINT}`);

const LINK = { latencyMs: 0, jitterMs: 0, lossRate: 0, burstLoss: false, duplicateRate: 0, reorderRate: 0 };

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const f of cleanup.reverse()) await f().catch(() => undefined);
  cleanup = [];
});

describe.skipIf(!redisBin)('a node kill in a cluster of 2 aedes nodes', () => {
  it("does not publish the last will of a pump that reconnected to the other node: its retained status stays online", async () => {
    const creds = generateCredentials('will', [
      { pumpId: 'p0', unit: 'u' },
      { pumpId: 'p1', unit: 'u' },
    ]);
    const cluster: BrokerCluster = await startBrokerCluster(creds, { nodes: 2 });
    cleanup.push(() => cluster.close());
    const redis = new Redis(redisOptions(cluster.redisUrl));
    cleanup.push(async () => void redis.disconnect());
    const world = new World();
    // Pump i's home is node i mod 2 (nodeSpread.ts): p1 is on node 1.
    const net = new MqttNetwork(world, 1, LINK, { url: cluster.urls[0] as string, credentials: creds, externalGateway: true, nodeUrls: cluster.urls, reconnectPeriodMs: 200 });
    cleanup.push(() => net.close());
    for (const id of ['p0', 'p1']) net.attachPump(id, 'ward', () => undefined);
    await net.ready();
    // One will per pump, each on its own node.
    expect(await redis.llen('will')).toBe(2);

    cluster.killNode(1);
    // p1 reconnects to node 0 (a will there too: 3), then node 0 deals with dead node 1's will (2 again).
    let wills = 2;
    const poll = setInterval(() => void redis.llen('will').then((n) => (wills = n), () => undefined), 50);
    cleanup.push(async () => clearInterval(poll));
    await waitFor(() => net.mqttStats.reconnects >= 1 && wills === 3, 'p1 reconnected to node 0, with a will there');
    await waitFor(() => wills === 2, "node 0 dealt with dead node 1's will of p1");

    // The retained status of p1, as a client connecting now sees it.
    const p1 = creds.pumps.get('p1')?.pump as PumpAddress;
    const observer = await mqtt.connectAsync(cluster.urls[0] as string, { clientId: creds.gateway.clientId, username: creds.gateway.username, password: creds.gateway.password, protocolVersion: 4, reconnectPeriod: 0 });
    cleanup.push(() => observer.endAsync(true));
    const retained: unknown[] = [];
    observer.on('message', (_t, payload) => retained.push(JSON.parse(payload.toString())));
    await observer.subscribeAsync(pumpTopic(p1, 'status'), { qos: 1 });
    await waitFor(() => retained.length > 0, "p1's retained status");
    expect(retained[0]).toEqual({ v: 1, pumpId: 'p1', online: true });
  }, 120_000);
});
