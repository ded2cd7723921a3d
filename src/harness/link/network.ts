/**
 * The in-process network between pumps and the gateway: per-pump link conditions (latency,
 * jitter, random and bursty loss, duplication, reordering), partitions of a pump, a segment or
 * the gateway, gateway outages and reconnect storms. Delivery is scheduled on the world's virtual clock; random
 * choices come from the run's seed.
 */
import { Prng } from '../../sim/time/prng.js';
import { loseNext } from './lossModel.js';
import { Timer, type World } from '../world/world.js';
import type { DownMessage, UpMessage } from './messages.js';
import type { ReachRules } from './reach.js';

export interface LinkConditions {
  latencyMs: number;
  jitterMs: number;
  lossRate: number;
  /** Gilbert-Elliott bursts: losses come in runs (mean burst length about 5 messages). */
  burstLoss: boolean;
  duplicateRate: number;
  reorderRate: number;
}

/** How long a pump's client waits before it reconnects after a reconnect storm dropped it. */
export interface ReconnectBackoff {
  /** Every pump waits at least this long. */
  backoffMs: number;
  /** Plus a seeded draw in [0, jitterMs), each pump its own. */
  jitterMs: number;
}

/**
 * A passive sensor on the network (src/harness/monitor): it sees every message as it is sent, with
 * the client id of the connection that sent it and that client's segment, and every connection
 * that drops (`link`: a pump id, or `segment:<id>`). It changes nothing and draws nothing.
 */
export interface WireTap {
  message(dir: 'up' | 'down', m: UpMessage | DownMessage, clientId: string, fromSegment: string): void;
  link(target: string, down: boolean): void;
  /** A client connects (seen over MQTT by a sensor on the segment's way to the broker: mqttlink/mqttSensor.ts). */
  connect?(clientId: string, fromSegment: string): void;
}

export interface NetworkStatsCounters {
  sent: number;
  delivered: number;
  lost: number;
  duplicated: number;
}

interface LinkState {
  segment: string;
  /** Last scheduled delivery per direction: a link is FIFO (as TCP is) unless a message is reordered. */
  lastUpMs: number;
  lastDownMs: number;
  conditions: LinkConditions;
  partitioned: number;
  burstBad: boolean;
  /** The pump's handler of messages down. */
  handler: (m: DownMessage) => void;
}

export class Network {
  private readonly links = new Map<string, LinkState>();
  private readonly segmentDown = new Map<string, number>();
  private gatewayDownCount = 0;
  private readonly prng: Prng;
  readonly stats: NetworkStatsCounters = { sent: 0, delivered: 0, lost: 0, duplicated: 0 };
  private toGateway: (m: UpMessage) => void = () => undefined;
  /** The traffic monitor, when the scenario has one (docs/monitoring.md). */
  tap: WireTap | undefined;

  constructor(
    private readonly world: World,
    seed: number,
    private readonly defaults: LinkConditions,
  ) {
    this.prng = new Prng(seed);
  }

  attachGateway(handler: (m: UpMessage) => void): void {
    this.toGateway = handler;
  }

  attachPump(pumpId: string, segment: string, handler: (m: DownMessage) => void): void {
    this.links.set(pumpId, { segment, lastUpMs: 0, lastDownMs: 0, conditions: { ...this.defaults }, partitioned: 0, burstBad: false, handler });
  }

  /** A pump that another process of this run runs (a shard, run/workers.ts): its link state only, for the gateway's side of it. */
  attachRemotePump(pumpId: string, segment: string): void {
    this.links.set(pumpId, { segment, lastUpMs: 0, lastDownMs: 0, conditions: { ...this.defaults }, partitioned: 0, burstBad: false, handler: () => undefined });
  }

  segmentOf(pumpId: string): string {
    return this.link(pumpId).segment;
  }

  conditions(pumpId: string): LinkConditions {
    return this.link(pumpId).conditions;
  }

  /** Change a pump's link conditions; returns a function that restores the previous ones. */
  setConditions(pumpId: string, patch: Partial<LinkConditions>): () => void {
    const l = this.link(pumpId);
    const before = { ...l.conditions };
    Object.assign(l.conditions, patch);
    return () => {
      for (const k of Object.keys(patch) as (keyof LinkConditions)[]) (l.conditions as unknown as Record<string, unknown>)[k] = before[k];
    };
  }

  /** Partitions nest: each call must be undone once. */
  partitionPump(pumpId: string, down: boolean): void {
    this.link(pumpId).partitioned += down ? 1 : -1;
    this.tap?.link(pumpId, down);
  }

  partitionSegment(segment: string, down: boolean): void {
    this.segmentDown.set(segment, (this.segmentDown.get(segment) ?? 0) + (down ? 1 : -1));
    this.tap?.link(`segment:${segment}`, down);
  }

