/**
 * The traffic monitor's eyes on a real broker (docs/monitoring.md#over-mqtt), fed to the same
 * WireTap as the in-process network:
 *
 * - an **observer identity** (the credentials' `observer`, read-only by its ACL) subscribed to the
 *   site's topics (`infusim/v1/<site>/#`): it sees every message the broker carried. Who published
 *   it follows from the broker's ACL: only a pump's own identity may publish on its up topics, only
 *   the gateway on the command and acknowledgement topics (broker/acl.ts);
 * - a **sensor on each segment's way to the broker** (sensorTap.ts) for the clients that are not
 *   the run's pumps or gateway (rogue clients, a stolen credential, a scanner, a flooder): their
 *   CONNECT (client id, user name) and each PUBLISH they send, even what the broker refuses. A
 *   message the observer then receives from the broker is not counted again.
 *
 * A name as the monitor knows it: a pump's or the gateway's broker identity (by user name, the
 * credential it presents) becomes the pump id or `gateway`; any other client keeps its client id.
 * Over mqtts:// the sensor cannot read the bytes (it would have to hold the broker's key): only the
 * observer feeds the monitor then.
 */
import mqtt, { type MqttClient } from 'mqtt';
import { decodeDown, decodeUp } from '../contract/wire.js';
import { DOWN_LEAVES, parseTopic, TOPIC_ROOT } from '../contract/topics.js';
import type { Credentials } from '../broker/credentials.js';
import type { WireTap } from '../link/network.js';
import type { QuiescenceBarrier } from './quiescenceBarrier.js';
import type { PublishInfo } from './mqttFrames.js';
import { SensorTaps } from './sensorTap.js';

export interface MqttSensorOptions {
  url: string;
  ca: Buffer | undefined;
  credentials: Credentials;
  /** The segment of a pump of this network (undefined for a pump it does not run). */
  segmentOf: (pumpId: string) => string | undefined;
  note: (line: string) => void;
}

/** At most this many tapped messages wait for the observer's copy (oldest forgotten first). */
const MAX_TAPPED = 10_000;

export class MqttSensor {
  private tap: WireTap | undefined;
  private observer: MqttClient | undefined;
  private taps: SensorTaps | undefined;
  /** Messages the taps saw a client send ("topic\npayload" → how many), not to count again from the observer. */
  private readonly tapped = new Map<string, number>();
  private readonly byUsername = new Map<string, string>();
  private readonly byClientId = new Map<string, string>();
  /** Messages seen, by feed. */
  readonly seen = { observer: 0, tapped: 0, connects: 0, refused: 0 };

  constructor(private readonly o: MqttSensorOptions) {
    const c = o.credentials;
    for (const [pumpId, id] of c.pumps) {
      this.byUsername.set(id.username, pumpId);
      this.byClientId.set(id.clientId, pumpId);
    }
    this.byUsername.set(c.gateway.username, 'gateway');
    this.byClientId.set(c.gateway.clientId, 'gateway');
  }

  get on(): boolean {
    return this.tap !== undefined;
  }

  /** With a monitor on the network: connect the observer (an op of the barrier) and open the taps. */
  start(tap: WireTap | undefined, barrier: QuiescenceBarrier): void {
    if (!tap || this.tap) return;
    this.tap = tap;
    const u = new URL(this.o.url);
    if (u.protocol === 'mqtt:') {
      this.taps = new SensorTaps({ host: u.hostname.replace(/^\[(.*)\]$/, '$1'), port: Number(u.port || 1883) }, { connect: (seg, id, user) => this.connected(seg, id, user), publish: (seg, id, pub) => this.published(seg, id, pub), connack: (_seg, _id, ok) => (ok ? undefined : this.seen.refused++) }, this.o.note);
    } else this.o.note('monitor over mqtts://: no sensor on the segments (it cannot read TLS); the observer alone feeds it');
    const ob = this.o.credentials.observer;
    barrier.op(async () => {
      const client = await mqtt.connectAsync(this.o.url, { clientId: ob.clientId, username: ob.username, password: ob.password, protocolVersion: 4, reconnectPeriod: 1000, connectTimeout: 5000, ...(this.o.ca ? { ca: this.o.ca } : {}) });
      this.observer = client;
      client.on('message', (topic, payload) => this.observed(topic, payload));
      await client.subscribeAsync(`${TOPIC_ROOT}/${this.o.credentials.site}/#`, { qos: 1 });
    });
  }

  /** Where a client that is not the run's pump or gateway connects from segment `segment`: through the sensor when there is one. */
  async urlFor(segment: string): Promise<string> {
    return this.taps ? this.taps.url(segment) : this.o.url;
  }

  async close(): Promise<void> {
    await this.observer?.endAsync(true).catch(() => undefined);
    await this.taps?.close();
  }

  private name(clientId: string, username: string | undefined): string {
    return (username !== undefined ? this.byUsername.get(username) : undefined) ?? this.byClientId.get(clientId) ?? clientId;
  }

  private readonly connNames = new Map<string, string>();

  private connected(segment: string, clientId: string, username: string | undefined): void {
    this.seen.connects++;
    const name = this.name(clientId, username);
    this.connNames.set(`${segment}|${clientId}`, name);
    this.tap?.connect?.(name, segment);
  }

  private published(segment: string, clientId: string, pub: PublishInfo): void {
    const name = this.connNames.get(`${segment}|${clientId}`) ?? clientId;
    const payload = pub.payload.toString('utf8');
    const key = `${pub.topic}\n${payload}`;
    this.tapped.set(key, (this.tapped.get(key) ?? 0) + 1);
    if (this.tapped.size > MAX_TAPPED) this.tapped.delete(this.tapped.keys().next().value as string);
    this.seen.tapped++;
    this.feed(pub.topic, payload, name, segment);
  }

  private observed(topic: string, payload: Buffer): void {
    const text = payload.toString('utf8');
    const key = `${topic}\n${text}`;
    const n = this.tapped.get(key);
    if (n !== undefined) {
      if (n <= 1) this.tapped.delete(key);
      else this.tapped.set(key, n - 1);
      return;
    }
    this.seen.observer++;
    const t = parseTopic(topic);
    if (!t) return;
    // By the broker's ACL: an up topic is its pump's; a command or acknowledgement the gateway's.
    const down = (DOWN_LEAVES as readonly string[]).includes(t.leaf);
    this.feed(topic, text, down ? 'gateway' : t.pumpId, down ? '' : (this.o.segmentOf(t.pumpId) ?? ''));
  }

  /** A message as the monitor takes it (presence on `status` is not a message of the link). */
  private feed(topic: string, payload: string, name: string, segment: string): void {
    const t = parseTopic(topic);
    if (!t || t.leaf === 'status' || !this.tap) return;
    const down = (DOWN_LEAVES as readonly string[]).includes(t.leaf);
    const d = down ? decodeDown(t.leaf, payload, t.pumpId) : decodeUp(t.leaf, payload, t.pumpId);
    if (d.ok) this.tap.message(down ? 'down' : 'up', d.value, name, segment);
  }
}
