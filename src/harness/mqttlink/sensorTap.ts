/**
 * A passive network sensor on a segment's way to the broker (docs/monitoring.md, Over MQTT): a
 * TCP forwarder on 127.0.0.1 per segment that passes every byte on at once, unchanged and in
 * order, both ways, and reads what crosses it as an intrusion-detection sensor with an MQTT
 * dissector would on plain MQTT: each connection's CONNECT (client id, user name), each PUBLISH
 * the client sends (topic, payload), and the broker's CONNACK (accepted or refused). It sees what
 * was sent, including what the broker then refuses. It never changes, holds or drops anything.
 */
import net from 'node:net';
import { connectClientId, FrameReader, packetType, parsePublish, PACKET_CONNECT, type PublishInfo } from './mqttFrames.js';

const PACKET_CONNACK = 2;
/** How long a closing socket may take to flush before it is destroyed. */
const CLOSE_GRACE_MS = 1000;

export interface SensorHooks {
  connect(segment: string, clientId: string, username: string | undefined): void;
  publish(segment: string, clientId: string, pub: PublishInfo): void;
  connack(segment: string, clientId: string, accepted: boolean): void;
}

/** The user name of a CONNECT (MQTT 3.1.1 §3.1.3.4), when its flags say it has one. */
export function connectUsername(frame: Buffer): string | undefined {
  let p = 1;
  while (((frame[p] as number) & 0x80) !== 0) p++;
  p++;
  if (p + 2 > frame.length) return undefined;
  p += 2 + frame.readUInt16BE(p);
  const flags = frame[p + 1] as number;
  p += 4; // level, flags, keep alive
  const field = (): string | undefined => {
    if (p + 2 > frame.length) return undefined;
    const n = frame.readUInt16BE(p);
    const s = frame.toString('utf8', p + 2, p + 2 + n);
    p += 2 + n;
    return s;
  };
  field(); // client id
  if (flags & 0x04) {
    field(); // will topic
    field(); // will message
  }
  return flags & 0x80 ? field() : undefined;
}

export class SensorTaps {
  private readonly servers = new Map<string, Promise<net.Server>>();
  private readonly sockets = new Set<net.Socket>();

  constructor(
    private readonly broker: { host: string; port: number },
    private readonly hooks: SensorHooks,
    private readonly log: (line: string) => void,
  ) {}

  /** mqtt://127.0.0.1:<port> of the sensor on this segment's way to the broker (listening from the first call). */
  async url(segment: string): Promise<string> {
    let s = this.servers.get(segment);
    if (!s) {
      s = new Promise<net.Server>((resolve, reject) => {
        const server = net.createServer({ noDelay: true }, (c) => this.accept(segment, c));
        server.once('error', reject);
        server.listen(0, '127.0.0.1', () => {
          server.off('error', reject);
          resolve(server);
        });
      });
      this.servers.set(segment, s);
    }
    const a = (await s).address();
    if (!a || typeof a === 'string') throw new Error('sensor tap is not listening');
    return `mqtt://127.0.0.1:${a.port}`;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await Promise.all([...this.servers.values()].map(async (p) => {
      const server = await p;
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }));
  }

  private accept(segment: string, client: net.Socket): void {
    const broker = net.connect(this.broker);
    this.sockets.add(client);
    this.sockets.add(broker);
    let clientId = '';
    const up = new FrameReader();
    const down = new FrameReader();
    const read = (reader: FrameReader, chunk: Buffer, dir: 'up' | 'down'): void => {
      let frames: Buffer[];
      try {
        frames = reader.push(chunk);
      } catch (e) {
        this.log(`sensor (${segment}): ${(e as Error).message}`);
        return;
      }
      for (const f of frames) {
        const type = packetType(f);
        if (dir === 'up' && type === PACKET_CONNECT) {
          clientId = connectClientId(f) ?? '';
          this.hooks.connect(segment, clientId, connectUsername(f));
        } else if (dir === 'up') {
          const pub = parsePublish(f);
          if (pub) this.hooks.publish(segment, clientId, pub);
        } else if (type === PACKET_CONNACK && f.length >= 4) {
          this.hooks.connack(segment, clientId, f[3] === 0);
        }
      }
    };
    // Read, then pass on unchanged: the broker gets the bytes after the sensor has seen them.
    client.on('data', (chunk: Buffer) => {
      read(up, chunk, 'up');
      broker.write(chunk);
    });
    broker.on('data', (chunk: Buffer) => {
      read(down, chunk, 'down');
      client.write(chunk);
    });
    const shut = (): void => {
      for (const s of [client, broker]) {
        this.sockets.delete(s);
        if (s.destroyed) continue;
        s.end();
        setTimeout(() => s.destroy(), CLOSE_GRACE_MS).unref();
      }
    };
    for (const s of [client, broker]) {
      s.setNoDelay(true);
      s.on('close', shut);
      s.on('error', shut);
    }
  }
}
