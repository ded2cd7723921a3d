/**
 * The gateway's outbound HL7 queue: every message gets its control id (MSH-10) once, when it is
 * queued, and keeps it on every resend, so an engine that has already taken it can tell a resend
 * from a new message. One message is in flight at a time (HL7 original-mode acknowledgement): it
 * leaves the queue only on an AA for its control id; an AE or AR, an acknowledgement that does not
 * come within `ackTimeoutMs`, a refused or broken connection, or a garbled answer send it again
 * after a back-off. With a journal file the queue survives a restart of infusim: each queued
 * message and each acknowledgement is appended before it counts, and opening the journal again
 * resumes with what was not acknowledged.
 */
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { readAck } from './ack.js';
import { MllpDeframer, writeFrame } from './mllp.js';

export interface OutboundOptions {
  host: string;
  port: number;
  /** Append-only journal (durable queue); none: in memory. */
  journalPath?: string;
  ackTimeoutMs?: number;
  /** Back-off after a failure: doubles from min to max. */
  retryMinMs?: number;
  retryMaxMs?: number;
  /** Queue bound: beyond it enqueue() refuses (and counts) rather than grow without end. */
  maxQueued?: number;
  log?: (line: string) => void;
}

interface Entry {
  controlId: string;
  text: string;
}

export interface OutboundStats {
  queued: number;
  acked: number;
  /** Frames written (first sends and resends). */
  sent: number;
  resent: number;
  nacks: number;
  timeouts: number;
  connectFailures: number;
  garbledAnswers: number;
  refusedFull: number;
  /** Acknowledgement delay of each AA (ms from the write of the frame it answers). */
  ackDelaysMs: number[];
}

export class Hl7Outbound {
  readonly stats: OutboundStats = { queued: 0, acked: 0, sent: 0, resent: 0, nacks: 0, timeouts: 0, connectFailures: 0, garbledAnswers: 0, refusedFull: 0, ackDelaysMs: [] };
  /** Control ids acknowledged AA, in order (each once). */
  readonly ackedIds: string[] = [];
  private readonly pending: Entry[] = [];
  private readonly ids = new Set<string>();
  private socket: Socket | undefined;
  private connecting = false;
  private inFlight: { entry: Entry; writtenMs: number; timer: NodeJS.Timeout; attempts: number } | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private backoffMs: number;
  private closed = false;
  private waiters: (() => void)[] = [];
  private attemptsOfHead = 0;

  constructor(private readonly o: OutboundOptions) {
    this.backoffMs = o.retryMinMs ?? 100;
    if (o.journalPath && existsSync(o.journalPath)) this.replay(o.journalPath);
    this.pump();
  }

  get depth(): number {
    return this.pending.length;
  }

  /** Queue a message under its control id (which must be new). False when the queue is full. */
  enqueue(controlId: string, text: string): boolean {
    if (this.ids.has(controlId)) throw new RangeError(`HL7 control id ${controlId} was queued before`);
    if (this.pending.length >= (this.o.maxQueued ?? 1_000_000)) {
      this.stats.refusedFull++;
      return false;
    }
    if (this.o.journalPath) appendFileSync(this.o.journalPath, `E\t${controlId}\t${JSON.stringify(text)}\n`);
    this.ids.add(controlId);
    this.pending.push({ controlId, text });
    this.stats.queued++;
    this.pump();
    return true;
  }

