/**
 * Issue 19: QoS 1 messages through a cluster of 2 aedes nodes over Debian's redis-server reach a
 * subscriber on a persistent session, each one, even when later QoS 0 messages from the same node
 * overtake them on the way (a QoS 1 message waits for the node to queue it in Redis for the
 * persistent sessions first). aedes's per-client dedupe dropped the overtaken ones, acknowledged to
 * their publisher (embeddedBroker.ts, NEVER_A_DUPLICATE; docs/scale.md).
 */
import mqtt, { type MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { startBrokerCluster } from '../../../src/harness/broker/cluster.js';
import { generateCredentials, type Identity } from '../../../src/harness/broker/credentials.js';
import { findRedisServer, REDIS_PACKAGE_HINT } from '../../../src/harness/broker/redis.js';
import { gatewayFilters, pumpTopic, type PumpAddress } from '../../../src/harness/contract/topics.js';
import { waitFor } from '../../support/waitFor.js';

const redisBin = findRedisServer();
if (!redisBin && process.env.CI) throw new Error(`CI: redis-server is missing: ${REDIS_PACKAGE_HINT}`);

const PUMPS = 20;
const EVENTS = 10; // per pump

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const f of cleanup.reverse()) await f().catch(() => undefined);
  cleanup = [];
});

describe.skipIf(!redisBin)('QoS 1 through a cluster of 2 aedes nodes', () => {
  it('reaches a persistent subscriber on the other node, every message, with QoS 0 messages interleaved', async () => {
    const ids = Array.from({ length: PUMPS }, (_, i) => `p${i}`);
    const creds = generateCredentials('order', ids.map((pumpId) => ({ pumpId, unit: 'u' })));
    const cluster = await startBrokerCluster(creds, { nodes: 2 });
    cleanup.push(() => cluster.close());
    const connect = async (url: string, id: Identity): Promise<MqttClient> => {
      const c = await mqtt.connectAsync(url, { clientId: id.clientId, username: id.username, password: id.password, protocolVersion: 4, clean: false, reconnectPeriod: 0 });
      cleanup.push(() => c.endAsync(true));
      return c;
    };
    const gateway = await connect(cluster.urls[0] as string, creds.gateway);
    const got = new Set<string>();
    gateway.on('message', (topic, payload) => {
      if (topic.endsWith('/events')) got.add(`${topic} ${(JSON.parse(payload.toString()) as { seq: number }).seq}`);
    });
    await gateway.subscribeAsync(gatewayFilters('order'), { qos: 1 });
    // Every pump on node 1, publishing at once: one pump's QoS 0 message can overtake another's QoS 1 one.
    const pumps = await Promise.all(ids.map((id) => connect(cluster.urls[1] as string, creds.pumps.get(id) as Identity)));
    const acked: Promise<unknown>[] = [];
    for (let seq = 1; seq <= EVENTS; seq++) {
      pumps.forEach((pump, i) => {
        const a = creds.pumps.get(ids[i] as string)?.pump as PumpAddress;
        acked.push(pump.publishAsync(pumpTopic(a, 'events'), JSON.stringify({ seq }), { qos: 1 }));
        pump.publish(pumpTopic(a, 'telemetry'), JSON.stringify({ seq }), { qos: 0 });
      });
    }
    await Promise.all(acked); // node 1 has acknowledged every event
    await waitFor(() => got.size === PUMPS * EVENTS, `${PUMPS * EVENTS} events at the gateway (${got.size} so far)`, 30_000).catch(() => undefined);
    expect(got.size).toBe(PUMPS * EVENTS);
  }, 120_000);
});
