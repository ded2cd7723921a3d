/**
 * The run trace: the single source of truth for checks and reports. Typed records, one formatter
 * that prints one line per record, and a hash over the whole trace so two runs of one seed can be
 * compared byte for byte.
 */
import { createHash } from 'node:crypto';
import type { PumpEvent } from '../../sim/trace/events.js';
import { formatEvent } from '../../sim/trace/events.js';

export type CommandSource = 'nurse' | 'scenario' | 'gateway' | 'rogue' | 'comms';
export type AuthVerdict = 'accepted' | 'unsigned' | 'bad-mac' | 'replay' | 'unknown-key' | 'stale' | 'local';

export type TraceRecord =
  | { tMs: number; kind: 'pump'; pumpId: string; event: PumpEvent }
  // `source` is who sent it as the harness knows it; `claimed`, only when it differs, what the message said (`from`).
  | { tMs: number; kind: 'command'; pumpId: string; source: CommandSource; claimed?: CommandSource | undefined; command: string; ok: boolean; code?: string | undefined; auth: AuthVerdict }
  | { tMs: number; kind: 'fault'; fault: string; phase: 'start' | 'end'; target: string; pumps: number }
  | { tMs: number; kind: 'net'; what: 'link-down' | 'link-up' | 'gateway-down' | 'gateway-up'; target: string }
  | { tMs: number; kind: 'ingest'; pumpId: string; seq: number; duplicate: boolean; gapFrom?: number | undefined }
  | { tMs: number; kind: 'escalation'; pumpId: string; alarm: string; level: number }
  | { tMs: number; kind: 'violation'; rule: string; pumpId?: string | undefined; detail: string }
  /** The MQTT broker died without the run asking (docs/mqtt.md, "Broker placement"). */
  | { tMs: number; kind: 'broker'; what: 'died'; detail: string };

export function formatTraceRecord(r: TraceRecord): string {
  const t = String(Math.round(r.tMs)).padStart(9);
  switch (r.kind) {
    case 'pump':
      return `${t} pump ${r.pumpId} ${formatEvent(r.event).slice(2)}`;
    case 'command':
      return `${t} cmd  ${r.pumpId} from=${r.source}${r.claimed !== undefined ? ` claimed=${r.claimed}` : ''} auth=${r.auth} ${r.command} -> ${r.ok ? 'OK' : `ERR ${r.code ?? ''}`}`;
    case 'fault':
      return `${t} fault ${r.phase} ${r.fault} target=${r.target} pumps=${r.pumps}`;
    case 'net':
      return `${t} net  ${r.what} ${r.target}`;
    case 'ingest':
      return `${t} ingest ${r.pumpId} seq=${r.seq}${r.duplicate ? ' duplicate' : ''}${r.gapFrom !== undefined ? ` gap-from=${r.gapFrom}` : ''}`;
    case 'escalation':
      return `${t} escalate ${r.pumpId} ${r.alarm} level=${r.level}`;
    case 'broker':
      return `${t} BROKER DIED (unplanned) ${r.detail}`;
    case 'violation':
      return `${t} VIOLATION ${r.rule}${r.pumpId ? ` ${r.pumpId}` : ''} ${r.detail}`;
  }
}

export interface TraceOptions {
  /**
   * Keep every record in `records` (default true). Without, the trace still counts, hashes and
   * hands each record and line to its listeners (a trace file written as the run goes), and its
   * memory stays flat however long the run (issue 20).
   */
  keep?: boolean;
}

export class Trace {
  /** Every record, when kept (TraceOptions.keep); empty otherwise. */
  readonly records: TraceRecord[] = [];
  readonly kept: boolean;
  private count = 0;
  private readonly hash = createHash('sha256');
  private readonly listeners: ((r: TraceRecord) => void)[] = [];
  private readonly lineListeners: ((line: string) => void)[] = [];

  constructor(options: TraceOptions = {}) {
    this.kept = options.keep ?? true;
  }

  /** How many records were added (kept or not). */
  get size(): number {
    return this.count;
  }

  add(r: TraceRecord): void {
    if (this.kept) this.records.push(r);
    this.count++;
    const line = formatTraceRecord(r);
    this.hash.update(line);
    this.hash.update('\n');
    for (const l of this.listeners) l(r);
    for (const l of this.lineListeners) l(line);
  }

  onRecord(listener: (r: TraceRecord) => void): void {
    this.listeners.push(listener);
  }

  /** Each record's line (formatTraceRecord), as it is added: what a trace file holds, without the newline. */
  onLine(listener: (line: string) => void): void {
    this.lineListeners.push(listener);
  }

  /** The hash of every line so far (the trace can go on after this). */
  digest(): string {
    return this.hash.copy().digest('hex');
  }

  toText(): string {
    if (!this.kept) throw new Error('the trace was not kept in memory (keepTrace: false): write it as it goes with onLine');
    return this.records.map(formatTraceRecord).join('\n') + (this.records.length ? '\n' : '');
  }
}
