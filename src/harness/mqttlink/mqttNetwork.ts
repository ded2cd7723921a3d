/**
 * The MQTT link: the same surface as the in-process Network (so PumpAgent, Gateway and the fault
 * injector work unchanged), but every message crosses a real broker. Each pump is an mqtt.js
 * client with its own identity; the gateway is another. Link faults act on real connections:
 * a partition cuts the pump's TCP connection (its last will says offline), a gateway outage kills
 * the broker (or cuts the gateway's connection), and both come back on heal; a reconnect storm
 * destroys the pumps' sockets at once and their clients reconnect together.
 *
 * Virtual time over a real broker: every tracked publish increments an in-flight count that the
 * receiving side decrements once it has handled the message; `settle()` resolves when nothing is
 * in flight, so the runner advances the clock only after the messages of the current instant have
 * been delivered (a quiescence barrier). A message that has not arrived after `barrierTimeoutMs`
 * of wall time is counted lost.
 *
 * Link conditions (latency, jitter, loss, duplication, reordering) act on real connections too: a
 * pump whose link can have them connects through the link proxy (`tcpProxy.ts`), which drops,
 * duplicates or holds its PUBLISH frames on the virtual clock (`onProxiedPublish`, in
 * `proxiedLinks.ts`). A held frame is not in flight: it is a world event at its due instant,
 * tracked again when it is written.
 *
 * This file routes messages (send, receive, validate, count) and maps link faults onto the
 * connections; the clients and their sessions are in connections.ts, rogue clients in
 * rogueClients.ts.
 */
import { readFileSync } from 'node:fs';
import type { MqttClient } from 'mqtt';
import type { DownMessage, UpMessage } from '../link/messages.js';
import { Network, type LinkConditions, type ReconnectBackoff } from '../link/network.js';
import type { World } from '../world/world.js';
import { AccessPolicy } from '../broker/acl.js';
import type { BrokerControl } from '../broker/control.js';
import type { Credentials } from '../broker/credentials.js';
import { Connections, type Endpoint } from './connections.js';
import { hasConditions } from './messageShaping.js';
import { nodeServers, nodeUpstreams } from './nodeSpread.js';
import { emptyMqttStats, type MqttStats } from './mqttStats.js';
import { ProxiedLinks } from './proxiedLinks.js';
import { RestartGate } from './restartGate.js';
import { QuiescenceBarrier, type SharedInFlight } from './quiescenceBarrier.js';
import { RogueClients } from './rogueClients.js';
import { gatewayFilters, parseTopic, pumpTopic, type PumpAddress } from '../contract/topics.js';
import { decodeDown, decodeUp, encodeDown, encodeUp, statusPayload } from '../contract/wire.js';

export { DEFAULT_LINK_PROXY_MAX_PUMPS } from './proxiedLinks.js';
export type { MqttStats } from './mqttStats.js';

export interface MqttNetworkOptions {
  url: string;
  credentials: Credentials;
  /** PEM CA certificate for mqtts://. */
  caFile?: string | undefined;
  /** The broker, if this run may kill and restart it (embedded, or a test's own mosquitto). */
  brokerControl?: BrokerControl | undefined;
  /** A gateway outage kills the broker ('broker', the default when it can) or cuts the gateway's connection. */
  gatewayOutage?: 'broker' | 'gateway' | undefined;
  /** The gateway is someone else's (infusim fleet): nothing is tracked, the pumps only talk to the broker. */
  externalGateway?: boolean | undefined;
  barrierTimeoutMs?: number | undefined;
  /** Wall time between reconnection attempts. */
  reconnectPeriodMs?: number | undefined;
  log?: ((line: string) => void) | undefined;
  /** Sees every payload that arrived from the broker, before validation (contract checks). */
  onWire?: ((topic: string, payload: Buffer) => void) | undefined;
  /**
   * The pumps whose link can have conditions during the run (the runner decides from the
   * scenario): they connect through the link proxy. Default: every pump when the default link
   * conditions do anything, none otherwise.
   */
  linkPumps?: ReadonlySet<string> | undefined;
  /** At most this many pumps go through the link proxy (default DEFAULT_LINK_PROXY_MAX_PUMPS); the others connect directly, without conditions. */
  linkProxyMaxPumps?: number | undefined;
  /** Narrow a pump's ACL on a broker that does not share these credentials (the child-process broker). */
  narrowBrokerAcl?: ((pumpId: string) => Promise<void>) | undefined;
  /** A broker cluster's node URLs: pumps spread over them, every client fails over to the next (nodeSpread.ts). */
  nodeUrls?: readonly string[] | undefined;
  /** Pumps and gateway in several processes of one run at max speed (run/stepProtocol.ts): the in-flight count is the coordinator's. */
  sharedInFlight?: SharedInFlight | undefined;
  /** The gateway's pumps run in other processes (paced `--workers N`): commands and acks go to them by their credentials, untracked. */
  remotePumps?: boolean | undefined;
  /** Each message handed to a pump, as it is handled (a shard's journal, run/shardWorker.ts: replayed after a shard kill). */
  onPumpDown?: ((tMs: number, pumpId: string, topic: string, payload: string) => void) | undefined;
}

