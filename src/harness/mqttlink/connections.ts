/**
 * The MQTT link's connections (the connection side of mqttNetwork.ts): one mqtt.js client per
 * endpoint, a pump or the gateway, each with its own identity. The first connection of a run
 * starts a fresh session and later ones resume it; first connections of pumps attached together go
 * out in one bounded batch; a cut drops the TCP connection abruptly, so the broker publishes the
 * endpoint's last will. Each change is an op on the quiescence barrier's chain (the network's
 * caller puts it there), so virtual time waits for it.
 */
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import type { Identity } from '../broker/credentials.js';
import type { MqttStats } from './mqttStats.js';
import type { QuiescenceBarrier } from './quiescenceBarrier.js';
import type { LinkProxy } from './tcpProxy.js';
import type { ServerAddress } from './nodeSpread.js';

/** How many first connections a batch opens at once. */
const CONNECT_CONCURRENCY = 200;

export interface Endpoint {
  identity: Identity;
  client: MqttClient | undefined;
  /** Connected and subscribed. */
  ready: boolean;
  cut: boolean;
  filters: string[];
  onMessage: (topic: string, payload: Buffer) => void;
  will?: { topic: string; payload: string } | undefined;
  online?: { topic: string; payload: string } | undefined;
  connectedOnce?: boolean;
  /** Connects through the link proxy. */
  proxied?: boolean;
  /** Its next cut is a reconnect storm's (counted as such, not as a connection cut). */
  droppedByStorm?: boolean;
}

export interface ConnectionsOptions {
  /** The broker. */
  url: string;
  /** PEM CA certificate for mqtts://. */
  ca: Buffer | undefined;
  /** Wall time between reconnection attempts. */
  reconnectPeriodMs: number | undefined;
  /** The link proxy, once a pump connects through it (proxiedLinks.ts). */
  proxy: () => LinkProxy | undefined;
  barrier: QuiescenceBarrier;
  mqttStats: MqttStats;
  note: (line: string) => void;
  /** A broker cluster: an endpoint's nodes, its home first (nodeSpread.ts); undefined: `url` alone. */
  serversFor?: ((identity: Identity) => ServerAddress[] | undefined) | undefined;
}

export class Connections {
  /** Set when the network closes: nothing connects any more, and a wait for a connection ends. */
  closed = false;
  private batch: Endpoint[] | undefined;
  /** Every endpoint that has connected (a node death waits for them all, nodeDied). */
  private readonly known = new Set<Endpoint>();

  constructor(private readonly o: ConnectionsOptions) {}

  /**
   * First connections of the pumps attached together go out together, a bounded number at a time
   * (one op on the chain: still after whatever was asked for before, before whatever comes after),
   * so that a fleet of thousands connects in seconds rather than one pump after another.
   */
  connectInBatch(ep: Endpoint): void {
    if (!this.batch) {
      const batch: Endpoint[] = [];
      this.batch = batch;
      this.o.barrier.op(async () => {
        if (this.batch === batch) this.batch = undefined;
        let next = 0;
        const lane = async (): Promise<void> => {
          while (next < batch.length) await this.connect(batch[next++] as Endpoint);
        };
        await Promise.all(Array.from({ length: Math.min(CONNECT_CONCURRENCY, batch.length) }, lane));
      });
    }
    this.batch.push(ep);
  }

  private clientOptions(ep: Endpoint): IClientOptions {
    // A proxied pump talks plain TCP to the proxy on loopback; the proxy speaks TLS to an mqtts:// broker.
    const ca = ep.proxied ? undefined : this.o.ca;
    const id = ep.identity;
    // A proxied pump connects to the proxy, which takes the turns over the nodes itself (tcpProxy.ts).
    const servers = ep.proxied ? undefined : this.o.serversFor?.(id);
    return {
      ...(servers ? { servers } : {}),
      clientId: id.clientId,
      username: id.username,
      password: id.password,
      protocolVersion: 4,
      // The first connection of a run starts a fresh session (nothing left over from an earlier run);
      // afterwards the session persists (clean: false): QoS 1 messages queued while away come back.
      clean: true,
      resubscribe: false,
      reconnectPeriod: this.o.reconnectPeriodMs ?? 200,
      connectTimeout: 5000,
      keepalive: 30,
      ...(ca ? { ca } : {}),
      ...(ep.will ? { will: { topic: ep.will.topic, payload: Buffer.from(ep.will.payload), qos: 1 as const, retain: true } } : {}),
    };
  }

