/**
 * A run over a broker cluster (docs/scale.md): the run's own aedes nodes over Redis
 * (`--broker-nodes N`, broker/cluster.ts) or someone else's cluster by its node URLs
 * (`--broker url1,url2,...`). Pumps spread over the nodes and fail over to the next one
 * (nodeSpread.ts); a node kill (`--kill-node k@time`) SIGKILLs one of the run's nodes at a virtual
 * instant, and the run waits until its clients are back on the other nodes.
 */
import { startBrokerCluster, type BrokerCluster } from '../broker/cluster.js';
import type { Credentials } from '../broker/credentials.js';
import type { World } from '../world/world.js';
import type { MqttNetwork } from './mqttNetwork.js';

/** Kill node `node` of the run's cluster at `atMs` of virtual time. */
export interface NodeKill {
  node: number;
  atMs: number;
}

export interface ClusterTransport {
  /** Start this many aedes nodes over Redis for the run. */
  brokerNodes?: number | undefined;
  /** The Redis the nodes share (redis://host:port[/db]); default: redis-server started for the run. */
  redisUrl?: string | undefined;
  /** An external cluster: its nodes' URLs (pumps spread over them). */
  brokerUrls?: readonly string[] | undefined;
  nodeKills?: readonly NodeKill[] | undefined;
}

export interface RunCluster {
  /** The nodes' URLs, or undefined: no cluster. */
  urls: readonly string[] | undefined;
  /** The run's own cluster (--broker-nodes). */
  own: BrokerCluster | undefined;
  name: string | undefined;
}

export async function startClusterFor(creds: Credentials, t: ClusterTransport): Promise<RunCluster> {
  if (t.brokerNodes !== undefined) {
    for (const k of t.nodeKills ?? []) {
      if (!Number.isInteger(k.node) || k.node < 0 || k.node >= t.brokerNodes) throw new RangeError(`node kill: the cluster has nodes 0..${t.brokerNodes - 1} (got ${k.node})`);
    }
    const own = await startBrokerCluster(creds, { nodes: t.brokerNodes, redisUrl: t.redisUrl });
    return { urls: own.urls, own, name: `aedes cluster (${own.urls.length} node(s), Redis ${own.redisUrl}${own.redis ? ', started for the run' : ''})` };
  }
  if (t.nodeKills?.length) throw new RangeError('a node kill needs the run\'s own cluster (--broker-nodes N)');
  if (t.brokerUrls && t.brokerUrls.length > 1) return { urls: t.brokerUrls, own: undefined, name: `external cluster (${t.brokerUrls.length} nodes)` };
  return { urls: t.brokerUrls, own: undefined, name: undefined };
}

/** Node deaths reach the network (counted, noted, waited for); node kills (checked by startClusterFor) are scheduled on the world. */
export function wireCluster(world: World, network: MqttNetwork, c: RunCluster, kills: readonly NodeKill[] = []): void {
  const own = c.own;
  if (!own) return;
  // node -1: the Redis the run started died (docs/scale.md, "A Redis kill"): said, not waited for.
  own.onNodeDeath((node, why) => (node < 0 ? network.note(`${why} at t=${world.nowMs}: the nodes have lost their shared state`) : network.connections.nodeDied(why, world.nowMs)));
  for (const k of kills) world.at(k.atMs, () => own.killNode(k.node));
}
