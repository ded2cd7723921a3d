/**
 * Choosing and running the MQTT transport for a scenario run: the embedded aedes broker (default)
 * or an external broker by URL, per-run credentials, the MqttNetwork, and the stepped run loop
 * that keeps virtual time over a real broker (runUntil one event instant at a time, then wait
 * until every message of that instant has been delivered and handled).
 */
import type { LinkConditions } from '../link/network.js';
import type { FleetPump } from '../scenario/fleet.js';
import type { World } from '../world/world.js';
import { AccessPolicy } from './acl.js';
import { EmbeddedBroker } from './broker.js';
import { generateCredentials, type Credentials } from './credentials.js';
import { MqttNetwork, type BrokerControl, type MqttStats } from './mqttNetwork.js';
import { siteLevel } from './topics.js';

export interface MqttTransport {
  kind: 'mqtt';
  /** mqtt://host:port or mqtts://host:port of an external broker; default: the embedded broker. */
  brokerUrl?: string | undefined;
  /** Port of the embedded broker (default: a free port). */
  brokerPort?: number | undefined;
  caFile?: string | undefined;
  /** Site level of the topic tree (default: from the scenario name). */
  site?: string | undefined;
  /** Use these credentials (an external broker provisioned for them) instead of generating new ones. */
  credentials?: Credentials | undefined;
  /** Lets the run kill and restart an external broker (a test's own mosquitto). */
  brokerControl?: BrokerControl | undefined;
  /** With an external broker, called with the run's credentials before any client connects (provision the broker). */
  provision?: ((c: Credentials) => Promise<void>) | undefined;
  gatewayOutage?: 'broker' | 'gateway' | undefined;
  barrierTimeoutMs?: number | undefined;
  log?: ((line: string) => void) | undefined;
  onWire?: ((topic: string, payload: Buffer) => void) | undefined;
  /** Only the pumps: the gateway on the broker is the user's own (infusim fleet). */
  externalGateway?: boolean | undefined;
}

export type TransportOption = { kind: 'inproc' } | MqttTransport;

export interface MqttRunInfo {
  broker: string;
  url: string;
  stats: MqttStats;
  brokerCounters?: EmbeddedBroker['counters'] | undefined;
  log: string[];
}

export interface StartedMqtt {
  network: MqttNetwork;
  broker: EmbeddedBroker | undefined;
  /** Run the world to untilMs with the quiescence barrier at every instant. */
  advance(untilMs: number): Promise<void>;
  info(): MqttRunInfo;
  close(): Promise<void>;
}

export async function startMqtt(world: World, seed: number, defaults: LinkConditions, scenarioName: string, fleet: readonly FleetPump[], t: MqttTransport): Promise<StartedMqtt> {
  const site = t.site ?? siteLevel(scenarioName);
  const creds = t.credentials ?? generateCredentials(site, fleet.map((f) => ({ pumpId: f.id, unit: f.unit, profile: f.profile })));
  let broker: EmbeddedBroker | undefined;
  let url = t.brokerUrl;
  let control = t.brokerControl;
  if (url === undefined) {
    broker = new EmbeddedBroker(new AccessPolicy(creds));
    await broker.start(t.brokerPort ?? 0);
    url = broker.url;
    const b = broker;
    control = { stop: () => b.stop(), start: () => b.start() };
  } else if (t.provision) {
    await t.provision(creds);
  }
  const network = new MqttNetwork(world, seed, defaults, { url, credentials: creds, caFile: t.caFile, brokerControl: control, gatewayOutage: t.gatewayOutage, barrierTimeoutMs: t.barrierTimeoutMs, log: t.log, onWire: t.onWire, externalGateway: t.externalGateway });
  let steps = 0;
  const advance = async (untilMs: number): Promise<void> => {
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
    info: () => ({ broker: broker ? 'embedded aedes' : 'external', url: url as string, stats: network.mqttStats, brokerCounters: broker?.counters, log: network.log }),
    close: async () => {
      await network.close();
      if (broker) await broker.close();
    },
  };
}
