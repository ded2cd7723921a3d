/**
 * MQTT framing for the link proxy: packets split across chunks, many packets in one chunk,
 * remaining lengths of 1 to 4 bytes, and the PUBLISH / CONNECT fields the proxy reads.
 */
import { describe, expect, it } from 'vitest';
import { connectClientId, encodeRemainingLength, FrameError, FrameReader, packetType, parsePublish, puback, withDup } from '../../../src/harness/mqttlink/mqttFrames.js';

function publish(topic: string, payload: Buffer | string, qos: 0 | 1, packetId = 7): Buffer {
  const t = Buffer.from(topic);
  const body = Buffer.concat([Buffer.from([t.length >> 8, t.length & 0xff]), t, qos > 0 ? Buffer.from([packetId >> 8, packetId & 0xff]) : Buffer.alloc(0), Buffer.from(payload)]);
  return Buffer.concat([Buffer.from([0x30 | (qos << 1)]), encodeRemainingLength(body.length), body]);
}

function connect(clientId: string): Buffer {
  const id = Buffer.from(clientId);
  const body = Buffer.concat([Buffer.from([0, 4]), Buffer.from('MQTT'), Buffer.from([4, 0x02, 0, 30]), Buffer.from([id.length >> 8, id.length & 0xff]), id]);
  return Buffer.concat([Buffer.from([0x10]), encodeRemainingLength(body.length), body]);
}

const PINGREQ = Buffer.from([0xc0, 0x00]);

describe('remaining length (MQTT 3.1.1 §2.2.3)', () => {
  it('encodes the spec\'s boundary values in 1 to 4 bytes', () => {
    expect([...encodeRemainingLength(0)]).toEqual([0x00]);
    expect([...encodeRemainingLength(127)]).toEqual([0x7f]);
    expect([...encodeRemainingLength(128)]).toEqual([0x80, 0x01]);
    expect([...encodeRemainingLength(16_383)]).toEqual([0xff, 0x7f]);
    expect([...encodeRemainingLength(16_384)]).toEqual([0x80, 0x80, 0x01]);
    expect([...encodeRemainingLength(2_097_151)]).toEqual([0xff, 0xff, 0x7f]);
    expect([...encodeRemainingLength(2_097_152)]).toEqual([0x80, 0x80, 0x80, 0x01]);
    expect([...encodeRemainingLength(268_435_455)]).toEqual([0xff, 0xff, 0xff, 0x7f]);
    expect(() => encodeRemainingLength(268_435_456)).toThrow(RangeError);
  });
});

describe('FrameReader', () => {
  it('hands out many packets from one chunk, in order', () => {
    const a = publish('infusim/v1/s/u/p/events', '{"seq":1}', 1, 1);
    const b = publish('infusim/v1/s/u/p/telemetry', '{"t":2}', 0);
    const r = new FrameReader();
    const frames = r.push(Buffer.concat([a, PINGREQ, b]));
    expect(frames).toEqual([a, PINGREQ, b]);
    expect(r.buffered).toBe(0);
  });

  it('reassembles a packet split anywhere, even inside its remaining length, byte by byte', () => {
    // A 20,000-byte payload: a 3-byte remaining length.
    const big = publish('infusim/v1/s/u/p/cmd', Buffer.alloc(20_000, 0x61), 1, 300);
    expect(big[1]! & 0x80).not.toBe(0);
    expect(big[2]! & 0x80).not.toBe(0);
    const stream = Buffer.concat([PINGREQ, big, PINGREQ]);
    const r = new FrameReader();
    const out: Buffer[] = [];
    for (let i = 0; i < stream.length; i++) out.push(...r.push(stream.subarray(i, i + 1)));
    expect(out).toEqual([PINGREQ, big, PINGREQ]);
    expect(r.buffered).toBe(0);
  });

  it('keeps the tail of a chunk for the next one', () => {
    const a = publish('t/a', 'x'.repeat(200), 1, 2); // 2-byte remaining length
    const b = publish('t/b', 'y', 0);
    const stream = Buffer.concat([a, b]);
    const r = new FrameReader();
    expect(r.push(stream.subarray(0, a.length + 1))).toEqual([a]);
    expect(r.buffered).toBe(1);
    expect(r.push(stream.subarray(a.length + 1))).toEqual([b]);
  });

  it('refuses a remaining length of more than 4 bytes and a packet over its limit', () => {
    expect(() => new FrameReader().push(Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x01]))).toThrow(FrameError);
    expect(() => new FrameReader(1024).push(publish('t', Buffer.alloc(2000), 0))).toThrow(FrameError);
  });
});

describe('packet fields', () => {
  it('reads a PUBLISH: QoS, DUP, topic, packet id, payload', () => {
    const f = publish('infusim/v1/s/u/p/events', '{"seq":9}', 1, 513);
    const p = parsePublish(f);
    expect(p).toMatchObject({ qos: 1, dup: false, retain: false, topic: 'infusim/v1/s/u/p/events', packetId: 513 });
    expect(p?.payload.toString()).toBe('{"seq":9}');
    const d = parsePublish(withDup(f));
    expect(d).toMatchObject({ qos: 1, dup: true, packetId: 513 });
    expect(f[0]).toBe(0x32); // the original is left as it was
    const q0 = parsePublish(publish('a/b', 'hi', 0));
    expect(q0).toMatchObject({ qos: 0, packetId: undefined });
    expect(q0?.payload.toString()).toBe('hi');
    expect(parsePublish(PINGREQ)).toBeUndefined();
  });

  it('reads a CONNECT\'s client id and builds a PUBACK', () => {
    expect(connectClientId(connect('pump.site.icu-1'))).toBe('pump.site.icu-1');
    expect(connectClientId(PINGREQ)).toBeUndefined();
    const a = puback(0x1234);
    expect(packetType(a)).toBe(4);
    expect([...a]).toEqual([0x40, 0x02, 0x12, 0x34]);
  });
});