export class MqttNetwork extends Network {
  readonly mqttStats: MqttStats = emptyMqttStats();
  /** Malformed payloads and other trouble, bounded. */
  readonly log: string[] = [];
  private readonly pumps = new Map<string, Endpoint>();
  private gatewayEp: Endpoint | undefined;
  private gatewayHandler: (m: UpMessage) => void = () => undefined;
  private readonly pumpHandlers = new Map<string, (m: DownMessage) => void>();
  /** Tracks what is in flight and the connection changes pending; hands over each instant's arrivals. */
  private readonly barrier: QuiescenceBarrier;
  private brokerDown = false;
  /** The pumps' and the gateway's clients (connections.ts; a broker node's death: clusterLink.ts). */
  readonly connections: Connections;
  /** Clients that are not the gateway, sending rogue commands (rogueClients.ts). */
  private readonly rogues: RogueClients;
  /** The broker's access policy as the run sees it (shares `legacyOpen` with the embedded broker's). */
  private readonly policy: AccessPolicy;
  /** The pumps that connect through the link proxy, and the conditions on their links. */
  private readonly proxiedLinks: ProxiedLinks;
  private readonly unshapedNoted = new Set<string>();
  /** Holds proxied pumps' new connections from a broker's death until the gateway has subscribed again. */
  private readonly restartGate = new RestartGate();

  constructor(
    private readonly w: World,
    seed: number,
    linkDefaults: LinkConditions,
    private readonly o: MqttNetworkOptions,
  ) {
    super(w, seed, linkDefaults);
    const ca = o.caFile ? readFileSync(o.caFile) : undefined;
    this.barrier = new QuiescenceBarrier(w, {
      barrierTimeoutMs: o.barrierTimeoutMs,
      externalGateway: o.externalGateway,
      shared: o.sharedInFlight,
      onTimeout: (count) => {
        this.mqttStats.barrierTimeouts += count;
        this.stats.lost += count;
      },
      note: (line) => this.note(line),
    });
    this.proxiedLinks = new ProxiedLinks(
      seed,
      { url: o.url, ca, linkDefaults, linkPumps: o.linkPumps, linkProxyMaxPumps: o.linkProxyMaxPumps, externalGateway: o.externalGateway, upstreamsFor: nodeUpstreams(o.nodeUrls, o.credentials) },
      {
        world: w,
        barrier: this.barrier,
        mqttStats: this.mqttStats,
        stats: this.stats,
        hasPump: (pumpId) => this.pumps.has(pumpId),
        conditions: (pumpId) => this.conditions(pumpId),
        gatewayOpen: (pumpId) => this.reachable(pumpId) && !!this.gatewayEp?.ready,
        admission: () => this.restartGate.passage(),
        note: (line) => this.note(line),
      },
    );
    const note = (line: string): void => this.note(line);
    this.connections = new Connections({ url: o.url, ca, reconnectPeriodMs: o.reconnectPeriodMs, proxy: () => this.proxiedLinks.proxy, barrier: this.barrier, mqttStats: this.mqttStats, note, serversFor: nodeServers(o.nodeUrls, o.credentials) });
    this.policy = new AccessPolicy(o.credentials);
    this.rogues = new RogueClients({ url: o.url, ca, credentials: o.credentials, policy: this.policy, barrier: this.barrier, mqttStats: this.mqttStats, stats: this.stats, note, segmentOf: (id) => (this.pumps.has(id) ? this.segmentOf(id) : undefined) });
  }

