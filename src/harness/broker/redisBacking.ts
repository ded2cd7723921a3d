/**
 * What an aedes node of a cluster shares with the others through Redis (docs/scale.md):
 * `mqemitter-redis` carries every message to every node (each delivers it to its own clients), and
 * `aedes-persistence-redis` keeps sessions, subscriptions, QoS 1 messages queued for offline
 * clients, retained messages and last wills. Both are CommonJS without types for the persistence:
 * loaded through require.
 */
import { createRequire } from 'node:module';
import { Redis } from 'ioredis';
import { redisOptions } from './redisUrl.js';

const require = createRequire(import.meta.url);

/** How often a cluster node says it is alive; a node silent for 3 of these is dead, and another node publishes its clients' last wills (aedes). */
export const CLUSTER_HEARTBEAT_MS = 2000;

export interface SharedBacking {
  persistence: object;
  mq: object;
  heartbeatIntervalMs: number;
}

interface Sub {
  topic: string;
}
/** The part of aedes-persistence's interface that stores a client's subscriptions. */
interface SubscriptionStore {
  addSubscriptions(client: { id: string }, subs: Sub[], cb?: (err?: Error | null) => void): Promise<unknown> | undefined;
}

/**
 * aedes 1.2 stores a SUBSCRIBE's subscriptions once per filter in it, each time the whole list
 * (lib/handlers/subscribe.js, storeSubscriptions), and aedes-persistence's broadcast waits for
 * its own `$SYS/sub/add` message under the key client id + first filter, one waiter per key
 * (broadcastPersistence.js): the second call replaces the first's waiter, which never resolves,
 * so a persistent session's SUBSCRIBE of two filters or more never got its SUBACK over Redis.
 * Calls with the same list share one store; a different list under the same key waits for the
 * one before it.
 */
export function oneStorePerSubscribe(p: SubscriptionStore): void {
  const add = p.addSubscriptions.bind(p);
  const inFlight = new Map<string, { list: string; done: Promise<unknown> }>();
  p.addSubscriptions = (client, subs, cb) => {
    if (cb) return add(client, subs, cb);
    const key = `${client.id}\u0000${subs[0]?.topic ?? ''}`;
    const list = subs.map((s) => s.topic).join('\u0000');
    const before = inFlight.get(key);
    if (before?.list === list) return before.done;
    const done = (before ? before.done.catch(() => undefined) : Promise.resolve()).then(() => add(client, subs));
    const entry = { list, done };
    inFlight.set(key, entry);
    const forget = (): void => {
      if (inFlight.get(key) === entry) inFlight.delete(key);
    };
    done.then(forget, forget);
    return done;
  };
}

interface WillPacket {
  clientId: string;
  brokerId: string;
}
/** The part of aedes-persistence's interface that holds last wills (one per client and node). */
interface WillStore {
  streamWill(brokers?: Record<string, number>): AsyncIterable<WillPacket>;
  delWill(client: { id: string; brokerId: string }): Promise<unknown>;
}

/**
 * aedes-persistence-redis keeps a last will per node and client (`will:<node id>:<client id>`,
 * its own key format, asyncPersistence.js willKey in 11.2.2). When a node dies, another node
 * publishes the wills of the dead node's clients once the node has missed 3 heartbeats, even for
 * a client that has reconnected to a live node meanwhile (aedes checks only its own clients): a
 * pump that moved had its retained `offline` status published after its `online` one, and stayed
 * `offline` (docs/scale.md). A will whose client has a will on a live node (it connected there
 * since, with a will) is now dropped instead of published. Returns how many were dropped so far.
 */
export function noStaleWills(p: WillStore, conn: Pick<Redis, 'exists'>): () => number {
  const stream = p.streamWill.bind(p);
  let dropped = 0;
  p.streamWill = (brokers) =>
    (async function* () {
      const live = Object.keys(brokers ?? {});
      for await (const will of stream(brokers)) {
        const keys = live.filter((b) => b !== will.brokerId).map((b) => `will:${b}:${encodeURIComponent(will.clientId)}`);
        if (keys.length > 0 && (await conn.exists(...keys)) > 0) {
          dropped++;
          await p.delWill({ id: will.clientId, brokerId: will.brokerId });
          continue;
        }
        yield will;
      }
    })();
  return () => dropped;
}

export function redisBacking(url: string, onRedisError?: (line: string) => void): SharedBacking {
  const opts = redisOptions(url);
  const persistenceFactory = require('aedes-persistence-redis') as (o: object) => SubscriptionStore & WillStore;
  const mqFactory = require('mqemitter-redis') as (o: object) => { state: NodeJS.EventEmitter };
  // Redis unreachable: mqemitter-redis emits 'error' on `state`, which without a listener ended the
  // node's process (a Redis kill took every node down), and the persistence's connection printed
  // every failed reconnection. Said once per outage; ioredis reconnects on its own.
  let told = false;
  const tell = (e: Error): void => {
    if (told) return;
    told = true;
    onRedisError?.(`Redis ${opts.host}:${opts.port}: ${e.message}`);
  };
  const conn = new Redis(opts);
  conn.on('error', tell);
  conn.on('ready', () => {
    told = false;
  });
  const persistence = persistenceFactory({ conn });
  oneStorePerSubscribe(persistence);
  noStaleWills(persistence, conn);
  const mq = mqFactory({ ...opts });
  mq.state.on('error', tell);
  return { persistence, mq, heartbeatIntervalMs: CLUSTER_HEARTBEAT_MS };
}
