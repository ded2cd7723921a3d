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
import { AccessPolicy } from './acl.js';
import type { Identity } from './credentials.js';

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
  publishesDenied: number;
  subscriptionsDenied: number;
  restarts: number;
}

export class EmbeddedBroker {
  private broker: Aedes | undefined;
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private readonly identities = new WeakMap<Client, Identity>();
  private readonly persistence = memoryPersistence();
  private portValue = 0;
  readonly counters: BrokerCounters = { connectionsRefused: 0, takeoversRefused: 0, publishesDenied: 0, subscriptionsDenied: 0, restarts: 0 };
  /** Broker-side log of refusals (bounded). */
  readonly log: string[] = [];

  constructor(
    private readonly policy: AccessPolicy,
    private readonly host = '127.0.0.1',
    /** Told of every refusal (the child-process broker forwards them to its parent). */
    private readonly onRefusal?: (line: string, counter: keyof BrokerCounters) => void,
  ) {}

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

  /** Start listening; port 0 (the default) picks a free port, kept for restarts. */
  async start(port = this.portValue): Promise<void> {
    if (this.server) return;
    const broker = await Aedes.createBroker({
      persistence: this.persistence,
      heartbeatInterval: 60_000,
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
        done(null, true);
      },
      authorizePublish: (client, packet, done) => {
        const id = client ? this.identities.get(client) : undefined;
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
    const server = createServer((socket) => {
      this.sockets.add(socket);
      socket.setNoDelay(true); // no Nagle: the run waits for every message of an instant
      socket.on('close', () => this.sockets.delete(socket));
      socket.on('error', () => undefined);
      broker.handle(socket);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, this.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
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
  }

  private refuse(line: string, counter: keyof BrokerCounters): void {
    this.counters[counter]++;
    if (this.log.length < 1000) this.log.push(line);
    this.onRefusal?.(line, counter);
  }
}
