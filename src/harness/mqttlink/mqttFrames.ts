/**
 * MQTT 3.1.1 framing, just enough for the link proxy: split a TCP byte stream into control
 * packets, read a PUBLISH's flags, topic and payload, and a CONNECT's client id.
 *
 * A packet is a fixed header (one byte: packet type in the high nibble, flags in the low one),
 * then the "remaining length" in 1 to 4 bytes of 7 bits each, least significant first, the high
 * bit saying another byte follows (MQTT 3.1.1 §2.2.3), then that many bytes.
 */

export const PACKET_CONNECT = 1;
export const PACKET_PUBLISH = 3;
export const PACKET_PUBACK = 4;

/** The largest remaining length 4 bytes can encode (268,435,455). */
const MAX_REMAINING = 0x0fffffff;

export class FrameError extends Error {}

/**
 * Accumulates chunks and hands out whole packets, each as its own Buffer (header included).
 * A packet may span chunks and a chunk may hold many packets. Packets larger than `maxFrameBytes`
 * and a remaining length over 4 bytes are a FrameError (the connection is then closed).
 */
export class FrameReader {
  private buf: Buffer = Buffer.alloc(0);

  constructor(private readonly maxFrameBytes = 1 << 20) {}

  /** Bytes held that are not yet a whole packet. */
  get buffered(): number {
    return this.buf.length;
  }

  push(chunk: Buffer): Buffer[] {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    const out: Buffer[] = [];
    let at = 0;
    for (;;) {
      const h = readHeader(this.buf, at);
      if (!h) break;
      const total = h.headerBytes + h.remaining;
      if (total > this.maxFrameBytes) throw new FrameError(`MQTT packet of ${total} bytes is over the ${this.maxFrameBytes}-byte limit`);
      if (this.buf.length - at < total) break;
      out.push(Buffer.from(this.buf.subarray(at, at + total)));
      at += total;
    }
    this.buf = at === this.buf.length ? Buffer.alloc(0) : Buffer.from(this.buf.subarray(at));
    return out;
  }
}

/** The fixed header at `at`, or undefined while it is incomplete. */
function readHeader(b: Buffer, at: number): { headerBytes: number; remaining: number } | undefined {
  let remaining = 0;
  for (let i = 0; i < 4; i++) {
    const p = at + 1 + i;
    if (p >= b.length) return undefined;
    const byte = b[p] as number;
    remaining += (byte & 0x7f) * 128 ** i;
    if ((byte & 0x80) === 0) return { headerBytes: 2 + i, remaining };
  }
  throw new FrameError('MQTT remaining length longer than 4 bytes');
}

/** The remaining-length bytes for n (for building packets). */
export function encodeRemainingLength(n: number): Buffer {
  if (!Number.isInteger(n) || n < 0 || n > MAX_REMAINING) throw new RangeError(`remaining length ${n} out of range`);
  const out: number[] = [];
  do {
    let byte = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) byte |= 0x80;
    out.push(byte);
  } while (n > 0);
  return Buffer.from(out);
}

export function packetType(frame: Buffer): number {
  return (frame[0] as number) >> 4;
}

function headerBytes(frame: Buffer): number {
  let i = 1;
  while (((frame[i] as number) & 0x80) !== 0) i++;
  return i + 1;
}

export interface PublishInfo {
  qos: 0 | 1 | 2;
  dup: boolean;
  retain: boolean;
  topic: string;
  /** Present for QoS 1 and 2. */
  packetId: number | undefined;
  payload: Buffer;
}

/** A PUBLISH packet's fields (MQTT 3.1.1 §3.3), or undefined if the frame is not a well-formed PUBLISH. */
export function parsePublish(frame: Buffer): PublishInfo | undefined {
  if (packetType(frame) !== PACKET_PUBLISH) return undefined;
  const flags = (frame[0] as number) & 0x0f;
  const qos = (flags >> 1) & 0x03;
  if (qos === 3) return undefined;
  let p = headerBytes(frame);
  if (p + 2 > frame.length) return undefined;
  const topicLen = frame.readUInt16BE(p);
  p += 2;
  if (p + topicLen > frame.length) return undefined;
  const topic = frame.toString('utf8', p, p + topicLen);
  p += topicLen;
  let packetId: number | undefined;
  if (qos > 0) {
    if (p + 2 > frame.length) return undefined;
    packetId = frame.readUInt16BE(p);
    p += 2;
  }
  return { qos: qos as 0 | 1 | 2, dup: (flags & 0x08) !== 0, retain: (flags & 0x01) !== 0, topic, packetId, payload: frame.subarray(p) };
}

/** A copy of a PUBLISH frame with the DUP flag set (only meaningful for QoS > 0, [MQTT-3.3.1-2]). */
export function withDup(frame: Buffer): Buffer {
  const copy = Buffer.from(frame);
  copy[0] = (copy[0] as number) | 0x08;
  return copy;
}

/** PUBACK for a packet id (MQTT 3.1.1 §3.4). */
export function puback(packetId: number): Buffer {
  return Buffer.from([PACKET_PUBACK << 4, 2, packetId >> 8, packetId & 0xff]);
}

/** A CONNECT packet's client id (MQTT 3.1.1 §3.1.3.1), or undefined if the frame is not a well-formed CONNECT. */
export function connectClientId(frame: Buffer): string | undefined {
  if (packetType(frame) !== PACKET_CONNECT) return undefined;
  let p = headerBytes(frame);
  if (p + 2 > frame.length) return undefined;
  const nameLen = frame.readUInt16BE(p);
  // protocol name, level (1), flags (1), keep alive (2)
  p += 2 + nameLen + 4;
  if (p + 2 > frame.length) return undefined;
  const idLen = frame.readUInt16BE(p);
  p += 2;
  if (p + idLen > frame.length) return undefined;
  return frame.toString('utf8', p, p + idLen);
}
