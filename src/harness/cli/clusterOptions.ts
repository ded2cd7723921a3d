/**
 * The command-line side of a broker cluster (docs/scale.md): `infusim run --broker-nodes N`
 * starts N aedes nodes over Redis (Debian's redis-server, or `--redis URL`), `--kill-node k@time`
 * kills node k at that virtual time; `--broker url1,url2,...` names an external cluster's nodes.
 */
import { InvalidArgumentError, type Command } from 'commander';
import { MAX_BROKER_NODES } from '../broker/cluster.js';
import { findRedisServer, REDIS_PACKAGE_HINT } from '../broker/redis.js';
import { redisOptions } from '../broker/redisUrl.js';
import type { NodeKill } from '../mqttlink/clusterLink.js';
import type { MqttTransport } from '../mqttlink/transport.js';
import { parseIndexAtTime } from './indexAtTime.js';

export interface ClusterFlags {
  brokerNodes?: number;
  redis?: string;
  killNode?: NodeKill[];
}

export function parseBrokerNodes(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > MAX_BROKER_NODES) throw new InvalidArgumentError(`a cluster has 1..${MAX_BROKER_NODES} broker nodes (got "${text}")`);
  return n;
}

export function parseRedisUrl(text: string): string {
  try {
    redisOptions(text);
  } catch (e) {
    throw new InvalidArgumentError(`--redis is a URL like redis://127.0.0.1:6379 (${(e as Error).message})`);
  }
  return text;
}

/** `k@time`: node k (from 0) at a virtual time (30m, 1h, ...); repeatable. */
export function parseNodeKill(text: string, before: NodeKill[] = []): NodeKill[] {
  const { index, atMs } = parseIndexAtTime('--kill-node', 'node@time, e.g. 1@30m', 0, text);
  return [...before, { node: index, atMs }];
}

export function addClusterFlags(cmd: Command): Command {
  return cmd
    .option('--broker-nodes <n>', `start a broker cluster for the run: n aedes nodes (child processes, 1..${MAX_BROKER_NODES}) sharing messages and sessions through Redis; pumps spread over the nodes (docs/scale.md)`, parseBrokerNodes)
    .option('--redis <url>', "the Redis the --broker-nodes share (redis://host:port[/db]); default: Debian's redis-server started for the run", parseRedisUrl)
    .option('--kill-node <node@time>', 'kill one node of the --broker-nodes cluster at a virtual time, e.g. 1@30m (repeatable)', parseNodeKill);
}

/** Put the cluster flags on the run's MQTT transport, or say what is wrong. */
export function applyClusterFlags(f: ClusterFlags & { broker?: string; brokerPort?: number; mosquitto?: string | boolean }, t: MqttTransport): string | undefined {
  if (f.brokerNodes === undefined) {
    if (f.redis !== undefined) return '--redis goes with --broker-nodes N (the nodes share it)';
    if (f.killNode !== undefined) return '--kill-node kills a node of the run\'s own cluster: start one with --broker-nodes N';
    return undefined;
  }
  if (f.broker !== undefined) return '--broker-nodes starts the run\'s own cluster; --broker names someone else\'s: one or the other';
  if (f.mosquitto !== undefined && f.mosquitto !== false) return '--broker-nodes and --mosquitto both start the run\'s broker: one or the other';
  if (f.brokerPort !== undefined) return '--broker-port is for a single broker; the nodes of --broker-nodes take free ports';
  for (const k of f.killNode ?? []) if (k.node >= f.brokerNodes) return `--kill-node ${k.node}@...: the cluster has nodes 0..${f.brokerNodes - 1}`;
  if (f.redis === undefined && findRedisServer() === undefined) return `--broker-nodes: redis-server is not installed: ${REDIS_PACKAGE_HINT}`;
  Object.assign(t, { brokerNodes: f.brokerNodes, redisUrl: f.redis, nodeKills: f.killNode });
  return undefined;
}
