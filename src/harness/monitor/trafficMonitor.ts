/**
 * The passive traffic monitor (docs/monitoring.md): a network sensor on the in-process network
 * (Network.tap). It sees every message as it is sent (with the sending connection's client id and
 * segment) and every connection that drops; it learns each pump's and unit's normal during the
 * baseline window, then raises alerts by the scenario's rules. It changes nothing in the run: it
 * draws no random number, schedules nothing, writes nothing to the trace.
 *
 * Each detector is a small function over what it sees; which one runs on what is the table
 * DETECTORS_ON below. Thresholds read "at least": a windowed detector alerts when the count within
 * its window reaches max(count, floor(factor × baseline peak) + 1) (factor only where the table has one).
 */
import type { UpdaterEventLike } from './updateEvent.js';
import type { DownMessage, UpMessage } from '../link/messages.js';
import type { WireTap } from '../link/network.js';
import type { DetectorKind } from '../scenario/monitorSchema.js';
import { MAX_EVIDENCE_LINES, type Alert } from './alert.js';
import type { MonitorConfig } from './rules.js';
import { TimedWindow } from './window.js';
import { connectLine, linkLine, wireLine } from './wireLine.js';
import { newUnitBaseline, type UnitBaseline } from './baseline.js';

export interface MonitoredPump {
  id: string;
  unit: string;
  segment: string;
  firmware: string;
}

