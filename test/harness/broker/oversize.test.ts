/**
 * Issue 13, item 4: pre-login memory. A CONNECT that announces 200 MB was buffered by the
 * embedded broker until the connect timeout (three of them took the run's process from 91 MB to
 * 695 MB). Now a packet over its limit (before login; after it, by identity) closes the connection
 * at its header, and the broker counts and logs it. The bound is shown without wall time: the
 * connection is closed after the header and a few bytes, and a counter says so.
 */
import { connect, type Socket } from 'node:net';
import mqtt from 'mqtt';
import { describe, expect, it } from 'vitest';
import { AccessPolicy } from '../../../src/harness/broker/acl.js';
import { EmbeddedBroker, MAX_PACKET_BEFORE_LOGIN_BYTES, PacketSizes } from '../../../src/harness/broker/embeddedBroker.js';
import { generateCredentials, type Identity } from '../../../src/harness/broker/credentials.js';
import { encodeRemainingLength } from '../../../src/harness/mqttlink/mqttFrames.js';
import { pumpTopic, type PumpAddress } from '../../../src/harness/contract/topics.js';

async function poll(cond: () => boolean, what: string, tries = 250): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (cond()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** A raw TCP client that says how many bytes it managed to write before the broker closed. */
async function raw(port: number): Promise<{ s: Socket; closed: () => boolean }> {
  const s = connect(port, '127.0.0.1');
  let closed = false;
  s.on('close', () => (closed = true));
  s.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    s.once('connect', () => resolve());
    s.once('error', reject);
  });
  return { s, closed: () => closed };
}

describe('oversize packets on the embedded broker', () => {
  it('a CONNECT announcing 200 MB is cut at its header, counted and logged; the broker keeps serving', async () => {
    const creds = generateCredentials('big', [{ pumpId: 'p1', unit: 'ward' }]);
    const broker = new EmbeddedBroker(new AccessPolicy(creds));
    await broker.start();
    try {
      const attackers = await Promise.all([1, 2, 3].map(() => raw(broker.port)));
      for (const a of attackers) {
        // CONNECT (type 1), remaining length 200 MB, then the first 64 KiB of it.
        a.s.write(Buffer.concat([Buffer.from([0x10]), encodeRemainingLength(200 * 1024 * 1024), Buffer.alloc(64 * 1024, 0x41)]));
      }
      await poll(() => attackers.every((a) => a.closed()), 'the broker to close the three connections');
      expect(broker.counters.oversizeRefused).toBe(3);
      expect(broker.log.filter((l) => l.startsWith('oversize packet refused') && l.includes('(not logged in)') && l.includes('209715205 bytes over 4096'))).toHaveLength(3);
      // A pump still logs in and publishes its (small) telemetry.
      const p1 = creds.pumps.get('p1') as Identity;
      const c = await mqtt.connectAsync(broker.url, { clientId: p1.clientId, username: p1.username, password: p1.password, reconnectPeriod: 0 });
      await c.publishAsync(pumpTopic(p1.pump as PumpAddress, 'telemetry'), 'x'.repeat(2000), { qos: 1 });
      await c.endAsync(true);
    } finally {
      await broker.close();
    }
  });

  it('after login the limit is the identity\'s: a pump\'s 100 KiB PUBLISH closes its connection and is counted', async () => {
    const creds = generateCredentials('big', [{ pumpId: 'p1', unit: 'ward' }]);
    const broker = new EmbeddedBroker(new AccessPolicy(creds));
    await broker.start();
    try {
      const p1 = creds.pumps.get('p1') as Identity;
      const c = await mqtt.connectAsync(broker.url, { clientId: p1.clientId, username: p1.username, password: p1.password, reconnectPeriod: 0 });
      let closed = false;
      c.on('close', () => (closed = true));
      c.on('error', () => undefined);
      c.publishAsync(pumpTopic(p1.pump as PumpAddress, 'telemetry'), 'x'.repeat(100 * 1024), { qos: 1 }).catch(() => undefined);
      await poll(() => closed, 'the broker to close the pump\'s connection');
      expect(broker.counters.oversizeRefused).toBe(1);
      expect(broker.log.some((l) => l.startsWith('oversize packet refused') && l.includes('(pump)'))).toBe(true);
      await c.endAsync(true);
    } finally {
      await broker.close();
    }
  });
});

describe('PacketSizes', () => {
  it('follows packet boundaries across chunks and flags the first packet over the limit at its header', () => {
    const small = Buffer.concat([Buffer.from([0x30]), encodeRemainingLength(300), Buffer.alloc(300)]);
    const big = Buffer.concat([Buffer.from([0x30]), encodeRemainingLength(5000)]);
    const p = new PacketSizes();
    const stream = Buffer.concat([small, small, big]);
    // One byte at a time: nothing until the big one's header is complete.
    let over: ReturnType<PacketSizes['push']>;
    for (let i = 0; i < stream.length && !over; i++) over = p.push(stream.subarray(i, i + 1), MAX_PACKET_BEFORE_LOGIN_BYTES);
    expect(over).toEqual({ type: 3, bytes: 5003 });
    expect(new PacketSizes().push(Buffer.from([0x10, 0xff, 0xff, 0xff, 0xff, 0x01]), 1 << 30)).toEqual({ type: 1, bytes: Infinity });
  });
});