  async connect(ep: Endpoint): Promise<void> {
    if (this.closed) return;
    ep.cut = false;
    ep.ready = false;
    let url = this.o.url;
    const proxy = this.o.proxy();
    if (ep.proxied && proxy) {
      await proxy.listen();
      url = proxy.url;
    }
    const client = mqtt.connect(url, { ...this.clientOptions(ep), clean: !ep.connectedOnce });
    ep.connectedOnce = true;
    ep.client = client;
    this.known.add(ep);
    let first = true;
    client.on('connect', () => {
      // Nagle's algorithm with delayed ACKs would hold every small message ~40 ms.
      (client.stream as { setNoDelay?: (b: boolean) => void } | undefined)?.setNoDelay?.(true);
      if (!first) this.o.mqttStats.reconnects++;
      first = false;
      client.options.clean = false;
      void this.afterConnect(ep, client);
    });
    client.on('close', () => {
      ep.ready = false;
    });
    client.on('error', (e) => this.o.note(`${ep.identity.clientId}: ${e.message}`));
    client.on('message', (topic, payload) => ep.onMessage(topic, payload));
    await this.waitReady(ep);
  }

  private async afterConnect(ep: Endpoint, client: MqttClient): Promise<void> {
    try {
      const granted = await client.subscribeAsync(ep.filters, { qos: 1 });
      const refused = granted.filter((g) => g.qos === 128);
      if (refused.length > 0) this.o.note(`${ep.identity.clientId}: subscription refused for ${refused.map((g) => g.topic).join(', ')}`);
      if (ep.online) await client.publishAsync(ep.online.topic, ep.online.payload, { qos: 1, retain: true });
      if (ep.client === client && client.connected) ep.ready = true;
      this.wake();
    } catch (e) {
      this.o.note(`${ep.identity.clientId}: ${(e as Error).message}`);
    }
  }

  private readonly readyWaiters = new Set<() => void>();

  waitReady(ep: Endpoint, timeoutMs = 15_000): Promise<void> {
    if (ep.ready) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const check = (): void => {
        if (ep.ready || this.closed) done();
      };
      const t = setTimeout(() => {
        this.o.note(`${ep.identity.clientId}: not connected after ${timeoutMs} ms`);
        done();
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(t);
        this.readyWaiters.delete(check);
        resolve();
      };
      this.readyWaiters.add(check);
    });
  }

  /**
   * A broker node died (a cluster, clusterLink.ts): counted and noted, and one op on the barrier
   * that waits until every endpoint not cut is connected and subscribed again. Those of the dead
   * node reconnect to the next node on their own (their server list); the others never lost their
   * connection.
   */
  nodeDied(why: string, tMs: number): void {
    this.o.mqttStats.brokerNodeDeaths++;
    this.o.note(`broker node died at t=${tMs}: ${why}; its clients reconnect to the other nodes`);
    this.o.barrier.op(async () => {
      await Promise.all([...this.known].filter((e) => !e.cut && e.client).map((e) => this.waitReady(e)));
    });
  }

  private wake(): void {
    for (const f of [...this.readyWaiters]) f();
  }

  /** Cut a connection abruptly (no DISCONNECT, so the broker publishes the last will). */
  async cut(ep: Endpoint): Promise<void> {
    ep.cut = true;
    ep.ready = false;
    const c = ep.client;
    ep.client = undefined;
    const byStorm = ep.droppedByStorm === true;
    ep.droppedByStorm = false;
    if (!c) return;
    if (byStorm) this.o.mqttStats.stormDrops++;
    else this.o.mqttStats.connectionCuts++;
    c.stream?.destroy();
    await c.endAsync(true).catch(() => undefined);
  }

  async reconnect(ep: Endpoint): Promise<void> {
    if (ep.client && !ep.cut) return;
    this.o.mqttStats.reconnects++;
    await this.connect(ep);
  }
}
