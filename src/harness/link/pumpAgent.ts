/**
 * A pump's comms module: every pump event goes into a bounded outbox with a sequence number and
 * is sent until the gateway acknowledges it; status telemetry goes out periodically and doubles as
 * the heartbeat; when the gateway goes quiet the pump raises its low-priority communication alarm
 * and keeps infusing; remote commands are handed to the pump, which verifies them.
 */
import { parseRequest } from '../../sim/protocol/lineCodec.js';
import type { PumpCommand, Reply } from '../../sim/protocol/commands.js';
import type { KeyObject } from 'node:crypto';
import { RemoteGuard, type RemoteEnvelope, type RemoteVerdict } from '../../sim/security/remoteCommand.js';
import type { PumpEvent } from '../../sim/trace/events.js';
import { Timer, type World, type WorldPump } from '../world/world.js';
import { ackText, UPDATE_PREFIX, type AckAuth, type DownMessage, type UpdatePayload } from './messages.js';
import { AckGuard } from './signedDown.js';
import type { Network } from './network.js';

export interface PumpAgentOptions {
  telemetryEveryMs: number;
  /** No word from the gateway for this long: communication lost. */
  commTimeoutMs?: number;
  /** Resend an unacknowledged event after this long. */
  retransmitMs?: number;
  /** Events kept for sending at most; beyond, the oldest are dropped and counted. */
  outboxCapacity?: number;
  /**
   * Who really sent a command that arrived: decided by the harness from what it knows (the
   * gateway's own record of what it sent and signed: Gateway.consumeSent), never from the `from`
   * a sender writes, which any client on the broker can fill in.
   */
  provenance: (e: RemoteEnvelope) => 'gateway' | 'rogue';
  /**
   * What the pump's comms module trusts: the gateway's public key, its key for this pump's
   * acknowledgements (signedDown.ts), and whether the firmware takes anything (the
   * legacy-unauthenticated profile). Updates (and their control operations) are checked against
   * the public key, acknowledgements against the MAC key, before they change anything: signature or
   * MAC, counter (one sequence for updates, one for acknowledgements) and expiry.
   * `acceptUnsignedAcks`: only for someone else's gateway (infusim fleet), which has no key of ours.
   */
  auth: { trustedKey: KeyObject; ackKey: Buffer; acceptUnauthenticated: boolean; acceptUnsignedAcks?: boolean | undefined };
}

export interface RemoteCommandRecord {
  tMs: number;
  pumpId: string;
  /** Who sent it, as the harness knows it (PumpAgentOptions.provenance). */
  source: 'gateway' | 'rogue';
  /** What the message itself said (`from` on MQTT): informational, never trusted. */
  claimed?: 'gateway' | 'rogue' | undefined;
  command: string;
  /** The envelope's counter (the harness matches it to what an attack sent: faults/blastRadius.ts). */
  counter?: number | undefined;
  verdict: RemoteVerdict;
  reply: Reply;
}

interface OutboxEntry {
  seq: number;
  event: PumpEvent;
  lastSentMs: number;
}

export class PumpAgent {
  private readonly outbox: OutboxEntry[] = [];
  private nextSeq = 1;
  private lastHeardMs = 0;
  private commLost = false;
  private readonly commTimeoutMs: number;
  private readonly retransmitMs: number;
  private readonly capacity: number;
  /** Added to the pump's clock when it judges expiry (clock skew fault). */
  clockOffsetMs = 0;
  eventsSent = 0;
  overflowDropped = 0;
  retransmissions = 0;
  /** Acknowledgements ignored: unsigned, a bad signature, a used counter or stale (by verdict). */
  readonly acksRefused: Partial<Record<RemoteVerdict, number>> = {};
  /** Update messages refused (recorded as remote commands too). */
  updatesRefused = 0;
  private stopped = false;
  /**
   * The telemetry cycle's next step: one queue entry for the agent's life, scheduled again at each
   * tick (issue 20: a new entry a tick lived a telemetry period, long enough at 10,000 pumps to
   * outlive a young-generation collection and be copied into the old one).
   */
  private readonly tickTimer = new TickTimer(this);
  /** The pump's place in the world, found at the first tick (the world adds the pump after the agent). */
  private slot: WorldPump | undefined;
  private readonly updateGuard: RemoteGuard;
  private readonly ackGuard: AckGuard;

