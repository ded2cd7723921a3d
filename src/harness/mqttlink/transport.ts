/**
 * Choosing and running the MQTT transport for a scenario run: the embedded aedes broker (default)
 * or an external broker by URL, per-run credentials, the MqttNetwork, and the stepped run loop
 * that keeps virtual time over a real broker (runUntil one event instant at a time, then wait
 * until every message of that instant has been delivered and handled).
 */
import type { LinkConditions } from '../link/network.js';
import type { FleetPump } from '../scenario/fleet.js';
import type { World } from '../world/world.js';
import { AccessPolicy } from '../broker/acl.js';
import { EmbeddedBroker, type BrokerCounters } from '../broker/embeddedBroker.js';
import { ChildProcessBroker, type ChildBrokerKill } from '../broker/childProcessBroker.js';
import { generateCredentials, type Credentials } from '../broker/credentials.js';
import { linkProxyBudget, openFileLimit } from './fdBudget.js';
import type { BrokerControl, OwnedBroker } from '../broker/control.js';
import { MqttNetwork, type MqttStats } from './mqttNetwork.js';
import { siteLevel } from '../contract/topics.js';
import { startClusterFor, wireCluster, type ClusterTransport } from './clusterLink.js';
import type { StepMember } from './stepProtocol.js';

export interface MqttTransport extends ClusterTransport {
  kind: 'mqtt';
  /** mqtt://host:port or mqtts://host:port of an external broker; default: the embedded broker. */
  brokerUrl?: string | undefined;
  /** Port of the embedded broker (default: a free port). */
  brokerPort?: number | undefined;
  /**
   * Where the embedded broker runs: 'auto' (default) keeps it in this process up to
   * `childBrokerAbovePumps` pumps and forks it into a child process above (docs/mqtt.md).
   */
  brokerPlacement?: BrokerPlacement | 'auto' | undefined;
  /** 'auto' placement: more pumps than this and the broker runs in a child process (default 4,000, or INFUSIM_MQTT_CHILD_BROKER_ABOVE). */
  childBrokerAbovePumps?: number | undefined;
  /**
   * What a kill of the child-process broker does: 'broker' (default) closes and recreates the broker
   * inside the child, keeping its persistence; 'process' SIGKILLs the child and forks a fresh one,
   * so sessions, queued QoS 1 messages and retained status are lost (or INFUSIM_MQTT_CHILD_BROKER_KILL=process).
   */
  childBrokerKill?: ChildBrokerKill | undefined;
  caFile?: string | undefined;
  /** Site level of the topic tree (default: from the scenario name). */
  site?: string | undefined;
  /** Use these credentials (an external broker provisioned for them) instead of generating new ones. */
  credentials?: Credentials | undefined;
  /** Lets the run kill and restart an external broker (a test's own mosquitto). */
  brokerControl?: BrokerControl | undefined;
  /** With an external broker, called with the run's credentials before any client connects (provision the broker). */
  provision?: ((c: Credentials) => Promise<void>) | undefined;
  /** With an external broker, called with the same credentials once every client is gone (remove what provision made). */
  deprovision?: ((c: Credentials) => Promise<void>) | undefined;
  /** Start a broker process of the run's own for its credentials (--mosquitto); a gateway outage kills and restarts it. */
  startBroker?: ((c: Credentials) => Promise<OwnedBroker>) | undefined;
  /** Name of the external broker in the summary (default `external`), e.g. `mosquitto (child process)`. */
  brokerName?: string | undefined;
  gatewayOutage?: 'broker' | 'gateway' | undefined;
  barrierTimeoutMs?: number | undefined;
  log?: ((line: string) => void) | undefined;
  onWire?: ((topic: string, payload: Buffer) => void) | undefined;
  /** Only the pumps: the gateway on the broker is the user's own (infusim fleet). */
  externalGateway?: boolean | undefined;
  /** At most this many pumps connect through the link proxy (default: what the open-file limit allows, fdBudget.ts; 2,000 when it is unknown); the others connect directly, without link conditions. */
  linkProxyMaxPumps?: number | undefined;
  /** One process of a run over several (`--workers N` at max speed, stepProtocol.ts): virtual time advances through the coordinator. */
  steps?: StepMember | undefined;
  /** The gateway's pumps run in other processes (`--workers N`): commands and acks go to them by their credentials. */
  remotePumps?: boolean | undefined;
  /** A restarted pump shard (run/shardWorker.ts): rebuild its pumps' state up to untilMs from the seed and the journal of what they handled, then join. */
  replay?: { untilMs: number; journal: readonly JournalEntry[] } | undefined;
  /** Each message handed to a pump of this process, as it is handled (the shard's journal). */
  onPumpDown?: ((e: JournalEntry) => void) | undefined;
  /** Called once the broker is up, before any client of this process connects (`--workers N` starts its worker processes then). */
  onBrokerUp?: ((b: { url: string; nodeUrls: readonly string[] | undefined; credentials: Credentials }) => Promise<void>) | undefined;
}