  get url(): string {
    return this.o.url;
  }

  get credentials(): Credentials {
    return this.o.credentials;
  }

  override attachGateway(handler: (m: UpMessage) => void): void {
    super.attachGateway(handler);
    this.gatewayHandler = handler;
    if (this.o.externalGateway) return; // someone else's gateway is on the broker
    const ep: Endpoint = {
      identity: this.o.credentials.gateway,
      client: undefined,
      ready: false,
      cut: false,
      filters: gatewayFilters(this.o.credentials.site),
      onMessage: (topic, payload) => this.atGateway(topic, payload),
    };
    this.gatewayEp = ep;
    this.barrier.op(() => this.connections.connect(ep));
  }

  override attachPump(pumpId: string, segment: string, handler: (m: DownMessage) => void): void {
    super.attachPump(pumpId, segment, handler);
    this.pumpHandlers.set(pumpId, handler);
    const identity = this.o.credentials.pumps.get(pumpId);
    if (!identity?.pump) throw new RangeError(`no MQTT credentials for pump "${pumpId}"`);
    const a = identity.pump;
    const presence = (online: boolean): { topic: string; payload: string } => ({ topic: pumpTopic(a, 'status'), payload: JSON.stringify({ v: 1, pumpId, online }) });
    const ep: Endpoint = {
      identity,
      client: undefined,
      ready: false,
      cut: false,
      filters: [pumpTopic(a, 'cmd'), pumpTopic(a, 'acks')],
      onMessage: (topic, payload) => this.atPump(pumpId, a, topic, payload),
      will: presence(false),
      online: presence(true),
      proxied: this.proxiedLinks.attach(pumpId, identity.clientId),
    };
    this.pumps.set(pumpId, ep);
    this.connections.connectInBatch(ep);
  }

  /** Conditions reach a pump's link only through the proxy: say so once for a pump that connects directly. */
  override setConditions(pumpId: string, patch: Partial<LinkConditions>): () => void {
    const undo = super.setConditions(pumpId, patch);
    const ep = this.pumps.get(pumpId);
    if (ep && !ep.proxied && hasConditions(this.conditions(pumpId)) && !this.unshapedNoted.has(pumpId)) {
      this.unshapedNoted.add(pumpId);
      this.note(`link conditions for ${pumpId} not applied: its connection does not go through the link proxy`);
    }
    return undo;
  }

  /** Resolves when every connection asked for is up. */
  async ready(): Promise<void> {
    this.rogues.sensor.start(this.tap, this.barrier); // the traffic monitor's eyes, when there is one (mqttSensor.ts)
    await this.settle();
  }

  /** The quiescence barrier (quiescenceBarrier.ts): nothing in flight and no connection change pending. */
  settle(): Promise<void> {
    return this.barrier.settle();
  }

  get inFlight(): number {
    return this.barrier.inFlight;
  }

  /** With a shared in-flight count (run/stepProtocol.ts): every process is quiet, hand over the instant's arrivals. */
  releaseArrivals(): void {
    this.barrier.release();
  }

  /**
   * acl-narrowed on the broker itself: the legacy pump's command topic is closed to anonymous
   * clients in the access policy the embedded broker applies (shared credentials in this process;
   * an IPC message to the child-process broker, `narrowBrokerAcl`). A broker infusim does not run
   * (mosquitto, external) is not changed: the run still drops the rogue's messages to the pump.
   */
  override narrowAcl(pumpId: string): void {
    super.narrowAcl(pumpId);
    this.policy.narrow(pumpId);
    const narrowBroker = this.o.narrowBrokerAcl;
    if (narrowBroker) this.barrier.op(() => narrowBroker(pumpId));
  }

  /**
   * A restarted shard rebuilding its pumps' state (run/shardWorker.ts): until `replayUntilMs` what
   * the pumps send goes nowhere (it was sent before the kill) and what they received before the
   * kill is handed to them again from the journal (`replayDown`) at the instant they handled it.
   */
  replayUntilMs: number | undefined;

