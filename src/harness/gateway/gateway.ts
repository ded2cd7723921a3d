/**
 * The hospital side: keeps the fleet's last-known state, ingests pump events exactly once
 * (dedupe by pump and sequence number, gaps detected and filled by retransmission), keeps them
 * in the run record, escalates unanswered high-priority alarms (a distributed alarm system in the
 * sense of IEC 60601-1-8), and sends signed remote commands.
 */
import { createHash, type KeyObject } from 'node:crypto';
import type { PumpStatus } from '../../sim/pump/pump.js';
import { signEnvelope, type RemoteEnvelope } from '../../sim/security/remoteCommand.js';
import type { PumpEvent } from '../../sim/trace/events.js';
import { ackText, STATUS_ACK_TEXT, UPDATE_PREFIX, type AckAuth, type UpdatePayload, type UpMessage } from '../link/messages.js';
import type { Network } from '../link/network.js';
import { ackKeyFor, IssuedAck, keyIdOf } from '../link/signedDown.js';
import type { World } from '../world/world.js';

export interface IngestedEvent {
  pumpId: string;
  seq: number;
  receivedMs: number;
  event: PumpEvent;
}

interface PumpRecord {
  nextExpected: number;
  ahead: Set<number>;
  /** The highest sequence number in `ahead` (meaningful while it is not empty): no spread of the set per message. */
  aheadMax: number;
  status?: PumpStatus | undefined;
  lastSeenMs: number;
  ingested: number;
  duplicates: number;
  gaps: number;
  counter: number;
  /** Counters of signed updates and of signed acknowledgements (each its own sequence). */
  updateCounter: number;
  ackCounter: number;
  /** The key of this pump's acknowledgements (ackKeyFor). */
  ackKey?: Buffer | undefined;
  /** keyIdOf(ackKey), kept with it. */
  ackKeyId?: string | undefined;
  lastEnvelope?: RemoteEnvelope | undefined;
  /** Active high-priority alarms: id → raised time, escalation level reached. */
  highAlarms: Map<string, { raisedMs: number; level: number }>;
}

export interface GatewayHooks {
  /** Keep every ingested event in `record` (default true); without, only the counters (memory flat per pump). */
  keepRecord?: boolean;
  onIngest?: (e: IngestedEvent) => void;
  onDuplicate?: (pumpId: string, seq: number) => void;
  onGap?: (pumpId: string, fromSeq: number, toSeq: number) => void;
  onEscalate?: (pumpId: string, alarmId: string, level: number, tMs: number) => void;
}

/** Escalation of an unanswered high-priority alarm to the charge nurse, then to the rapid response team. */
/** Envelopes sent and not yet delivered that the gateway remembers at most. */
const MAX_SENT_REMEMBERED = 200_000;

export const ESCALATION_AFTER_MS = [120_000, 300_000] as const;

export class Gateway {
  private readonly pumps = new Map<string, PumpRecord>();
  /** Every event ingested, in order (unless GatewayHooks.keepRecord is false). */
  readonly record: IngestedEvent[] = [];
  commandsSent = 0;
  /** Update messages relayed (offers, chunks, library packages). */
  updatesSent = 0;
  /**
   * What this gateway sent and has not yet been delivered, by a digest of the whole envelope (its
   * signature included): the harness's own record, from which a run decides who sent a command
   * (never from the `from` a sender writes). Each send counts once: a second arrival of the same
   * envelope (a replay, or a copy the network made) is not the gateway's.
   */
  private readonly sentEnvelopes = new Map<string, number>();

  constructor(
    private readonly world: World,
    private readonly network: Network,
    private readonly privateKey: KeyObject,
    private readonly hooks: GatewayHooks = {},
    /** How long a signed command stays valid (ms). */
    private readonly commandTtlMs = 30_000,
  ) {
    network.attachGateway((m) => this.receive(m));
  }

  register(pumpId: string): void {
    this.pumps.set(pumpId, { nextExpected: 1, ahead: new Set(), aheadMax: 0, lastSeenMs: -1, ingested: 0, duplicates: 0, gaps: 0, counter: 0, updateCounter: 0, ackCounter: 0, highAlarms: new Map() });
  }

  /** The pump's last status as telemetry told it: the gateway's own object, updated in place (copy it to keep it). */
  lastKnown(pumpId: string): PumpStatus | undefined {
    return this.pumps.get(pumpId)?.status;
  }