/** A message a pump handled, at the virtual instant it handled it. */
export interface JournalEntry {
  tMs: number;
  pumpId: string;
  topic: string;
  payload: string;
}

export type TransportOption = { kind: 'inproc' } | MqttTransport;

/** Where the embedded broker runs. */
export type BrokerPlacement = 'in-process' | 'child-process';

/**
 * Above this many pumps the embedded broker moves to a child process: a loopback connection holds
 * a descriptor on each side, so an in-process broker costs 2 per pump in one process, and with an
 * open-file limit of 20,000 that runs out near 9,000 pumps. 4,000 leaves room for files, the
 * gateway and reconnection churn, and for lower limits (8,192 is common).
 */
export const DEFAULT_CHILD_BROKER_ABOVE_PUMPS = 4000;

/** The placement `startMqtt` uses for an embedded broker and a fleet of this many pumps. */
export function chooseBrokerPlacement(pumps: number, t: Pick<MqttTransport, 'brokerPlacement' | 'childBrokerAbovePumps'> = {}): BrokerPlacement {
  if (t.brokerPlacement === 'in-process' || t.brokerPlacement === 'child-process') return t.brokerPlacement;
  const env = Number(process.env.INFUSIM_MQTT_CHILD_BROKER_ABOVE);
  const above = t.childBrokerAbovePumps ?? (Number.isFinite(env) && env > 0 ? env : DEFAULT_CHILD_BROKER_ABOVE_PUMPS);
  return pumps > above ? 'child-process' : 'in-process';
}

/** What a kill of the child-process broker does: the option, else INFUSIM_MQTT_CHILD_BROKER_KILL=process, else 'broker'. */
export function childBrokerKillOf(t: Pick<MqttTransport, 'childBrokerKill'> = {}): ChildBrokerKill {
  return t.childBrokerKill ?? (process.env.INFUSIM_MQTT_CHILD_BROKER_KILL === 'process' ? 'process' : 'broker');
}

/** The embedded broker, wherever it runs. */
export type RunBroker = EmbeddedBroker | ChildProcessBroker;

export interface MqttRunInfo {
  broker: string;
  /** Where the broker ran: in this process, in a child process, or someone else's. */
  placement: BrokerPlacement | 'external';
  url: string;
  stats: MqttStats;
  brokerCounters?: BrokerCounters | undefined;
  log: string[];
}

export interface StartedMqtt {
  network: MqttNetwork;
  broker: RunBroker | undefined;
  /** Run the world to untilMs with the quiescence barrier at every instant. */
  advance(untilMs: number): Promise<void>;
  info(): MqttRunInfo;
  close(): Promise<void>;
}

