/**
 * The embedded broker: aedes 1.x on 127.0.0.1, with the access policy as its hooks
 * (authenticate, authorizePublish, authorizeSubscribe). It can be killed and brought back on the
 * same port with the same persistence (sessions, queued QoS 1 messages, retained status), which
 * is how a broker outage is rehearsed.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { Readable } from 'node:stream';
import { Aedes, type AuthenticateError, type Client } from 'aedes';
import memoryPersistenceModule from 'aedes-persistence';
import { startOnReservedPort, type ReservedPort } from '../net/ports.js';
import { AccessPolicy } from './acl.js';
import type { Identity } from './credentials.js';
import type { SharedBacking } from './redisBacking.js';
import { MAX_PAYLOAD_BYTES } from '../contract/wire.js';

/**
 * A cluster node's clients keep no "duplicates" record. aedes 1.2 drops a message for a client
 * when its counter (numbered by the node it was published on) is not above the last one the client
 * got from that node (lib/client.js dedupe, meant for overlapping subscriptions), assuming the
 * messages of a node arrive in the order of their counters. Over Redis they do not: a QoS 1
 * message waits for the node to queue it for the persistent sessions subscribed to it (Redis round
 * trips) before it goes out, and a later QoS 0 message overtakes it. The gateway on a persistent
 * session lost QoS 1 events that way, silently, acknowledged to the pump (bench/cluster.mjs: 18 of
 * 300 with 600 pumps and no node kill). Without the record, a client with overlapping subscriptions
 * may get a message once per subscription, as MQTT 3.1.1 allows (3.3.5).
 */
const NEVER_A_DUPLICATE: object = new Proxy(Object.create(null) as object, { set: () => true, deleteProperty: () => true });

/** aedes-persistence is CommonJS (module.exports = factory); its types describe an ES default. */
const memoryPersistenceFactory = memoryPersistenceModule as unknown as () => object;

interface RetainedPacket {
  topic: string;
  payload: { length: number };
}
/** The part of aedes-persistence's callback interface that handles retained messages. */
interface RetainedPersistence {
  storeRetained(packet: RetainedPacket, cb?: (err?: Error | null) => void): unknown;
  createRetainedStream(pattern: string): Readable;
  createRetainedStreamCombi(patterns: string[]): Readable;
}

/**
 * aedes-persistence's in-memory store answers every subscription by testing the filter against
 * every retained message: each pump retains its status, so a fleet of N connecting pumps costs
 * O(N²) (10,000 pumps: minutes). Pumps subscribe to exact topics, so keep the retained messages
 * indexed by topic as well and answer filters without wildcards from that index; filters with
 * wildcards (the gateway's, an observer's) still go to the store.
 */
export function memoryPersistence(): object {
  const p = memoryPersistenceFactory() as RetainedPersistence;
  const byTopic = new Map<string, RetainedPacket>();
  const store = p.storeRetained.bind(p);
  const combi = p.createRetainedStreamCombi.bind(p);
  const single = p.createRetainedStream.bind(p);
  const exact = (f: string): boolean => !f.includes('+') && !f.includes('#');
  p.storeRetained = (packet, cb) => {
    if (packet.payload.length === 0) byTopic.delete(packet.topic);
    else byTopic.set(packet.topic, { ...packet });
    return store(packet, cb);
  };
  const lookup = (patterns: string[]): Readable => Readable.from(patterns.flatMap((t) => byTopic.get(t) ?? []));
  p.createRetainedStreamCombi = (patterns) => (patterns.every(exact) ? lookup(patterns) : combi(patterns));
  p.createRetainedStream = (pattern) => (exact(pattern) ? lookup([pattern]) : single(pattern));
  return p;
}

export interface BrokerCounters {
  connectionsRefused: number;
  /** CONNECTs refused because their client id is someone else's (they would have taken over its session). */
  takeoversRefused: number;
  /** Connections closed for a packet over its size limit (before login, or for the identity after it). */
  oversizeRefused: number;
  publishesDenied: number;
  subscriptionsDenied: number;
  restarts: number;
}