  /** One journal entry: a message the pump handled at this instant before the kill. */
  replayDown(pumpId: string, topic: string, payload: string): void {
    const t = parseTopic(topic);
    const handler = this.pumpHandlers.get(pumpId);
    if (!t || !handler) return;
    const d = decodeDown(t.leaf, Buffer.from(payload), pumpId);
    if (!d.ok) return;
    this.stats.delivered++;
    this.o.onPumpDown?.(this.w.nowMs, pumpId, topic, payload);
    handler(d.value);
  }

  override sendUp(m: UpMessage): void {
    const ep = this.pumps.get(m.pumpId);
    if (!ep) return;
    this.stats.sent++;
    if (this.replayUntilMs !== undefined && this.w.nowMs <= this.replayUntilMs) return;
    const gatewayOk = this.o.externalGateway ? true : this.reachable(m.pumpId) && !!this.gatewayEp?.ready;
    const pumpOk = this.o.externalGateway ? this.reachableOnSegment(m.pumpId) : true;
    if (!gatewayOk || !pumpOk || !ep.ready || !ep.client?.connected) {
      this.stats.lost++;
      if (m.kind === 'status') this.mqttStats.telemetryCoalesced++;
      else this.mqttStats.heldOffline++;
      return;
    }
    const { leaf, payload } = encodeUp(m);
    const topic = pumpTopic(ep.identity.pump as PumpAddress, leaf);
    const qos = m.kind === 'status' ? 0 : 1;
    this.publish(ep.client, topic, payload, qos, !this.o.externalGateway || this.o.sharedInFlight !== undefined);
  }

  override sendDown(m: DownMessage): void {
    const target = this.pumps.get(m.pumpId);
    // A pump of another process of this run (a shard, run/workers.ts): addressed by its credentials, tracked only in a shared count.
    const address = target?.identity.pump ?? (this.o.sharedInFlight || this.o.remotePumps ? this.o.credentials.pumps.get(m.pumpId)?.pump : undefined);
    if (!address) return;
    const { leaf, payload } = encodeDown(m);
    const topic = pumpTopic(address, leaf);
    this.stats.sent++;
    if (m.kind === 'command' && m.source === 'rogue') {
      // segment-isolated (docs/advisories.md#controls): the rogue host on the segment no longer gets through.
      if (this.brokerDown || !this.rogueGetsThrough(m)) this.stats.lost++;
      else this.rogues.send(m.pumpId, topic, payload, m.via?.clientId, m.via?.segment ?? this.segmentOf(m.pumpId));
      return;
    }
    const gw = this.gatewayEp;
    if (!this.reachable(m.pumpId) || !gw?.ready || !gw.client?.connected || (target !== undefined && !target.ready)) {
      this.stats.lost++;
      this.mqttStats.heldOffline++;
      return;
    }
    this.publish(gw.client, topic, payload, 1, target !== undefined || this.o.sharedInFlight !== undefined);
  }

  /** Partitions cut the pump's real connection (nesting as in Network). */
  override partitionPump(pumpId: string, down: boolean): void {
    super.partitionPump(pumpId, down);
    this.applyCut(pumpId);
  }

  override partitionSegment(segment: string, down: boolean): void {
    super.partitionSegment(segment, down);
    for (const id of this.pumps.keys()) if (this.segmentOf(id) === segment) this.applyCut(id);
  }

  override setGatewayDown(down: boolean): void {
    const wasUp = this.gatewayUp;
    super.setGatewayDown(down);
    if (wasUp === this.gatewayUp) return;
    const killBroker = this.o.brokerControl && (this.o.gatewayOutage ?? 'broker') === 'broker';
    if (killBroker) {
      const control = this.o.brokerControl as BrokerControl;
      if (!this.gatewayUp) {
        this.barrier.op(async () => {
          this.brokerDown = true;
          this.restartGate.close();
          for (const ep of this.endpoints()) ep.ready = false;
          this.mqttStats.brokerKills++;
          this.note(`broker killed at t=${this.w.nowMs}`);
          await control.stop();
        });
      } else {
        this.barrier.op(async () => {
          await control.start();
          this.brokerDown = false;
          this.note(`broker back at t=${this.w.nowMs}`);
          this.openGateOnceGatewayReady();
          await Promise.all(this.endpoints().filter((e) => !e.cut).map((e) => this.connections.waitReady(e)));
        });
      }
    } else if (this.gatewayEp) {
      const ep = this.gatewayEp;
      this.barrier.op(() => (this.gatewayUp ? this.connections.reconnect(ep) : this.connections.cut(ep)));
    }
  }