  constructor(
    readonly pumpId: string,
    segment: string,
    private readonly world: World,
    private readonly network: Network,
    private readonly options: PumpAgentOptions,
    private readonly onRemote: (r: RemoteCommandRecord) => void,
  ) {
    this.commTimeoutMs = options.commTimeoutMs ?? Math.max(30_000, options.telemetryEveryMs * 2.5);
    this.retransmitMs = options.retransmitMs ?? 10_000;
    this.capacity = options.outboxCapacity ?? 20_000;
    const guard = { pumpId, trustedKey: options.auth.trustedKey, acceptUnauthenticated: options.auth.acceptUnauthenticated };
    this.updateGuard = new RemoteGuard(guard);
    this.ackGuard = new AckGuard(pumpId, options.auth.ackKey, options.auth.acceptUnauthenticated || options.auth.acceptUnsignedAcks === true);
    network.attachPump(pumpId, segment, (m) => this.receive(m));
  }

  /** Start the telemetry cycle (offset so a fleet does not speak all at once). */
  start(offsetMs: number): void {
    this.lastHeardMs = this.world.nowMs;
    this.scheduleTick(this.world.nowMs + offsetMs);
  }

  stop(): void {
    this.stopped = true;
  }

  get outboxDepth(): number {
    return this.outbox.length;
  }

  get isCommLost(): boolean {
    return this.commLost;
  }

  /** Every event of the pump comes here (the world's event sink). */
  onPumpEvent(e: PumpEvent): void {
    const entry: OutboxEntry = { seq: this.nextSeq++, event: e, lastSentMs: -Infinity };
    this.outbox.push(entry);
    this.eventsSent++;
    if (this.outbox.length > this.capacity) {
      this.outbox.shift();
      this.overflowDropped++;
    }
    if (!this.commLost) this.send(entry);
  }

  /** Resend everything unacknowledged now (after a reconnection, or at the end of a run). */
  flush(): void {
    for (const e of this.outbox) this.send(e);
  }

  private send(entry: OutboxEntry): void {
    if (entry.lastSentMs > -Infinity) this.retransmissions++;
    entry.lastSentMs = this.world.nowMs;
    this.network.sendUp({ kind: 'event', pumpId: this.pumpId, seq: entry.seq, event: entry.event });
  }

  private scheduleTick(atMs: number): void {
    if (this.tickTimer.pending) throw new Error(`pump agent ${this.pumpId}: telemetry already scheduled (start called twice?)`);
    this.tickTimer.pending = true;
    this.tickTimer.atMs = atMs;
    this.world.schedule(this.tickTimer);
  }

  /** The tick timer's turn (TickTimer). */
  tick(): void {
    this.tickTimer.pending = false;
    if (this.stopped) return;
    const now = this.world.nowMs;
    const slot = (this.slot ??= this.world.pump(this.pumpId));
    this.world.touch(slot);
    this.network.sendUp({ kind: 'status', pumpId: this.pumpId, tMs: now + this.clockOffsetMs, status: slot.pump.status(), outboxDepth: this.outbox.length });
    if (!this.commLost && now - this.lastHeardMs > this.commTimeoutMs) {
      this.commLost = true;
      this.world.command(this.pumpId, { cmd: 'INJECT', input: { sensor: 'comm', value: 'lost' } }, 'comms');
    }
    // Bounded retransmission per tick.
    let budget = 500;
    for (const e of this.outbox) {
      if (budget-- <= 0) break;
      if (now - e.lastSentMs >= this.retransmitMs) this.send(e);
    }
    this.scheduleTick(now + this.options.telemetryEveryMs);
  }

  /** Total acknowledgements refused. */
  get acksRefusedTotal(): number {
    return Object.values(this.acksRefused).reduce((a, b) => a + (b ?? 0), 0);
  }