/**
 * Packet size limits (MQTT 3.1.1 §2.2.3: the remaining length says how big a packet is before any
 * of it arrives). Before login, a CONNECT: a few KiB (client id, user name, password, the pump's
 * last will). After it, by identity: an observer only subscribes; a pump's messages are small (a
 * few hundred bytes); the gateway (and an anonymous client of a legacy pump) sends commands and
 * update chunks up to the wire's 16 KiB payload bound. The limits after login sit above what the
 * receivers check (MAX_PAYLOAD_BYTES: a payload a little over it still reaches them, to be refused
 * and counted as malformed), but bound what one packet can make the broker hold. A bigger packet
 * closes the connection at its header, so the broker never buffers it (before: three
 * unauthenticated 200 MB CONNECTs took the run's process from 91 MB to 695 MB).
 */
export const MAX_PACKET_BEFORE_LOGIN_BYTES = 4 * 1024;
export function maxPacketBytes(id: Identity): number {
  if (id.role === 'observer' && id.username !== '') return 4 * 1024;
  if (id.role === 'pump') return 2 * MAX_PAYLOAD_BYTES;
  return 4 * MAX_PAYLOAD_BYTES; // the gateway, and anonymous clients
}

/**
 * Follows packet boundaries in a byte stream without keeping the bytes: for each packet, its fixed
 * header and remaining length, then how many of its bytes are still to come. Says which packet is
 * over a limit as soon as its header has arrived.
 */
export class PacketSizes {
  private header: number[] = [];
  private toSkip = 0;

  push(chunk: Buffer, limit: number): { type: number; bytes: number } | undefined {
    let at = 0;
    while (at < chunk.length) {
      if (this.toSkip > 0) {
        const n = Math.min(this.toSkip, chunk.length - at);
        this.toSkip -= n;
        at += n;
        continue;
      }
      this.header.push(chunk[at++] as number);
      if (this.header.length < 2) continue;
      const last = this.header[this.header.length - 1] as number;
      if ((last & 0x80) !== 0 && this.header.length < 5) continue;
      let remaining = 0;
      for (let i = 1; i < this.header.length; i++) remaining += ((this.header[i] as number) & 0x7f) * 128 ** (i - 1);
      const type = (this.header[0] as number) >> 4;
      const bytes = this.header.length + remaining;
      const malformed = (last & 0x80) !== 0; // a fifth length byte: not MQTT
      this.header = [];
      if (malformed || bytes > limit) return { type, bytes: malformed ? Infinity : bytes };
      this.toSkip = remaining;
    }
    return undefined;
  }
}

export class EmbeddedBroker {
  private broker: Aedes | undefined;
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private readonly identities = new WeakMap<Client, Identity>();
  private readonly persistence: object;
  private portValue = 0;
  private reserved: ReservedPort | undefined;
  readonly counters: BrokerCounters = { connectionsRefused: 0, takeoversRefused: 0, oversizeRefused: 0, publishesDenied: 0, subscriptionsDenied: 0, restarts: 0 };
  /** Broker-side log of refusals (bounded). */
  readonly log: string[] = [];

  constructor(
    private readonly policy: AccessPolicy,
    private readonly host = '127.0.0.1',
    /** Told of every refusal (the child-process broker forwards them to its parent). */
    private readonly onRefusal?: (line: string, counter: keyof BrokerCounters) => void,
    /** A node of a cluster: messages and persistence shared through Redis (redisBacking.ts); default: this broker's own, in memory. */
    private readonly backing?: SharedBacking,
  ) {
    this.persistence = backing?.persistence ?? memoryPersistence();
  }

  /** Open client connections. */
  get connections(): number {
    return this.sockets.size;
  }

  get port(): number {
    return this.portValue;
  }

  get url(): string {
    return `mqtt://${this.host}:${this.portValue}`;
  }

  get running(): boolean {
    return this.server !== undefined;
  }

  /**
   * Start listening; port 0 (the default) reserves a port below the OS's ephemeral range
   * (net/ports.ts), kept for restarts so that no reconnecting client can take it while the broker
   * is down.
   */
  async start(port = this.portValue): Promise<void> {
    if (this.server) return;
    if (port === 0) {
      const { reserved } = await startOnReservedPort((p) => this.listen(p), { host: this.host });
      this.reserved = reserved;
      return;
    }
    await this.listen(port);
  }