  setGatewayDown(down: boolean): void {
    this.gatewayDownCount += down ? 1 : -1;
  }

  /**
   * A reconnect storm: the links of these pumps drop at this instant (what is in flight on them
   * is lost, as with a partition) and each comes back after its own reconnect delay, drawn from
   * the run's seed. Returns the virtual time at which the last one is back.
   */
  reconnectStorm(pumpIds: readonly string[], backoff: ReconnectBackoff): number {
    let lastBackMs = this.world.nowMs;
    for (const id of pumpIds) {
      // Through partitionPump, so that a transport with real connections (MqttNetwork) drops
      // them now and reconnects each at its own instant.
      this.partitionPump(id, true);
      const backMs = this.world.nowMs + Math.max(1, Math.round(backoff.backoffMs + (backoff.jitterMs > 0 ? this.prng.uniform(0, backoff.jitterMs) : 0)));
      lastBackMs = Math.max(lastBackMs, backMs);
      this.world.at(backMs, () => this.partitionPump(id, false));
    }
    return lastBackMs;
  }

  get gatewayUp(): boolean {
    return this.gatewayDownCount <= 0;
  }

  /** Can a message cross between this pump and the gateway right now? */
  reachable(pumpId: string): boolean {
    return this.linkUp(this.link(pumpId));
  }

  private linkUp(l: LinkState): boolean {
    return l.partitioned <= 0 && (this.segmentDown.get(l.segment) ?? 0) <= 0 && this.gatewayUp;
  }

  /** Can a message cross between two hosts of the same segment (a rogue client and a pump)? */
  reachableOnSegment(pumpId: string): boolean {
    const l = this.link(pumpId);
    return l.partitioned <= 0 && (this.segmentDown.get(l.segment) ?? 0) <= 0;
  }

  /**
   * Can a client that is not the gateway (a rogue client) get a message to this pump? Not across
   * a partition, and not once either compensating control is on (docs/advisories.md#controls):
   * the pump's segment isolated to the gateway, or its ACL narrowed to the gateway's commands.
   */
  reachableByOthers(pumpId: string): boolean {
    return this.reachableOnSegment(pumpId) && !this.isolated.has(pumpId) && !this.aclNarrowed.has(pumpId);
  }

  /** Segments as security boundaries (reach.ts): undefined lets every host reach every pump. */
  reach: ReachRules | undefined;
  /** Messages from hosts that are not the gateway that a segment boundary (`site.reach:`) dropped. */
  boundaryDrops = 0;

  /** Do the segment boundaries let a host on `fromSegment` reach this pump? */
  boundaryAllows(fromSegment: string, pumpId: string): boolean {
    return this.reach?.mayReach(fromSegment, this.link(pumpId).segment) ?? true;
  }

  /**
   * Can a command that is not the gateway's get from where its sender stands (`via.segment`, else
   * the pump's own segment) to this pump now: the pump's segment up, no isolation to the gateway,
   * and the segment boundaries letting it through (a drop there is counted). ACLs are the broker's
   * (reachableByOthers adds the in-process stand-in for them).
   */
  rogueGetsThrough(m: Extract<DownMessage, { kind: 'command' }>): boolean {
    if (!this.reachableOnSegment(m.pumpId) || this.isolated.has(m.pumpId)) return false;
    if (this.boundaryAllows(m.via?.segment ?? this.link(m.pumpId).segment, m.pumpId)) return true;
    this.boundaryDrops++;
    return false;
  }

  /** Pumps under compensating controls (docs/advisories.md#controls). */
  private readonly isolated = new Set<string>();
  private readonly aclNarrowed = new Set<string>();

  /** segment-isolated: the pump's segment reaches the gateway only; other hosts (a rogue client) no longer reach it. */
  isolateToGateway(pumpId: string): void {
    this.isolated.add(pumpId);
  }

  /**
   * acl-narrowed: the pump takes commands from the gateway only and publishes only its own topics
   * to it (a legacy pump's command topic is no longer open to anonymous clients). In process the
   * network stands for the broker, so a command from any other source is dropped here.
   */
  narrowAcl(pumpId: string): void {
    this.aclNarrowed.add(pumpId);
  }

  /** Client ids the broker refuses (a playbook's block-client and revoke-credential, docs/playbooks.md). */
  private readonly blockedClients = new Set<string>();

  /** Refuse this client id from now on: no command it sends reaches a pump (a pump's own link is not a command sender). */
  blockClient(clientId: string): void {
    this.blockedClients.add(clientId);
  }

  isIsolated(pumpId: string): boolean {
    return this.isolated.has(pumpId);
  }

  isAclNarrowed(pumpId: string): boolean {
    return this.aclNarrowed.has(pumpId);
  }