  /**
   * A reconnect storm on real connections: at this virtual instant (after what is in flight has
   * landed) every targeted pump's TCP connection is dropped abruptly (no DISCONNECT, so the broker
   * publishes its last will), and each pump reconnects at its own instant, after the storm's
   * seeded backoff and jitter as in the in-process network, resuming its persistent session. With
   * `jitter: 0` they all come back at the same instant. Pumps already cut off stay cut off until
   * both the storm and their partition are over.
   */
  override reconnectStorm(pumpIds: readonly string[], backoff: ReconnectBackoff): number {
    const hit = pumpIds.map((id) => this.pumps.get(id)).filter((e): e is Endpoint => e !== undefined && !e.cut);
    this.mqttStats.reconnectStorms++;
    this.note(`reconnect storm at t=${this.w.nowMs}: ${hit.length} pump connection(s) dropped`);
    for (const ep of hit) ep.droppedByStorm = true;
    // The base class takes each pump's link down through partitionPump (cut now) and brings it
    // back at its own instant (reconnect then).
    return super.reconnectStorm(pumpIds, backoff);
  }

  /**
   * Told of each unplanned broker death (runScenario puts it in the trace and the result): the
   * virtual instant the run noticed it at, and what happened.
   */
  onBrokerDeath: ((tMs: number, detail: string) => void) | undefined;

  /**
   * The broker died without the run asking (a child-process broker killed from outside, crashed or
   * out of memory). Never silent: counted, logged, told to onBrokerDeath, and the broker is started
   * again on its port (a fresh process: its sessions, queued messages and retained status are gone,
   * as with childBrokerKill 'process'); what was in flight is lost and counted, events wait in the
   * outboxes and are resent. (Only a broker the run started can be told of: the child-process broker.)
   */
  brokerDied(detail: string): void {
    if (this.connections.closed) return;
    this.mqttStats.brokerDeaths++;
    const tMs = this.w.nowMs;
    this.note(`broker died (unplanned) at t=${tMs}: ${detail}`);
    this.onBrokerDeath?.(tMs, detail);
    // Every connection up to now was to the dead broker: none is ready, here and now, not in the
    // op below. The op runs only after what was in flight has landed or timed out (up to
    // barrierTimeoutMs: what the dead broker held never lands), and a broker that restarts itself
    // (startMosquittoForRun) is back before that: clients reconnect to it, subscribe and become
    // ready on their own ('connect', afterConnect). Marking them not ready then would undo that for
    // good: no other 'connect' comes, and everything to and from them is dropped (held offline)
    // until their next reconnection, so a pump never hears the gateway again (COMM_LOST stays).
    for (const ep of this.endpoints()) ep.ready = false;
    this.restartGate.close();
    const control = this.o.brokerControl;
    if (!control) {
      this.openGateOnceGatewayReady();
      return;
    }
    this.barrier.op(async () => {
      if (!this.gatewayUp && (this.o.gatewayOutage ?? 'broker') === 'broker') return; // a gateway outage is under way: its end starts the broker
      await control.start();
      this.note(`broker restarted after its death at t=${this.w.nowMs}`);
      this.openGateOnceGatewayReady();
      await Promise.all(this.endpoints().filter((e) => !e.cut).map((e) => this.connections.waitReady(e)));
    });
  }

  /** Close every client (and nothing else: the broker belongs to whoever started it). */
  async close(): Promise<void> {
    await this.settle().catch(() => undefined);
    this.connections.closed = true;
    this.restartGate.open();
    const all = [...this.endpoints().map((e) => e.client), ...this.rogues.clients()];
    await Promise.all(all.map((c) => (c ? c.endAsync(true).catch(() => undefined) : undefined)));
    await this.proxiedLinks.proxy?.close();
    await this.rogues.sensor.close();
  }

  // ---- internals ----

