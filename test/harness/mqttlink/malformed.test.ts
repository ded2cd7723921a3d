/** A malformed payload is rejected, counted and logged; it never crashes a pump or the gateway. */
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DownMessage, UpMessage } from '../../../src/harness/link/messages.js';
import { generateCredentials, type Identity } from '../../../src/harness/broker/credentials.js';
import { MqttNetwork } from '../../../src/harness/mqttlink/mqttNetwork.js';
import { pumpTopic, type PumpAddress } from '../../../src/harness/contract/topics.js';
import { World } from '../../../src/harness/world/world.js';
import { TARGETS, type StartedBroker } from './targets.js';

const creds = generateCredentials('bad', [
  { pumpId: 'p1', unit: 'ward' },
  { pumpId: 'p2', unit: 'ward' },
]);
const p1 = creds.pumps.get('p1') as Identity;
const p2 = creds.pumps.get('p2') as Identity;
const link = { latencyMs: 0, jitterMs: 0, lossRate: 0, burstLoss: false, duplicateRate: 0, reorderRate: 0 };

const GARBAGE = ['not json {', '[]', '{"v":2}', JSON.stringify({ v: 1, pumpId: 'p2', seq: 0, event: { type: 'RATE', tMs: 0, rateMlPerH: 1 } }), 'x'.repeat(20_000)];

describe.each(TARGETS)('malformed payloads ($name)', (target) => {
  let broker: StartedBroker;
  beforeAll(async () => {
    if (target.available) broker = await target.start(creds);
  });
  afterAll(async () => {
    if (target.available) await broker.close();
  });
  const run = target.available ? it : it.skip;

  run('the gateway side rejects and counts them, then handles a good message', async () => {
    const world = new World();
    const net = new MqttNetwork(world, 1, link, { url: broker.url, credentials: creds });
    const got: UpMessage[] = [];
    net.attachGateway((m) => got.push(m));
    await net.ready();
    const raw = await mqtt.connectAsync(broker.url, { clientId: p2.clientId, username: p2.username, password: p2.password, reconnectPeriod: 0 });
    const a = p2.pump as PumpAddress;
    for (const g of GARBAGE) {
      await raw.publishAsync(pumpTopic(a, 'events'), g, { qos: 1 });
      await raw.publishAsync(pumpTopic(a, 'telemetry'), g, { qos: 1 });
    }
    // p2 claiming to be p1 inside a payload on its own topic.
    await raw.publishAsync(pumpTopic(a, 'events'), JSON.stringify({ v: 1, pumpId: 'p1', seq: 1, event: { type: 'RATE', tMs: 0, rateMlPerH: 1 } }), { qos: 1 });
    await raw.publishAsync(pumpTopic(a, 'events'), JSON.stringify({ v: 1, pumpId: 'p2', seq: 1, event: { type: 'RATE', tMs: 0, rateMlPerH: 5 } }), { qos: 1 });
    // Received messages are handed over at the barrier (settle), in a fixed order; the good one was
    // sent last, so once it is handed over every message before it has been received.
    await expect.poll(async () => {
      await net.settle();
      world.runUntil(1000);
      return got.length;
    }, { timeout: 60_000 }).toBe(1);
    expect(net.mqttStats.malformed).toBe(GARBAGE.length * 2 + 1);
    expect(net.log.filter((l) => l.startsWith('malformed payload')).length).toBe(GARBAGE.length * 2 + 1);
    expect(got).toEqual([{ kind: 'event', pumpId: 'p2', seq: 1, event: { type: 'RATE', tMs: 0, rateMlPerH: 5 } }]);
    await raw.endAsync(true);
    await net.close();
  });

  run('the pump side rejects and counts them, then handles a good command', async () => {
    const world = new World();
    const net = new MqttNetwork(world, 2, link, { url: broker.url, credentials: creds, externalGateway: true });
    const got: DownMessage[] = [];
    net.attachPump('p1', 'seg', (m) => got.push(m));
    await net.ready();
    const gw = await mqtt.connectAsync(broker.url, { clientId: creds.gateway.clientId, username: creds.gateway.username, password: creds.gateway.password, reconnectPeriod: 0 });
    const a = p1.pump as PumpAddress;
    for (const g of GARBAGE) {
      await gw.publishAsync(pumpTopic(a, 'cmd'), g, { qos: 1 });
      await gw.publishAsync(pumpTopic(a, 'acks'), g, { qos: 1 });
    }
    await gw.publishAsync(pumpTopic(a, 'acks'), JSON.stringify({ v: 1, pumpId: 'p1', kind: 'event-ack', uptoSeq: 3 }), { qos: 1 });
    // Wait until the pump's client has the good ack too (it was sent last).
    await expect.poll(() => {
      world.runUntil(1000);
      return got.length;
    }, { timeout: 60_000 }).toBe(1);
    expect(net.mqttStats.malformed).toBe(GARBAGE.length * 2);
    expect(got).toEqual([{ kind: 'event-ack', pumpId: 'p1', uptoSeq: 3 }]);
    await gw.endAsync(true);
    await net.close();
  });
});