  sendUp(m: UpMessage): void {
    const l = this.link(m.pumpId);
    this.tap?.message('up', m, m.pumpId, l.segment);
    this.transmit(l, m.pumpId, 'up', false, m, undefined);
  }

  sendDown(m: DownMessage): void {
    const l = this.links.get(m.pumpId);
    if (!l) return;
    if (this.tap) {
      const via = m.kind === 'command' ? m.via : undefined;
      const segment = l.segment;
      this.tap.message('down', m, via?.clientId ?? (m.kind === 'command' && m.source === 'rogue' ? 'rogue' : 'gateway'), via ? (via.segment ?? segment) : m.kind === 'command' && m.source === 'rogue' ? segment : '');
    }
    const rogue = m.kind === 'command' && m.source === 'rogue';
    // A segment boundary drops a rogue's command where it is sent (counted once), not in flight;
    // so does the broker's refusal of a client id a playbook blocked (block-client).
    const sender = m.kind === 'command' ? (m.via?.clientId ?? (rogue ? 'rogue' : 'gateway')) : 'gateway';
    const blocked = this.blockedClients.size > 0 && this.blockedClients.has(sender);
    if (blocked || (rogue && this.reachableByOthers(m.pumpId) && !this.rogueGetsThrough(m))) {
      this.stats.sent++;
      this.stats.lost++;
      return;
    }
    // The receiver sees what a wire would carry: the sender's claim, not who sent it.
    const seen: DownMessage = m.kind === 'command' && m.claim !== undefined ? { ...m, source: m.claim, claim: undefined } : m;
    this.transmit(l, m.pumpId, 'down', rogue, seen, l.handler);
  }

  /** Can this message pass now: a rogue client's by its own path, everything else between pump and gateway. */
  private canPass(l: LinkState, pumpId: string, rogue: boolean): boolean {
    return rogue ? this.reachableByOthers(pumpId) : this.linkUp(l);
  }

  /** A message arrives (a Delivery comes due): lost if a partition started while it was in flight. */
  arrive(d: Delivery): void {
    if (!this.canPass(d.link, d.pumpId, d.rogue)) {
      this.stats.lost++;
      return;
    }
    this.stats.delivered++;
    if (d.handler) d.handler(d.message as DownMessage);
    else this.toGateway(d.message as UpMessage);
  }

  private link(pumpId: string): LinkState {
    const l = this.links.get(pumpId);
    if (!l) throw new RangeError(`no link for pump "${pumpId}"`);
    return l;
  }

  private lose(l: LinkState): boolean {
    return loseNext(l.conditions, l, this.prng);
  }

  /** `handler`: the pump's, for a message down; none for a message up (the gateway's, at arrival). */
  private transmit(l: LinkState, pumpId: string, dir: 'up' | 'down', rogue: boolean, message: UpMessage | DownMessage, handler: ((m: DownMessage) => void) | undefined): void {
    this.stats.sent++;
    if (!this.canPass(l, pumpId, rogue) || this.lose(l)) {
      this.stats.lost++;
      return;
    }
    const c = l.conditions;
    const copies = this.prng.next() < c.duplicateRate ? 2 : 1;
    if (copies === 2) this.stats.duplicated++;
    for (let i = 0; i < copies; i++) {
      const delayMs = c.latencyMs + (c.jitterMs > 0 ? this.prng.uniform(0, c.jitterMs) : 0);
      let atMs = this.world.nowMs + Math.max(1, Math.round(delayMs));
      if (this.prng.next() < c.reorderRate) {
        // Held back: later messages overtake it.
        atMs += Math.round(c.latencyMs * 2 + 50);
      } else if (dir === 'up') {
        atMs = Math.max(atMs, l.lastUpMs);
        l.lastUpMs = atMs;
      } else {
        atMs = Math.max(atMs, l.lastDownMs);
        l.lastDownMs = atMs;
      }
      // A partition that starts while a message is in flight drops it (arrive).
      this.world.schedule(new Delivery(atMs, this, l, pumpId, rogue, message, handler));
    }
  }
}

/**
 * A message on its way: one object, its own entry in the world's queue (issue 20: it took three
 * closures and their context a message, and the garbage collector a share that grew with the fleet).
 */
class Delivery extends Timer {
  constructor(
    atMs: number,
    private readonly network: Network,
    /** The pump's link (its state at arrival decides). */
    readonly link: LinkState,
    readonly pumpId: string,
    /** A rogue client's command: it passes by its own path (Network.reachableByOthers). */
    readonly rogue: boolean,
    readonly message: UpMessage | DownMessage,
    /** The pump's handler for a message down; undefined for a message up (to the gateway). */
    readonly handler: ((m: DownMessage) => void) | undefined,
  ) {
    super(atMs, null, 0, null);
  }

  override fire(): void {
    this.network.arrive(this);
  }
}