  stats(pumpId: string): { ingested: number; duplicates: number; gaps: number; contiguousUpTo: number; lastSeenMs: number } {
    const r = this.rec(pumpId);
    return { ingested: r.ingested, duplicates: r.duplicates, gaps: r.gaps, contiguousUpTo: r.nextExpected - 1, lastSeenMs: r.lastSeenMs };
  }

  lastEnvelope(pumpId: string): RemoteEnvelope | undefined {
    return this.rec(pumpId).lastEnvelope;
  }

  /** Send a signed command (the canonical text of a protocol command, without id). */
  sendCommand(pumpId: string, command: string, options: { signed?: boolean } = {}): RemoteEnvelope {
    const r = this.rec(pumpId);
    const now = this.world.nowMs;
    const bare = { pumpId, counter: ++r.counter, issuedMs: now, expiresMs: now + this.commandTtlMs, command };
    // An unsigned command from the gateway itself (a misconfigured integration): pumps refuse it.
    const envelope: RemoteEnvelope = options.signed === false ? bare : signEnvelope(bare, this.privateKey);
    r.lastEnvelope = envelope;
    this.commandsSent++;
    this.noteSent(envelope);
    this.network.sendDown({ kind: 'command', pumpId, envelope, source: 'gateway' });
    return envelope;
  }

  /** Relay an update (offer, image chunk, library package) from the update server to a pump. */
  sendUpdate(pumpId: string, payload: UpdatePayload): void {
    const now = this.world.nowMs;
    const r = this.rec(pumpId);
    this.updatesSent++;
    // Signed like a command, with its own counter: an update or a control operation (fw-cancel)
    // without the gateway's signature is refused by the pump.
    const envelope = signEnvelope({ pumpId, counter: ++r.updateCounter, issuedMs: now, expiresMs: now + this.commandTtlMs, command: `${UPDATE_PREFIX}${JSON.stringify(payload)}` }, this.privateKey);
    this.noteSent(envelope);
    this.network.sendDown({ kind: 'command', pumpId, envelope, source: 'gateway' });
  }

  /** Did this gateway send this exact envelope, not delivered before? A yes is used up. */
  consumeSent(e: RemoteEnvelope): boolean {
    const k = envelopeDigest(e);
    const n = this.sentEnvelopes.get(k);
    if (n === undefined) return false;
    if (n <= 1) this.sentEnvelopes.delete(k);
    else this.sentEnvelopes.set(k, n - 1);
    return true;
  }

  private noteSent(e: RemoteEnvelope): void {
    // Bounded: what was never delivered (lost on the way) is forgotten, oldest first.
    if (this.sentEnvelopes.size >= MAX_SENT_REMEMBERED) {
      const oldest = this.sentEnvelopes.keys().next().value;
      if (oldest !== undefined) this.sentEnvelopes.delete(oldest);
    }
    const k = envelopeDigest(e);
    this.sentEnvelopes.set(k, (this.sentEnvelopes.get(k) ?? 0) + 1);
  }

  private rec(pumpId: string): PumpRecord {
    const r = this.pumps.get(pumpId);
    if (!r) throw new RangeError(`gateway: unknown pump "${pumpId}"`);
    return r;
  }

  private receive(m: UpMessage): void {
    const r = this.pumps.get(m.pumpId);
    if (!r) return; // an unknown sender gets nothing
    r.lastSeenMs = this.world.nowMs;
    if (m.kind === 'status') {
      // Copied into the record's own object (issue 20: the message's object, kept a telemetry period,
      // outlived a young-generation collection at 10,000 pumps and was copied into the old one).
      r.status = copyStatus(m.status, r.status);
      this.network.sendDown({ kind: 'status-ack', pumpId: m.pumpId, auth: this.ackAuth(m.pumpId, r, STATUS_ACK_TEXT) });
      return;
    }
    if (m.kind === 'command-ack') return;
    this.ingest(m.pumpId, r, m.seq, m.event);
    const uptoSeq = r.nextExpected - 1;
    this.network.sendDown({ kind: 'event-ack', pumpId: m.pumpId, uptoSeq, auth: this.ackAuth(m.pumpId, r, ackText({ kind: 'event-ack', uptoSeq })) });
  }

