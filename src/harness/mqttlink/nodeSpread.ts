/**
 * Pumps spread over the nodes of a broker cluster (docs/scale.md): pump i of the fleet (the order
 * of the run's credentials, which is the scenario's) has node i mod N as its home, and the other
 * nodes as its failover list: mqtt.js tries the next server of the list at each reconnection, so a
 * pump whose node dies reconnects to the next node of its list and resumes its session there (the
 * cluster shares sessions). The other nodes come in turn after the home, the turn rotated by
 * floor(i / N): the pumps of a dead node spread evenly over the survivors, instead of all landing
 * on the node after it (which would hold twice its share of connections, and open files). The gateway's home is node 0: one gateway client is enough,
 * since the cluster carries every message to every node, and a second one under the gateway's
 * client id would take over its session (MQTT-3.1.4-2).
 */
import type { Credentials, Identity } from '../broker/credentials.js';

export interface ServerAddress {
  host: string;
  port: number;
  protocol: 'mqtt' | 'mqtts';
}

export function serverAddress(url: string): ServerAddress {
  const u = new URL(url);
  const protocol = u.protocol === 'mqtts:' ? 'mqtts' : 'mqtt';
  return { host: u.hostname, port: u.port ? Number(u.port) : protocol === 'mqtts' ? 8883 : 1883, protocol };
}

export class NodeSpread {
  private readonly servers: ServerAddress[];
  private readonly urls: readonly string[];
  private readonly pumpIndex = new Map<string, number>();

  constructor(
    urls: readonly string[],
    private readonly creds: Credentials,
  ) {
    if (urls.length === 0) throw new RangeError('a cluster has at least one node');
    this.servers = urls.map(serverAddress);
    this.urls = urls;
    let i = 0;
    for (const id of creds.pumps.keys()) this.pumpIndex.set(id, i++);
  }

  get nodes(): number {
    return this.servers.length;
  }

  /** The node a pump connects to first (by its index in the fleet). */
  homeOf(pumpIndex: number): number {
    return pumpIndex % this.servers.length;
  }

  /** Node indexes for the fleet's pump `index` (the gateway: 0, 1, 2, ...): its home, then the others in turn, from the one `turn` places after the next. */
  private order(home: number, turn: number): number[] {
    const n = this.servers.length;
    const others = n - 1;
    return [home, ...Array.from({ length: others }, (_, k) => (home + 1 + ((k + turn) % others)) % n)];
  }

  private orderOf(pumpIndex: number): number[] {
    return this.order(this.homeOf(pumpIndex), Math.floor(pumpIndex / this.servers.length));
  }

  /** A pump's node URLs, its home first (the link proxy's upstreams). */
  urlsFor(pumpId: string): string[] | undefined {
    const index = this.pumpIndex.get(pumpId);
    if (index === undefined) return undefined;
    return this.orderOf(index).map((k) => this.urls[k] as string);
  }

  /** An endpoint's server list: a pump's from its home node, the gateway's from node 0; undefined for anyone else (the run's first URL). */
  serversFor(identity: Identity): ServerAddress[] | undefined {
    if (identity.role === 'gateway' && identity.clientId === this.creds.gateway.clientId) return this.order(0, 0).map((k) => this.servers[k] as ServerAddress);
    const index = identity.role === 'pump' && identity.pump ? this.pumpIndex.get(identity.pump.pumpId) : undefined;
    return index === undefined ? undefined : this.orderOf(index).map((k) => this.servers[k] as ServerAddress);
  }
}

/** Connections' `serversFor` for a cluster's node URLs (undefined: one broker). */
export function nodeServers(urls: readonly string[] | undefined, creds: Credentials): ((identity: Identity) => ServerAddress[] | undefined) | undefined {
  if (!urls || urls.length < 2) return undefined;
  const spread = new NodeSpread(urls, creds);
  return (identity) => spread.serversFor(identity);
}

/** The link proxy's `upstreamsFor` for a cluster's node URLs (undefined: one broker). */
export function nodeUpstreams(urls: readonly string[] | undefined, creds: Credentials): ((pumpId: string) => string[] | undefined) | undefined {
  if (!urls || urls.length < 2) return undefined;
  const spread = new NodeSpread(urls, creds);
  return (pumpId) => spread.urlsFor(pumpId);
}
