/**
 * Rogue clients on a real broker (the `rogue-client` fault over MQTT): a client that is not the
 * gateway sends a pump a command. It connects without credentials, so the broker refuses it,
 * unless a legacy-unauthenticated pump leaves its command topic open to an anonymous client
 * (acl.ts); then it can publish there, and only there.
 */
import mqtt, { type MqttClient } from 'mqtt';
import { anonymousClientId, type AccessPolicy } from '../broker/acl.js';
import type { Credentials } from '../broker/credentials.js';
import type { NetworkStatsCounters } from '../link/network.js';
import type { MqttStats } from './mqttStats.js';
import type { QuiescenceBarrier } from './quiescenceBarrier.js';
import { sendRaw } from './rawClient.js';
import { MqttSensor } from './mqttSensor.js';

interface RogueClient {
  client: MqttClient | undefined;
  refused: boolean;
}

export interface RogueClientsOptions {
  url: string;
  ca: Buffer | undefined;
  credentials: Credentials;
  policy: AccessPolicy;
  barrier: QuiescenceBarrier;
  mqttStats: MqttStats;
  stats: NetworkStatsCounters;
  note: (line: string) => void;
  /** The segment of a pump of this network. */
  segmentOf: (pumpId: string) => string | undefined;
}

export class RogueClients {
  /** The one try of an anonymous client that the broker should refuse. */
  private rogue: RogueClient | undefined;
  /** The anonymous clients that reach legacy pumps, by pump. */
  private readonly legacyRogues = new Map<string, RogueClient>();

  /** The traffic monitor's sensor (mqttSensor.ts): rogue clients connect through it, on their segment. */
  readonly sensor: MqttSensor;

  constructor(private readonly o: RogueClientsOptions) {
    this.sensor = new MqttSensor({ url: o.url, ca: o.ca, credentials: o.credentials, segmentOf: o.segmentOf, note: o.note });
  }

  /** What one raw client sends within one instant, in one connection (the barrier's op takes it all). */
  private readonly rawBatches = new Map<string, { topic: string; payload: string }[]>();

  private raw(who: { clientId: string; username?: string; password?: string }, segment: string, topic: string, payload: string): void {
    const key = `${who.clientId}|${segment}`;
    const batch = this.rawBatches.get(key);
    if (batch) {
      batch.push({ topic, payload });
      return;
    }
    const publishes = [{ topic, payload }];
    this.rawBatches.set(key, publishes);
    this.o.barrier.op(async () => {
      this.rawBatches.delete(key);
      await sendRaw(await this.sensor.urlFor(segment), who, publishes);
    });
  }

  /** Every client opened, to close with the network. */
  clients(): (MqttClient | undefined)[] {
    return [this.rogue?.client, ...[...this.legacyRogues.values()].map((r) => r.client)];
  }

  /**
   * A rogue command to a pump the rogue can reach now (the network checked the partitions, the
   * segment boundaries and the broker), from a client on `segment`; `clientId` is a pump's id when
   * the attacker holds that pump's credential (stolen-credential: rawClient.ts).
   */
  send(pumpId: string, topic: string, payload: string, clientId?: string, segment = ''): void {
    const stolen = clientId !== undefined ? this.o.credentials.pumps.get(clientId) : undefined;
    const open = this.o.policy.allowsAnonymous && this.o.credentials.legacyOpen.has(pumpId);
    // A stolen credential, or a named client (scanner, flooder, rogue update server) where the topic is not open: a raw client the broker refuses.
    if (stolen || (clientId !== undefined && !open)) {
      this.o.mqttStats.rogueBlocked++;
      this.o.stats.lost++;
      this.raw(stolen ? { clientId: `${stolen.clientId}.x`, username: stolen.username, password: stolen.password } : { clientId: clientId as string }, segment, topic, payload);
      return;
    }
    // Only a legacy-unauthenticated pump leaves its command topic open to an anonymous client.
    if (!open) {
      this.o.mqttStats.rogueBlocked++;
      this.o.stats.lost++;
      if (!this.rogue) {
        // Try once, for the record: the broker refuses an anonymous client.
        this.rogue = { client: undefined, refused: false };
        const r = this.rogue;
        this.o.barrier.op(async () => {
          try {
            r.client = await mqtt.connectAsync(await this.sensor.urlFor(segment), { clientId: `rogue-${process.pid}`, protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 3000, ...(this.o.ca ? { ca: this.o.ca } : {}) });
            this.o.note('rogue client: the broker accepted an anonymous connection');
          } catch (e) {
            r.refused = true;
            this.o.note(`rogue client refused by the broker: ${(e as Error).message}`);
          }
        });
      }
      return;
    }
    // Anonymous clients get in only under the legacy pump's own family of client ids (acl.ts): one client per pump.
    let r = this.legacyRogues.get(pumpId);
    const send = (): void => {
      const c = r?.client;
      if (!c?.connected) {
        this.o.stats.lost++;
        return;
      }
      this.o.barrier.track(topic, payload);
      this.o.mqttStats.published++;
      c.publish(topic, payload, { qos: 1 });
    };
    if (r?.client) send();
    else {
      if (!r) {
        r = { client: undefined, refused: false };
        this.legacyRogues.set(pumpId, r);
      }
      const rogue = r;
      const clientId = anonymousClientId(this.o.credentials.site, pumpId, `rogue-${process.pid}`);
      this.o.barrier.op(async () => {
        rogue.client ??= await mqtt.connectAsync(await this.sensor.urlFor(segment), { clientId, protocolVersion: 4, reconnectPeriod: 0, ...(this.o.ca ? { ca: this.o.ca } : {}) });
        send();
      });
    }
  }
}