  private async listen(port: number): Promise<void> {
    const broker = await Aedes.createBroker({
      persistence: this.persistence,
      heartbeatInterval: this.backing?.heartbeatIntervalMs ?? 60_000,
      ...(this.backing ? { mq: this.backing.mq } : {}),
      authenticate: (client, username, password, done) => {
        const id = this.policy.authenticate(client.id, username ?? undefined, password?.toString());
        if (!id) {
          // A client id that is someone else's: refused before aedes would close that client's
          // connection for it (MQTT-3.1.4-2), so nobody takes over a session without its credentials.
          if (this.policy.refusal(client.id, username ?? undefined, password?.toString()) === 'takeover') {
            this.refuse(`client-id takeover refused: client "${client.id.slice(0, 128)}" user "${(username ?? '').slice(0, 128)}"`, 'takeoversRefused');
          } else this.refuse(`connect refused: client "${client.id.slice(0, 128)}" user "${(username ?? '').slice(0, 128)}"`, 'connectionsRefused');
          const e = new Error('bad user name or password') as AuthenticateError;
          e.returnCode = 4; // MQTT-3.2.2 CONNACK 0x04
          done(e, false);
          return;
        }
        this.identities.set(client, id);
        if (this.backing) (client as unknown as { duplicates: object }).duplicates = NEVER_A_DUPLICATE;
        done(null, true);
      },
      authorizePublish: (client, packet, done) => {
        // No client: the last will of a client of a dead cluster node, published by this node (aedes).
        const id = client ? this.identities.get(client) : this.backing ? this.policy.willOwner(packet.topic) : undefined;
        if (!id || !this.policy.mayPublish(id, packet.topic)) {
          this.refuse(`publish denied: client "${client?.id ?? '-'}" topic "${packet.topic}"`, 'publishesDenied');
          done(new Error('not authorised'));
          return;
        }
        done(null);
      },
      authorizeSubscribe: (client, sub, done) => {
        const id = this.identities.get(client);
        if (!id || !this.policy.maySubscribe(id, sub.topic)) {
          this.refuse(`subscribe denied: client "${client.id}" filter "${sub.topic}"`, 'subscriptionsDenied');
          done(null, null); // SUBACK 0x80 (MQTT-3.9.3)
          return;
        }
        done(null, sub);
      },
    });
    // An error of the broker itself (a cluster node: Redis unreachable while it publishes wills) is logged, not thrown.
    (broker as unknown as NodeJS.EventEmitter).on('error', (e: Error) => {
      if (this.log.length < 1000) this.log.push(`broker error: ${e.message}`);
    });
    const server = createServer((socket) => {
      this.sockets.add(socket);
      socket.setNoDelay(true); // no Nagle: the run waits for every message of an instant
      socket.on('close', () => this.sockets.delete(socket));
      socket.on('error', () => undefined);
      const client = broker.handle(socket);
      // After handle(): aedes reads with read() on 'readable', so this listener sees each chunk as
      // aedes takes it (it does not switch the socket to flowing mode).
      const sizes = new PacketSizes();
      socket.on('data', (chunk: Buffer) => {
        const id = this.identities.get(client);
        const limit = id ? maxPacketBytes(id) : MAX_PACKET_BEFORE_LOGIN_BYTES;
        const over = sizes.push(chunk, limit);
        if (over === undefined || socket.destroyed) return;
        this.refuse(`oversize packet refused: client "${(client.id ?? '').slice(0, 128)}" ${id ? `(${id.role})` : '(not logged in)'}: type ${over.type}, ${over.bytes} bytes over ${limit}`, 'oversizeRefused');
        socket.destroy();
      });
    });
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, this.host, () => {
          server.off('error', reject);
          resolve();
        });
      });
    } catch (e) {
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      throw e;
    }
    const addr = server.address();
    this.portValue = typeof addr === 'object' && addr ? addr.port : port;
    this.broker = broker;
    this.server = server;
  }

  /** Kill the broker: every connection is cut at once (no DISCONNECT), the persistence is kept. */
  async stop(): Promise<void> {
    const server = this.server;
    const broker = this.broker;
    this.server = undefined;
    this.broker = undefined;
    if (!server || !broker) return;
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await new Promise<void>((resolve) => broker.close(() => resolve()));
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start(this.portValue);
    this.counters.restarts++;
  }

  /** Stop for good. */
  async close(): Promise<void> {
    await this.stop();
    this.reserved?.release();
    this.reserved = undefined;
  }

  private refuse(line: string, counter: keyof BrokerCounters): void {
    this.counters[counter]++;
    if (this.log.length < 1000) this.log.push(line);
    this.onRefusal?.(line, counter);
  }
}
