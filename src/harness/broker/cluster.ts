/**
 * A broker cluster of the run's own (`--broker-nodes N`, docs/scale.md): N embedded aedes nodes,
 * each a child process (childProcessBroker.ts) on its own loopback port with the run's credentials
 * and access policy, sharing messages and state through one Redis (redisBacking.ts): Debian's
 * redis-server started for the run (redis.ts), or the one named by `--redis URL`.
 *
 * A node kill is a SIGKILL of its process: its clients' connections drop (no DISCONNECT), they
 * reconnect to another node (each client has every node in its server list, connections.ts) and
 * resume their sessions from Redis; QoS 1 messages queued for them there are delivered on the
 * other node. The dead node is not restarted.
 */
import { ChildProcessBroker } from './childProcessBroker.js';
import type { Credentials } from './credentials.js';
import { RedisProcess } from './redis.js';

export interface BrokerCluster {
  /** mqtt://127.0.0.1:port of each node, in node order. */
  urls: string[];
  redisUrl: string;
  /** The Redis the run started (undefined: given by --redis). */
  redis: RedisProcess | undefined;
  /** The process id of a node while it runs. */
  pid(node: number): number | undefined;
  /** SIGKILL one node's process (reported through onNodeDeath, like a death from outside). */
  killNode(node: number): void;
  /** Told when a node dies (whoever killed it). */
  onNodeDeath(f: (node: number, why: string) => void): void;
  close(): Promise<void>;
}

export interface ClusterOptions {
  nodes: number;
  /** An existing Redis (redis://host:port[/db]); default: redis-server started for the run. */
  redisUrl?: string | undefined;
  redisBin?: string | undefined;
}

export const MAX_BROKER_NODES = 16;

export async function startBrokerCluster(creds: Credentials, o: ClusterOptions): Promise<BrokerCluster> {
  if (!Number.isInteger(o.nodes) || o.nodes < 1 || o.nodes > MAX_BROKER_NODES) throw new RangeError(`a cluster has 1..${MAX_BROKER_NODES} broker nodes (got ${o.nodes})`);
  const redis = o.redisUrl === undefined ? await RedisProcess.start({ bin: o.redisBin }) : undefined;
  const redisUrl = o.redisUrl ?? (redis as RedisProcess).url;
  const nodes: ChildProcessBroker[] = [];
  const listeners: ((node: number, why: string) => void)[] = [];
  let closed = false;
  const close = async (): Promise<void> => {
    closed = true;
    await Promise.all(nodes.map((n) => n.close()));
    await redis?.close();
  };
  try {
    for (let i = 0; i < o.nodes; i++) {
      const n = new ChildProcessBroker(creds, '127.0.0.1', 'process', redisUrl);
      n.onUnplannedExit = (detail) => {
        if (closed) return;
        for (const l of listeners) l(i, `broker node ${i} (${n.url}): ${detail}`);
      };
      nodes.push(n);
      await n.start(0);
    }
  } catch (e) {
    await close();
    throw e;
  }
  if (redis) {
    redis.onUnexpectedExit = (why) => {
      if (!closed) for (const l of listeners) l(-1, `the cluster's Redis: ${why}`);
    };
  }
  const urls = nodes.map((n) => n.url);
  return {
    urls,
    redisUrl,
    redis,
    pid: (i) => nodes[i]?.pid,
    killNode: (i) => {
      const pid = nodes[i]?.pid;
      if (pid === undefined) throw new RangeError(`broker node ${i} is not running (nodes 0..${nodes.length - 1})`);
      process.kill(pid, 'SIGKILL');
    },
    onNodeDeath: (f) => listeners.push(f),
    close,
  };
}
