/**
 * Link conditions on real connections (the link-proxy side of mqttNetwork.ts): a pump whose link
 * can have latency, jitter, loss, duplication or reordering connects through the link proxy
 * (`tcpProxy.ts`), which drops, duplicates or holds its PUBLISH frames on the virtual clock
 * (`onProxiedPublish`). A held frame is not in flight: it is a world event at its due instant,
 * tracked again when it is written.
 */
import type { LinkConditions, NetworkStatsCounters } from '../link/network.js';
import type { World } from '../world/world.js';
import { LinkProxy, type ProxiedConnection } from './tcpProxy.js';
import { hasConditions, newLinkShapeState, planTransmission, type Direction, type LinkShapeState } from './messageShaping.js';
import { puback, withDup, type PublishInfo } from './mqttFrames.js';
import type { MqttStats } from './mqttStats.js';
import type { QuiescenceBarrier } from './quiescenceBarrier.js';
import { parseTopic } from '../contract/topics.js';
import { DEFAULT_LINK_PROXY_MAX_PUMPS } from './fdBudget.js';

// At most this many pumps connect through the link proxy when no limit is given: a proxied
// connection holds two more descriptors in this process (fdBudget.ts works out the run's own).
export { DEFAULT_LINK_PROXY_MAX_PUMPS } from './fdBudget.js';

export interface ProxiedLinksOptions {
  /** The broker the proxy connects to. */
  url: string;
  ca: Buffer | undefined;
  linkDefaults: LinkConditions;
  /** The pumps whose link can have conditions during the run (MqttNetworkOptions.linkPumps). */
  linkPumps?: ReadonlySet<string> | undefined;
  linkProxyMaxPumps?: number | undefined;
  externalGateway?: boolean | undefined;
  /** A broker cluster: a pump's nodes, its home first (nodeSpread.ts); the proxy connects to them in turn. */
  upstreamsFor?: ((pumpId: string) => readonly string[] | undefined) | undefined;
}

/** What the proxied links need from the network that owns them. */
export interface ProxiedLinksHost {
  world: World;
  barrier: QuiescenceBarrier;
  mqttStats: MqttStats;
  stats: NetworkStatsCounters;
  /** Whether the network runs this pump. */
  hasPump(pumpId: string): boolean;
  conditions(pumpId: string): LinkConditions;
  /** Whether a frame toward the gateway would still find it (the pump reaches it and it is connected). */
  gatewayOpen(pumpId: string): boolean;
  /** While this gives a promise, a proxied pump's new connection waits for it (restartGate.ts). */
  admission(): Promise<void> | undefined;
  note(line: string): void;
}

export class ProxiedLinks {
  /** Seed of the per-pump link streams (messageShaping.ts). */
  private readonly linkSeed: number;
  private linkProxy: LinkProxy | undefined;
  /** Client id → pump, for the proxied pumps. */
  private readonly proxiedClients = new Map<string, string>();
  private readonly shapes = new Map<string, LinkShapeState>();
  /** The connection each shape's FIFO order belongs to. */
  private readonly shapeConnections = new Map<string, ProxiedConnection>();

  constructor(
    seed: number,
    private readonly o: ProxiedLinksOptions,
    private readonly h: ProxiedLinksHost,
  ) {
    this.linkSeed = (seed ^ 0x5bd1e995) >>> 0;
  }

  /** The link proxy, once a pump connects through it. */
  get proxy(): LinkProxy | undefined {
    return this.linkProxy;
  }

  /**
   * Whether this pump connects through the link proxy (decided once, when it is attached); if it
   * does, the proxy knows it by its client id.
   */
  attach(pumpId: string, clientId: string): boolean {
    const proxied = this.takesProxy(pumpId);
    if (proxied) this.proxiedClients.set(clientId, pumpId);
    return proxied;
  }

  private takesProxy(pumpId: string): boolean {
    const wants = this.o.linkPumps ? this.o.linkPumps.has(pumpId) : hasConditions(this.o.linkDefaults);
    if (!wants) return false;
    const max = this.o.linkProxyMaxPumps ?? DEFAULT_LINK_PROXY_MAX_PUMPS;
    if (this.h.mqttStats.linkProxyPumps >= max) {
      if (this.h.mqttStats.linkProxyOverLimit++ === 0) this.h.note(`link proxy: more than ${max} pumps with link conditions; the others connect directly and their link conditions are not applied`);
      return false;
    }
    this.h.mqttStats.linkProxyPumps++;
    this.linkProxy ??= new LinkProxy(
      { upstreamUrl: this.o.url, upstreamsFor: this.o.upstreamsFor, ca: this.o.ca, log: (l) => this.h.note(l) },
      { pumpOf: (clientId) => this.proxiedClients.get(clientId), onPublish: (c, dir, frame, pub) => this.onProxiedPublish(c, dir, frame, pub), admission: () => this.h.admission() },
    );
    return true;
  }