/** `linkPumps`: the pumps whose link can have conditions (they go through the link proxy); default from `defaults` alone. */
export async function startMqtt(world: World, seed: number, defaults: LinkConditions, scenarioName: string, fleet: readonly FleetPump[], t: MqttTransport, linkPumps?: ReadonlySet<string>): Promise<StartedMqtt> {
  const site = t.site ?? siteLevel(scenarioName);
  const creds = t.credentials ?? generateCredentials(site, fleet.map((f) => ({ pumpId: f.id, unit: f.unit, profile: f.profile })));
  let broker: RunBroker | undefined;
  // A cluster (clusterLink.ts): the run's own nodes over Redis, or an external cluster's node URLs; the first is the run's URL.
  const cluster = await startClusterFor(creds, t);
  let url = cluster.urls?.[0] ?? t.brokerUrl;
  let control = t.brokerControl;
  let owned: OwnedBroker | undefined;
  const placement = url === undefined && !t.startBroker ? chooseBrokerPlacement(fleet.length, t) : undefined;
  if (url === undefined && t.startBroker) {
    owned = await t.startBroker(creds);
    url = owned.url;
    control = owned.control;
  } else if (url === undefined) {
    broker = placement === 'child-process' ? new ChildProcessBroker(creds, '127.0.0.1', childBrokerKillOf(t)) : new EmbeddedBroker(new AccessPolicy(creds));
    await broker.start(t.brokerPort ?? 0);
    url = broker.url;
    const b = broker;
    control = { stop: () => b.stop(), start: () => b.start() };
    if (b instanceof ChildProcessBroker) b.onUnplannedExit = (detail) => network.brokerDied(detail);
  } else if (t.provision) {
    await t.provision(creds);
  }
  await t.onBrokerUp?.({ url, nodeUrls: cluster.urls, credentials: creds });
  const onPumpDown = t.onPumpDown;
  const network = new MqttNetwork(world, seed, defaults, { ...(onPumpDown ? { onPumpDown: (tMs: number, pumpId: string, topic: string, payload: string) => onPumpDown({ tMs, pumpId, topic, payload }) } : {}), sharedInFlight: t.steps?.inFlight, remotePumps: t.remotePumps, url, credentials: creds, caFile: t.caFile, brokerControl: control, gatewayOutage: t.gatewayOutage, barrierTimeoutMs: t.barrierTimeoutMs, log: t.log, onWire: t.onWire, externalGateway: t.externalGateway, linkPumps, linkProxyMaxPumps: t.linkProxyMaxPumps ?? linkProxyBudget(fleet.length, placement === 'in-process', openFileLimit()), nodeUrls: cluster.urls, narrowBrokerAcl: broker instanceof ChildProcessBroker ? (id) => (broker as ChildProcessBroker).narrowAcl(id) : undefined });
  // A death of a broker the run started itself (--mosquitto) is reported like the child-process broker's.
  owned?.onDeath?.((why) => network.brokerDied(why));
  wireCluster(world, network, cluster, t.nodeKills);
  let steps = 0;
  const member = t.steps;
  member?.attach({ nowMs: () => world.nowMs, nextEventMs: () => world.nextEventMs(), runUntil: (tMs) => world.runUntil(tMs), settle: () => network.settle(), release: () => network.releaseArrivals() });
  const replay = t.replay;
  if (replay) {
    network.replayUntilMs = replay.untilMs;
    for (const e of replay.journal) world.at(e.tMs, () => network.replayDown(e.pumpId, e.topic, e.payload));
  }
  const advance = async (untilMs: number): Promise<void> => {
    if (replay && world.nowMs < replay.untilMs) {
      // Rebuilding: the world alone, no barrier (nothing of it goes out), up to the instant of the kill.
      world.runUntil(Math.min(untilMs, replay.untilMs));
      if (untilMs <= replay.untilMs) return;
    }
    if (member) return member.advance(untilMs);
    await network.settle();
    for (;;) {
      const next = world.nextEventMs();
      if (next > untilMs) break;
      world.runUntil(next);
      await network.settle();
      // Let timers and sockets breathe now and then even when nothing is in flight.
      if (++steps % 2000 === 0) await new Promise<void>((r) => setImmediate(r));
    }
    world.runUntil(untilMs);
    await network.settle();
  };
  return {
    network,
    broker,
    advance,
    info: () => ({ broker: broker ? (placement === 'child-process' ? 'embedded aedes (child process)' : 'embedded aedes') : (owned?.name ?? cluster.name ?? t.brokerName ?? 'external'), placement: placement ?? 'external', url: url as string, stats: network.mqttStats, brokerCounters: broker?.counters, log: network.log }),
    close: async () => {
      member?.finish();
      await network.close();
      if (broker) await broker.close();
      else if (owned) await owned.close();
      else if (cluster.own) await cluster.own.close();
      else if (t.deprovision) await t.deprovision(creds);
    },
  };
}