  /** waitReady gives up after its own timeout (and notes it), so the gate never stays shut for good. */
  private openGateOnceGatewayReady(): void {
    const gw = this.gatewayEp;
    if (!gw) this.restartGate.open();
    else void this.connections.waitReady(gw).then(() => this.restartGate.open());
  }

  private endpoints(): Endpoint[] {
    return [...(this.gatewayEp ? [this.gatewayEp] : []), ...this.pumps.values()];
  }

  private applyCut(pumpId: string): void {
    const ep = this.pumps.get(pumpId);
    if (!ep) return;
    const shouldBeUp = this.reachableOnSegment(pumpId);
    if (!shouldBeUp && !ep.cut) {
      ep.cut = true;
      this.barrier.op(() => this.connections.cut(ep));
    } else if (shouldBeUp && ep.cut) {
      ep.cut = false;
      this.barrier.op(() => this.connections.reconnect(ep));
    }
  }

  private publish(client: MqttClient, topic: string, payload: string, qos: 0 | 1, track: boolean): void {
    if (track) this.barrier.track(topic, payload);
    this.mqttStats.published++;
    client.publish(topic, payload, { qos }, (err) => {
      if (err) this.note(`publish ${topic}: ${err.message}`);
    });
  }

  private atGateway(topic: string, payload: Buffer): void {
    try {
      this.o.onWire?.(topic, payload);
      this.mqttStats.received++;
      const t = parseTopic(topic);
      if (!t || t.site !== this.o.credentials.site || !this.o.credentials.pumps.has(t.pumpId)) {
        this.malformed(topic, 'not a topic of this site');
        return;
      }
      if (t.leaf === 'status') {
        const r = statusPayload.safeParse(safeJson(payload));
        if (!r.success) this.malformed(topic, 'bad status payload');
        else if (r.data.online) this.mqttStats.presenceOnline++;
        else this.mqttStats.presenceOffline++;
        return;
      }
      const d = decodeUp(t.leaf, payload, t.pumpId);
      if (!d.ok) {
        this.malformed(topic, d.error);
        return;
      }
      const m = d.value;
      // A pump of the site that this network does not run (another process's) has no link state here.
      const linked = this.pumps.has(m.pumpId);
      // Link conditions were applied on the way (the link proxy): delivered at this instant.
      this.barrier.arrive('up', m.pumpId, () => {
        if (linked && !this.reachable(m.pumpId)) {
          this.stats.lost++;
          return;
        }
        this.stats.delivered++;
        this.gatewayHandler(m);
      });
    } finally {
      this.barrier.untrack(topic, payload);
    }
  }

  private atPump(pumpId: string, a: PumpAddress, topic: string, payload: Buffer): void {
    try {
      this.o.onWire?.(topic, payload);
      this.mqttStats.received++;
      const t = parseTopic(topic);
      if (!t || t.pumpId !== pumpId || topic !== pumpTopic(a, t.leaf)) {
        this.malformed(topic, `not a topic of pump ${pumpId}`);
        return;
      }
      const d = decodeDown(t.leaf, payload, pumpId);
      if (!d.ok) {
        this.malformed(topic, d.error);
        return;
      }
      const m = d.value;
      const handler = this.pumpHandlers.get(pumpId);
      if (!handler) return;
      const rogue = m.kind === 'command' && m.source === 'rogue';
      this.barrier.arrive('down', pumpId, () => {
        const ok = rogue ? this.reachableByOthers(pumpId) : this.o.externalGateway ? this.reachableOnSegment(pumpId) : this.reachable(pumpId);
        if (!ok) {
          this.stats.lost++;
          return;
        }
        this.stats.delivered++;
        this.o.onPumpDown?.(this.w.nowMs, pumpId, topic, payload.toString());
        handler(m);
      });
    } finally {
      this.barrier.untrack(topic, payload);
    }
  }

  private malformed(topic: string, why: string): void {
    this.mqttStats.malformed++;
    this.note(`malformed payload on ${topic}: ${why}`);
  }

  /** A line in the run's MQTT log (and to the log callback). */
  note(line: string): void {
    if (this.log.length < 2000) this.log.push(line);
    this.o.log?.(line);
  }
}

function safeJson(b: Buffer): unknown {
  try {
    return JSON.parse(b.toString()) as unknown;
  } catch {
    return undefined;
  }
}