/** Verdicts of a refused command that mean a missing or bad signature (not a replay or an expiry). */
const SIGNATURE_VERDICTS: ReadonlySet<string> = new Set(['unsigned', 'bad-signature', 'wrong-pump']);
/** Commands counted by command-rate (docs/monitoring.md). */
const RATE_COMMANDS = /^(TITRATE|BOLUS)\b/;
const MAX_ENVELOPES_PER_PUMP = 512;
/** An update message that offers firmware (link/messages.ts: `UPDATE {"op":"fw-offer",...}`). */
const FIRMWARE_OFFER = /^UPDATE \{"op":"fw-offer"/;
/** Why a pump refuses a firmware offer that mean its signature (src/sim/firmware/refusals.ts). */
const FIRMWARE_SIGNATURE_REASONS: ReadonlySet<string> = new Set(['bad-signature', 'unknown-key', 'malformed']);

export class TrafficMonitor implements WireTap {
  readonly alerts: Alert[] = [];
  readonly baseline = new Map<string, UnitBaseline>();
  private readonly known = new Set<string>(['gateway']);
  private readonly pumps = new Map<string, MonitoredPump>();
  private readonly firmware = new Map<string, string>();
  private readonly sources: Set<string>;
  private readonly lastRaised = new Map<string, number>();
  private readonly envelopes = new Map<string, Set<string>>();
  private readonly maxEventSeq = new Map<string, number>();
  private readonly windows = new Map<string, TimedWindow>();
  private readonly peaks = new Map<string, number>();
  private readonly buckets = new Map<string, { bucket: number; n: number }>();

  constructor(
    private readonly config: MonitorConfig,
    fleet: readonly MonitoredPump[],
    private readonly nowMs: () => number,
    private readonly onAlert: (a: Alert) => void = () => undefined,
  ) {
    for (const p of fleet) {
      this.pumps.set(p.id, p);
      this.known.add(p.id);
      this.firmware.set(p.id, p.firmware);
      if (!this.baseline.has(p.unit)) this.baseline.set(p.unit, newUnitBaseline(p.unit, p.segment));
      const b = this.baseline.get(p.unit);
      if (b) {
        b.pumps++;
        b.firmware.add(p.firmware);
      }
    }
    this.sources = new Set(config.authorisedSources);
  }

  private get learning(): boolean {
    return this.nowMs() < this.config.baselineMs;
  }

  message(dir: 'up' | 'down', m: UpMessage | DownMessage, clientId: string, fromSegment: string): void {
    const t = this.nowMs();
    const learning = t < this.config.baselineMs;
    if (learning) this.learn(dir, m, clientId);
    if (m.kind === 'status-ack' || m.kind === 'event-ack') return;
    this.flood(t, dir, m, clientId, fromSegment, learning);
    if (!this.known.has(clientId)) {
      if (learning) this.known.add(clientId);
      else this.raise('unknown-client', clientId, { clientId, segment: fromSegment || this.config.gatewaySegment, ...(m.pumpId ? { pumpId: m.pumpId } : {}) }, `client id "${clientId}" is not a registered pump, the gateway or a client of the baseline`, [wireLine(t, dir, m, clientId, fromSegment)]);
    }
    if (dir === 'up') this.up(t, m as UpMessage, clientId, fromSegment, learning);
    else if (m.kind === 'command') this.command(t, m, clientId, fromSegment, learning);
  }

  /** A client connects (over MQTT, seen by the sensor on its segment): an unknown client id is raised as it connects, before it sends anything. */
  connect(clientId: string, fromSegment: string): void {
    if (this.known.has(clientId)) return;
    const t = this.nowMs();
    if (this.learning) this.known.add(clientId);
    else this.raise('unknown-client', clientId, { clientId, segment: fromSegment || this.config.gatewaySegment }, `client id "${clientId}" is not a registered pump, the gateway or a client of the baseline`, [connectLine(t, clientId, fromSegment)]);
  }

  link(target: string, down: boolean): void {
    if (!down) return;
    const t = this.nowMs();
    const r = this.config.rules['connection-flapping'];
    const n = this.window(`flap|${target}`, r.windowMs).add(t, linkLine(t, target, true));
    if (this.learning || !r.enabled || n < r.count) return;
    const seg = target.startsWith('segment:') ? target.slice('segment:'.length) : undefined;
    this.raise('connection-flapping', target, seg ? { segment: seg } : { pumpId: target, segment: this.pumps.get(target)?.segment }, `${n} connection drops of ${target} within ${r.windowMs} ms`, this.window(`flap|${target}`, r.windowMs).last(MAX_EVIDENCE_LINES));
  }

  private up(t: number, m: UpMessage, clientId: string, fromSegment: string, learning: boolean): void {
    const segment = this.pumps.get(m.pumpId)?.segment;
    if (clientId !== m.pumpId && !learning) {
      this.raise('foreign-topic', `${clientId}|${m.pumpId}`, { clientId, pumpId: m.pumpId, segment }, `client "${clientId}" publishes on the topics of pump ${m.pumpId}`, [wireLine(t, 'up', m, clientId, fromSegment)]);
    }
    if (m.kind !== 'event') return;
    // An event is counted once: a retransmission carries a sequence number already seen.
    if (m.seq <= (this.maxEventSeq.get(m.pumpId) ?? 0)) return;
    this.maxEventSeq.set(m.pumpId, m.seq);
    const e = m.event;
    if (e.type === 'REMOTE_REFUSED' && SIGNATURE_VERDICTS.has(e.verdict) && segment !== undefined) {
      const r = this.config.rules['signature-failures'];
      const w = this.window(`sig|${segment}`, r.windowMs);
      const n = w.add(t, wireLine(t, 'up', m, clientId, fromSegment));
      if (!learning && r.enabled && n >= r.count) this.raise('signature-failures', segment, { segment }, `${n} commands refused for their signature on ${segment} within ${r.windowMs} ms`, w.last(MAX_EVIDENCE_LINES));
    } else if (e.type === 'UPDATE') {
      if (!learning && e.event.type === 'refused' && FIRMWARE_SIGNATURE_REASONS.has(String(e.event.reason))) {
        this.raise('firmware-offer', m.pumpId, { pumpId: m.pumpId, segment }, `pump ${m.pumpId} refused a firmware offer (${String(e.event.reason)}${e.event.version !== undefined ? `, version ${e.event.version}` : ''}): an image the vendor did not sign came down the update path`, [wireLine(t, 'up', m, clientId, fromSegment)]);
      }
      const boot = bootVersion(e.event);
      if (boot === undefined) return;
      const before = this.firmware.get(m.pumpId);
      this.firmware.set(m.pumpId, boot);
      if (learning) {
        const unit = this.pumps.get(m.pumpId)?.unit;
        if (unit) this.baseline.get(unit)?.firmware.add(boot);
        return;
      }
      if (boot !== before && !this.config.approvedFirmware.has(boot)) {
        this.raise('firmware-change', m.pumpId, { pumpId: m.pumpId, segment }, `pump ${m.pumpId} booted firmware ${boot} (was ${before ?? 'unknown'}), not an approved release`, [wireLine(t, 'up', m, clientId, fromSegment)]);
      }
    }
  }

  private command(t: number, m: Extract<DownMessage, { kind: 'command' }>, clientId: string, fromSegment: string, learning: boolean): void {
    const pump = this.pumps.get(m.pumpId);
    const segment = pump?.segment;
    const line = (): string => wireLine(t, 'down', m, clientId, fromSegment);
    // replay: the same envelope seen before (whoever sends it).
    const key = `${m.envelope.counter}|${m.envelope.issuedMs}|${m.envelope.signature ?? '-'}`;
    let seen = this.envelopes.get(m.pumpId);
    if (!seen) this.envelopes.set(m.pumpId, (seen = new Set()));
    if (seen.has(key)) {
      if (!learning) this.raise('replay', m.pumpId, { pumpId: m.pumpId, segment, clientId }, `a command envelope to ${m.pumpId} (counter ${m.envelope.counter}) was sent before`, [line()]);
    } else {
      seen.add(key);
      if (seen.size > MAX_ENVELOPES_PER_PUMP) seen.delete(seen.values().next().value as string);
    }
    if (learning) {
      this.sources.add(clientId);
    } else {
      if (!this.sources.has(clientId) && FIRMWARE_OFFER.test(m.envelope.command)) this.raise('firmware-offer', `${clientId}|${m.pumpId}`, { clientId, pumpId: m.pumpId, segment }, `client "${clientId}" offers firmware to ${m.pumpId} and is not an authorised source`, [line()]);
      if (!this.sources.has(clientId)) this.raise('unauthorised-command', `${clientId}|${m.pumpId}`, { clientId, pumpId: m.pumpId, segment }, `client "${clientId}" is not an authorised command source`, [line()]);
      if (this.pumps.has(clientId)) this.raise('foreign-topic', `${clientId}|${m.pumpId}`, { clientId, pumpId: m.pumpId, segment }, `the client of pump ${clientId} publishes a command on the topics of pump ${m.pumpId}`, [line()]);
      const gw = this.config.gatewaySegment;
      if (fromSegment !== '' && segment !== undefined && fromSegment !== segment && fromSegment !== gw && !this.config.allowedPairs.has(`${fromSegment}|${segment}`)) {
        this.raise('cross-segment', `${fromSegment}|${segment}`, { clientId, segment: fromSegment, pumpId: m.pumpId }, `traffic from segment ${fromSegment} to segment ${segment}, which allow: does not let talk`, [line()]);
      }
    }
    if (RATE_COMMANDS.test(m.envelope.command)) {
      const r = this.config.rules['command-rate'];
      const w = this.window(`rate|${m.pumpId}`, r.windowMs);
      const n = w.add(t, line());
      if (learning) this.peaks.set(`rate|${m.pumpId}`, Math.max(this.peaks.get(`rate|${m.pumpId}`) ?? 0, n));
      else if (r.enabled && n >= this.threshold('command-rate', `rate|${m.pumpId}`)) {
        this.raise('command-rate', m.pumpId, { pumpId: m.pumpId, segment, clientId }, `${n} titrations and boluses to ${m.pumpId} within ${r.windowMs} ms (threshold ${this.threshold('command-rate', `rate|${m.pumpId}`)})`, w.last(MAX_EVIDENCE_LINES));
      }
    }
  }

  /** message-flood: messages per client per window-long interval aligned to time 0. */
  private flood(t: number, dir: 'up' | 'down', m: UpMessage | DownMessage, clientId: string, fromSegment: string, learning: boolean): void {
    const r = this.config.rules['message-flood'];
    if (!r.enabled || r.windowMs <= 0) return;
    const bucket = Math.floor(t / r.windowMs);
    let b = this.buckets.get(clientId);
    if (!b) this.buckets.set(clientId, (b = { bucket, n: 0 }));
    if (b.bucket !== bucket) {
      b.bucket = bucket;
      b.n = 0;
    }
    b.n++;
    const key = `flood|${clientId}`;
    if (learning) {
      if (b.n > (this.peaks.get(key) ?? 0)) this.peaks.set(key, b.n);
      return;
    }
    if (b.n === this.threshold('message-flood', key)) {
      this.raise('message-flood', clientId, { clientId, segment: fromSegment || this.config.gatewaySegment }, `client "${clientId}" sent ${b.n} messages within ${r.windowMs} ms (its baseline peak ${this.peaks.get(key) ?? 0})`, [wireLine(t, dir, m, clientId, fromSegment)]);
    }
  }

  private threshold(kind: 'command-rate' | 'message-flood', key: string): number {
    const r = this.config.rules[kind];
    return Math.max(r.count, Math.floor(r.factor * (this.peaks.get(key) ?? 0)) + 1);
  }

  private window(key: string, windowMs: number): TimedWindow {
    let w = this.windows.get(key);
    if (!w) this.windows.set(key, (w = new TimedWindow(windowMs, 1000)));
    return w;
  }

  private learn(dir: 'up' | 'down', m: UpMessage | DownMessage, clientId: string): void {
    const pump = this.pumps.get(m.pumpId);
    const b = pump ? this.baseline.get(pump.unit) : undefined;
    if (!b) return;
    if (dir === 'up') b.upMessages++;
    else if (m.kind === 'command') {
      b.commands++;
      b.commandSources.add(clientId);
    }
    b.clientIds.add(clientId);
  }

  private raise(kind: DetectorKind, subject: string, about: { pumpId?: string | undefined; segment?: string | undefined; clientId?: string | undefined }, detail: string, evidence: string[]): void {
    const r = this.config.rules[kind];
    if (!r.enabled) return;
    const t = this.nowMs();
    const key = `${kind}|${subject}`;
    const last = this.lastRaised.get(key);
    if (last !== undefined && t - last < r.cooldownMs) return;
    this.lastRaised.set(key, t);
    const a: Alert = { kind, severity: r.severity, ...(about.pumpId !== undefined ? { pumpId: about.pumpId } : {}), ...(about.segment !== undefined ? { segment: about.segment } : {}), ...(about.clientId !== undefined ? { clientId: about.clientId } : {}), atMs: t, detail, evidence };
    this.alerts.push(a);
    this.onAlert(a);
  }
}

/** The version a pump boots (the firmware update agent's `boot` event), if this is one. */
function bootVersion(e: UpdaterEventLike): string | undefined {
  return e.type === 'boot' && typeof e.version === 'string' ? e.version : undefined;
}