  /** The signature, counter and expiry of an acknowledgement. */
  private ackAuth(pumpId: string, r: PumpRecord, text: string): AckAuth {
    const now = this.world.nowMs;
    if (!r.ackKey || r.ackKeyId === undefined) {
      r.ackKey = ackKeyFor(this.privateKey, pumpId);
      r.ackKeyId = keyIdOf(r.ackKey);
    }
    return new IssuedAck(r.ackKey, pumpId, { counter: ++r.ackCounter, issuedMs: now, expiresMs: now + this.commandTtlMs }, text, r.ackKeyId);
  }

  private ingest(pumpId: string, r: PumpRecord, seq: number, event: PumpEvent): void {
    if (seq < r.nextExpected || r.ahead.has(seq)) {
      r.duplicates++;
      this.hooks.onDuplicate?.(pumpId, seq);
      return;
    }
    if (seq > r.nextExpected) {
      // A hole: remember once per new hole; the pump resends what is missing.
      const highestAhead = r.ahead.size ? r.aheadMax : r.nextExpected - 1;
      if (seq > highestAhead + 1) {
        r.gaps++;
        this.hooks.onGap?.(pumpId, Math.max(r.nextExpected, highestAhead + 1), seq - 1);
      }
      r.aheadMax = r.ahead.size ? Math.max(r.aheadMax, seq) : seq;
      r.ahead.add(seq);
    } else {
      r.nextExpected++;
      while (r.ahead.delete(r.nextExpected)) r.nextExpected++;
    }
    r.ingested++;
    const rec: IngestedEvent = { pumpId, seq, receivedMs: this.world.nowMs, event };
    if (this.hooks.keepRecord !== false) this.record.push(rec);
    this.hooks.onIngest?.(rec);
    this.trackAlarm(pumpId, r, event);
  }

  private trackAlarm(pumpId: string, r: PumpRecord, e: PumpEvent): void {
    if (e.type === 'ALARM' && e.prio === 'high') {
      r.highAlarms.set(e.id, { raisedMs: e.tMs, level: 0 });
      this.scheduleEscalation(pumpId, e.id, e.tMs, 0);
    } else if (e.type === 'ALARM_END' || (e.type === 'AUDIO' && e.prio !== 'high')) {
      // Ended, or answered at the pump (its high-priority audio stopped).
      if (e.type === 'ALARM_END') r.highAlarms.delete(e.id);
      else for (const a of r.highAlarms.values()) a.level = ESCALATION_AFTER_MS.length;
    }
  }

  private scheduleEscalation(pumpId: string, alarmId: string, raisedMs: number, level: number): void {
    const afterMs = ESCALATION_AFTER_MS[level];
    if (afterMs === undefined) return;
    this.world.at(raisedMs + afterMs, () => {
      const a = this.rec(pumpId).highAlarms.get(alarmId);
      if (!a || a.raisedMs !== raisedMs || a.level !== level) return;
      a.level = level + 1;
      this.hooks.onEscalate?.(pumpId, alarmId, level + 1, this.world.nowMs);
      this.scheduleEscalation(pumpId, alarmId, raisedMs, level + 1);
    });
  }
}

/** `s`'s fields written into `into` (a new object when there is none yet). */
function copyStatus(s: PumpStatus, into: PumpStatus | undefined): PumpStatus {
  if (!into) return { tMs: s.tMs, state: s.state, mode: s.mode, drug: s.drug, rateMlPerH: s.rateMlPerH, viMl: s.viMl, vtbiMl: s.vtbiMl, alarm: s.alarm, prio: s.prio, batteryPercent: s.batteryPercent, onMains: s.onMains };
  into.tMs = s.tMs;
  into.state = s.state;
  into.mode = s.mode;
  into.drug = s.drug;
  into.rateMlPerH = s.rateMlPerH;
  into.viMl = s.viMl;
  into.vtbiMl = s.vtbiMl;
  into.alarm = s.alarm;
  into.prio = s.prio;
  into.batteryPercent = s.batteryPercent;
  into.onMains = s.onMains;
  return into;
}

function envelopeDigest(e: RemoteEnvelope): string {
  return createHash('sha256').update(JSON.stringify([e.pumpId, e.counter, e.issuedMs, e.expiresMs, e.command, e.signature ?? ''])).digest('base64');
}