  /** Resolves once the queue is empty, or false after `timeoutMs` of wall time. */
  drained(timeoutMs: number): Promise<boolean> {
    if (this.pending.length === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(t);
        resolve(true);
      };
      const t = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== done);
        resolve(this.pending.length === 0);
      }, timeoutMs);
      this.waiters.push(done);
    });
  }

  close(): void {
    this.closed = true;
    if (this.inFlight) clearTimeout(this.inFlight.timer);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.socket?.destroy();
  }

  private replay(path: string): void {
    const acked = new Set<string>();
    const entries: Entry[] = [];
    for (const line of readFileSync(path, 'utf8').split('\n')) {
      const [kind, id, json] = line.split('\t');
      if (kind === 'E' && id && json) entries.push({ controlId: id, text: JSON.parse(json) as string });
      else if (kind === 'A' && id) acked.add(id);
    }
    for (const e of entries) {
      this.ids.add(e.controlId);
      if (!acked.has(e.controlId)) this.pending.push(e);
    }
  }

  private pump(): void {
    if (this.closed || this.inFlight || this.retryTimer || this.pending.length === 0) return;
    if (!this.socket) return this.open();
    if (this.connecting) return;
    const entry = this.pending[0]!;
    const socket = this.socket;
    const timer = setTimeout(() => this.fail('timeout', `no acknowledgement for ${entry.controlId} within ${this.o.ackTimeoutMs ?? 5000} ms`), this.o.ackTimeoutMs ?? 5000);
    this.inFlight = { entry, writtenMs: performance.now(), timer, attempts: ++this.attemptsOfHead };
    this.stats.sent++;
    if (this.attemptsOfHead > 1) this.stats.resent++;
    writeFrame(socket, entry.text);
  }

  private open(): void {
    if (this.connecting || this.closed) return;
    this.connecting = true;
    const s = connect({ host: this.o.host, port: this.o.port });
    this.socket = s;
    const deframer = new MllpDeframer();
    s.setNoDelay(true);
    s.on('connect', () => {
      this.connecting = false;
      this.pump();
    });
    s.on('data', (chunk: Buffer) => {
      for (const d of deframer.push(chunk)) {
        if (d.kind === 'garbled') this.stats.garbledAnswers++;
        else this.answer(d.text);
      }
    });
    s.on('error', () => undefined);
    s.on('close', () => {
      if (this.socket !== s) return;
      const wasConnecting = this.connecting;
      this.socket = undefined;
      this.connecting = false;
      if (wasConnecting) this.stats.connectFailures++;
      this.fail('connection', wasConnecting ? `cannot connect to ${this.o.host}:${this.o.port}` : 'connection closed');
    });
  }

  private answer(text: string): void {
    const ack = readAck(text);
    const f = this.inFlight;
    if (!ack) {
      this.stats.garbledAnswers++;
      return;
    }
    // An answer for another message (a late one, after a resend) is not this message's answer.
    if (!f || ack.ackedId !== f.entry.controlId) return;
    clearTimeout(f.timer);
    if (ack.code !== 'AA') {
      this.stats.nacks++;
      this.inFlight = undefined;
      this.log(`${ack.code} for ${f.entry.controlId}: ${ack.reason}`);
      return this.later();
    }
    this.stats.ackDelaysMs.push(performance.now() - f.writtenMs);
    if (this.o.journalPath) appendFileSync(this.o.journalPath, `A\t${f.entry.controlId}\n`);
    this.pending.shift();
    this.ackedIds.push(f.entry.controlId);
    this.stats.acked++;
    this.inFlight = undefined;
    this.attemptsOfHead = 0;
    this.backoffMs = this.o.retryMinMs ?? 100;
    if (this.pending.length === 0) {
      const w = this.waiters;
      this.waiters = [];
      for (const fn of w) fn();
    }
    this.pump();
  }

  private fail(why: 'timeout' | 'connection', detail: string): void {
    if (why === 'timeout') {
      this.stats.timeouts++;
      // A slow engine may still answer: a fresh connection makes sure a late answer cannot be taken for the next message's.
      this.socket?.destroy();
      this.socket = undefined;
      this.connecting = false;
    }
    if (this.inFlight) clearTimeout(this.inFlight.timer);
    this.inFlight = undefined;
    this.log(detail);
    this.later();
  }

  private later(): void {
    if (this.closed || this.retryTimer) return;
    const wait = this.backoffMs;
    this.backoffMs = Math.min(this.o.retryMaxMs ?? 5000, this.backoffMs * 2);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.pump();
    }, wait);
  }

  private log(line: string): void {
    this.o.log?.(`hl7: ${line}`);
  }
}
