/**
 * The pump's event log: append-only, timestamped in virtual time, hash-chained. Every command,
 * reply, alarm and state change is an entry (FDA premarket cybersecurity guidance 2023:
 * forensic event logging). Each entry's hash covers the previous hash, so any edit shows.
 */
import * as nodeCrypto from 'node:crypto';

export type LogDirection = 'cmd' | 'reply' | 'event';

export interface LogEntry {
  seq: number;
  tMs: number;
  dir: LogDirection;
  text: string;
  hash: string;
}

export const GENESIS_HASH = '0'.repeat(64);

export function entryHash(prevHash: string, seq: number, tMs: number, dir: LogDirection, text: string): string {
  return sha256Hex(`${prevHash}|${seq}|${tMs}|${dir}|${text}`);
}

/**
 * SHA-256 of a text, in hex: node's one-shot `crypto.hash` where it exists (Node 20.12 and later;
 * issue 20: about 2.5 times faster than a Hash object for a log entry, and every entry is hashed
 * by the pump and again by the safety observer), the same digest through createHash otherwise.
 */
const sha256Hex: (text: string) => string =
  typeof nodeCrypto.hash === 'function' ? (text) => nodeCrypto.hash('sha256', text, 'hex') : (text) => nodeCrypto.createHash('sha256').update(text).digest('hex');

export interface EventLogOptions {
  /** Keep at most this many entries in memory (oldest dropped; the chain head still covers them). */
  maxEntries?: number;
}

export class EventLog {
  private readonly entries: LogEntry[] = [];
  private headHash = GENESIS_HASH;
  private count = 0;
  private lastTMs = 0;
  private droppedCount = 0;
  /** Hash of the entry before the oldest kept one, so a trimmed log still verifies. */
  private baseHash = GENESIS_HASH;
  private readonly maxEntries: number;

  constructor(options: EventLogOptions = {}) {
    this.maxEntries = options.maxEntries ?? 100_000;
  }

  append(tMs: number, dir: LogDirection, text: string): LogEntry {
    if (tMs < this.lastTMs) throw new RangeError(`event log time went back: ${tMs} < ${this.lastTMs}`);
    const seq = this.count;
    const hash = entryHash(this.headHash, seq, tMs, dir, text);
    const entry: LogEntry = { seq, tMs, dir, text, hash };
    this.entries.push(entry);
    this.headHash = hash;
    this.count++;
    this.lastTMs = tMs;
    if (this.entries.length > this.maxEntries) {
      const dropped = this.entries.shift();
      if (dropped) this.baseHash = dropped.hash;
      this.droppedCount++;
    }
    return entry;
  }

  get length(): number {
    return this.count;
  }

  get head(): string {
    return this.headHash;
  }

  get dropped(): number {
    return this.droppedCount;
  }

  all(): readonly LogEntry[] {
    return this.entries;
  }

  /** Verify the chain of the kept entries; returns the first bad sequence number or -1. */
  verify(): number {
    return verifyChain(this.entries, this.baseHash);
  }

  /** The log as text, one entry a line: what "byte-identical" is measured on. */
  toText(): string {
    return this.entries.map(formatLogEntry).join('\n') + (this.entries.length ? '\n' : '');
  }
}

export function formatLogEntry(e: LogEntry): string {
  return `${e.seq} ${e.tMs} ${e.dir} ${e.hash.slice(0, 16)} ${e.text}`;
}

export function verifyChain(entries: readonly LogEntry[], baseHash = GENESIS_HASH): number {
  let prev = baseHash;
  let prevT = -Infinity;
  for (const e of entries) {
    if (e.tMs < prevT) return e.seq;
    if (entryHash(prev, e.seq, e.tMs, e.dir, e.text) !== e.hash) return e.seq;
    prev = e.hash;
    prevT = e.tMs;
  }
  return -1;
}