  private receive(m: DownMessage): void {
    if (this.stopped) return;
    switch (m.kind) {
      case 'event-ack':
      case 'status-ack': {
        if (!this.ackAccepted(ackText(m), m.auth)) return;
        this.heard();
        if (m.kind === 'event-ack') {
          let n = 0;
          while (n < this.outbox.length && (this.outbox[n]?.seq ?? Infinity) <= m.uptoSeq) n++;
          if (n > 0) this.outbox.splice(0, n);
        }
        break;
      }
      case 'command': {
        const source = this.options.provenance(m.envelope);
        const text = m.envelope.command;
        if (text.startsWith(UPDATE_PREFIX)) {
          this.update(m.envelope, source, m.source);
          break;
        }
        const parsed = parseRequest(`r ${text}`);
        const cmd: PumpCommand = 'command' in parsed ? parsed.command : { cmd: 'PING' };
        let verdict = 'unsigned' as RemoteVerdict;
        const reply = this.world.act(this.pumpId, cmd, source, (pump) => {
          const r = pump.executeRemote(m.envelope, this.clockOffsetMs);
          verdict = r.verdict;
          return r.reply;
        });
        this.onRemote({ tMs: this.world.nowMs, pumpId: this.pumpId, source, claimed: m.source, command: text, counter: m.envelope.counter, verdict, reply });
        if (verdict === 'accepted') this.heard();
        if (source === 'gateway') this.network.sendUp({ kind: 'command-ack', pumpId: this.pumpId, counter: m.envelope.counter, reply });
        break;
      }
    }
  }

  /** Word from the gateway (an authenticated message): communication is back if it was lost. */
  private heard(): void {
    this.lastHeardMs = this.world.nowMs;
    if (this.commLost) {
      this.commLost = false;
      this.world.command(this.pumpId, { cmd: 'INJECT', input: { sensor: 'comm', value: 'ok' } }, 'comms');
      this.flush();
    }
  }

  private ackAccepted(text: string, auth: AckAuth | undefined): boolean {
    const verdict = this.ackGuard.check(text, auth, this.world.nowMs + this.clockOffsetMs);
    if (verdict === 'accepted') return true;
    this.acksRefused[verdict] = (this.acksRefused[verdict] ?? 0) + 1;
    return false;
  }

  /**
   * An update message (offer, image chunk, end of image, cancel, library package): applied only
   * with the gateway's signature, a fresh counter and before its expiry; otherwise refused,
   * counted and recorded like a refused command.
   */
  private update(e: RemoteEnvelope, source: 'gateway' | 'rogue', claimed: 'gateway' | 'rogue'): void {
    const json = e.command.slice(UPDATE_PREFIX.length);
    const verdict = this.updateGuard.check(e, this.world.nowMs + this.clockOffsetMs);
    const record = (reply: RemoteCommandRecord['reply']): void =>
      this.onRemote({ tMs: this.world.nowMs, pumpId: this.pumpId, source, claimed, command: `UPDATE op=${updateOp(json)}`, counter: e.counter, verdict, reply });
    if (verdict !== 'accepted') {
      this.updatesRefused++;
      record({ ok: false, code: 'UNAUTHORIZED', reason: `update refused: ${verdict}` });
      return;
    }
    this.heard();
    this.applyUpdate(json, source);
    // An update that someone other than the gateway got a (legacy) pump to take: the run's verdict.
    if (source !== 'gateway') record({ ok: true, fields: {} });
  }

  /** An update from the update server: handed to the pump's update agents (which check everything). */
  private applyUpdate(json: string, source: 'gateway' | 'rogue'): void {
    let u: UpdatePayload;
    try {
      u = JSON.parse(json) as UpdatePayload;
    } catch {
      return;
    }
    this.world.act(this.pumpId, { cmd: 'PING' }, source, (pump) => {
      switch (u.op) {
        case 'fw-offer':
          pump.firmwareOffer(u.signed);
          break;
        case 'fw-chunk':
          pump.firmwareChunk(u.offsetBytes, new Uint8Array(Buffer.from(u.dataB64, 'base64')));
          break;
        case 'fw-end':
          pump.firmwareEndOfImage();
          break;
        case 'fw-cancel':
          pump.firmwareCancel();
          break;
        case 'lib-offer':
          pump.libraryOffer(u.signed);
          break;
      }
      return { ok: true, fields: {} };
    });
  }
}

/** An agent's telemetry tick: its own entry in the world's queue, in it at most once at a time. */
class TickTimer extends Timer {
  /** In the world's queue now. */
  pending = false;

  constructor(private readonly agent: PumpAgent) {
    super(0, null, 0, null);
  }

  override fire(): void {
    this.agent.tick();
  }
}

/** The `op` of an update's JSON, for the record (never the whole image chunk). */
function updateOp(json: string): string {
  try {
    const op = (JSON.parse(json) as { op?: unknown }).op;
    return typeof op === 'string' ? op.slice(0, 20) : '?';
  } catch {
    return '?';
  }
}