  /**
   * A PUBLISH on a proxied pump's link, in virtual time: the pump's current conditions decide
   * whether it is dropped, written twice or held until its due instant. Presence (`status`) passes
   * as it is. A tracked message that is held leaves the in-flight count (the barrier must not wait
   * for it) and comes back into it when it is written; a dropped one leaves it and counts as lost;
   * a duplicate is one more message in flight.
   */
  private onProxiedPublish(conn: ProxiedConnection, dir: Direction, frame: Buffer, pub: PublishInfo): boolean {
    const t = parseTopic(pub.topic);
    const pumpId = conn.pumpId;
    if (!t || t.leaf === 'status' || !this.h.hasPump(pumpId)) return false;
    const key = this.h.barrier.key(pub.topic, pub.payload.toString());
    const tracked = this.h.barrier.isTracked(key);
    // An untracked PUBLISH in a run that tracks everything it sends is a retransmission by the
    // MQTT layer itself: mqtt.js resends its unacknowledged QoS 1 messages on reconnection, one at
    // a time, and reports the connection up only when each has its PUBACK; a broker resends the
    // session's messages. Holding or dropping those would stall the reconnection behind the
    // virtual clock, which waits for it. They pass as they are (the receiver drops the copy).
    if (!tracked && !this.o.externalGateway) return false;
    const shapeKey = `${dir}:${pumpId}`;
    let shape = this.shapes.get(shapeKey);
    if (!shape) this.shapes.set(shapeKey, (shape = newLinkShapeState(this.linkSeed, pumpId, dir)));
    // A link is FIFO within one connection; a new connection owes nothing to a frame still held
    // for the old one (which is lost with it).
    if (this.shapeConnections.get(shapeKey) !== conn) {
      this.shapeConnections.set(shapeKey, conn);
      shape.lastMs = 0;
    }
    const plan = planTransmission(this.h.conditions(pumpId), shape, this.h.world.nowMs);
    if (plan.lost) {
      this.h.mqttStats.framesDropped++;
      this.h.stats.lost++;
      // The proxy acknowledges a dropped QoS 1 message to its sender, as if it were lost past the
      // broker: toward the pump, so that a broker with a bounded in-flight window (mosquitto's
      // max_inflight_messages) keeps delivering; toward the broker, so that the pump's client does
      // not keep it (mqtt.js would hold its reconnection until every kept message is acknowledged).
      // The pump's outbox resends an event that was never acknowledged by the gateway.
      if (pub.qos === 1 && pub.packetId !== undefined) conn.send(dir === 'down' ? 'up' : 'down', puback(pub.packetId));
      if (tracked) this.h.barrier.untrackKey(key);
      return true;
    }
    if (plan.dueMs.length > 1) {
      this.h.mqttStats.framesDuplicated++;
      this.h.stats.duplicated++;
    }
    plan.dueMs.forEach((dueMs, i) => {
      const copy = i > 0 && pub.qos > 0 ? withDup(frame) : frame;
      if (dueMs <= this.h.world.nowMs) {
        if (tracked) this.h.barrier.trackKey(key);
        conn.send(dir, copy);
        return;
      }
      this.h.mqttStats.framesDelayed++;
      this.h.world.at(dueMs, () => this.writeHeld(conn, dir, copy, key, tracked));
    });
    if (tracked) this.h.barrier.untrackKey(key);
    return true;
  }

  /** A held frame at its due instant: written (and in flight again), or lost with its connection. */
  private writeHeld(conn: ProxiedConnection, dir: Direction, frame: Buffer, key: string, tracked: boolean): void {
    // Toward the gateway, a frame must still find it (a cut gateway would get it only much later).
    const open = dir === 'down' || this.o.externalGateway || this.h.gatewayOpen(conn.pumpId);
    if (!conn.alive || !open) {
      this.h.stats.lost++;
      return;
    }
    if (tracked) this.h.barrier.trackKey(key);
    if (!conn.send(dir, frame) && tracked) this.h.barrier.untrackKey(key);
  }
}
