/**
 * The trace lines around each violation, for the report: up to 6 related records before it and 2
 * after, each within 5,000 records of it. Related to a pump's violation: that pump's records and
 * every fault and network record; to a violation of no pump (a global rule): every record.
 *
 * Built while the trace is written, so the trace need not be kept in memory (issue 20): per pump
 * the last 6 records that name it, the last 6 fault or network records and the last 6 records of
 * all; a violation takes its lines before from those at once and its lines after as they come.
 * The lines are the ones a search of the whole trace would find.
 */
import { formatTraceRecord, type Trace, type TraceRecord } from './trace.js';

const BEFORE = 6;
const AFTER = 2;
/** A line of context is at most this many records away from its violation. */
const REACH = 5000;

interface Indexed {
  i: number;
  r: TraceRecord;
}

/** The last few records of one kind, oldest first. */
class Ring {
  private readonly items: Indexed[] = [];
  push(x: Indexed): void {
    if (this.items.length >= BEFORE) this.items.shift();
    this.items.push(x);
  }
  get all(): readonly Indexed[] {
    return this.items;
  }
}

interface Pending {
  /** The violation's index in the trace. */
  i: number;
  pumpId: string | undefined;
  lines: string[];
  after: number;
}

type ViolationRecord = Extract<TraceRecord, { kind: 'violation' }>;

export class ViolationContexts {
  private index = 0;
  private readonly byPump = new Map<string, Ring>();
  private readonly faultNet = new Ring();
  private readonly any = new Ring();
  /** Violations still waiting for their lines after, by pump ('' for a global rule). */
  private readonly waiting = new Map<string, Pending[]>();
  private readonly contexts = new Map<string, string[]>();

  constructor(trace: Trace) {
    trace.onRecord((r) => this.add(r));
  }

  /** The context of the first violation with this time, rule and pump (none recorded: empty). */
  of(v: { tMs: number; rule: string; pumpId?: string | undefined }): string[] {
    return this.contexts.get(keyOf(v)) ?? [];
  }

  private add(r: TraceRecord): void {
    const i = this.index++;
    const pumpId = 'pumpId' in r ? r.pumpId : undefined;
    const faultOrNet = r.kind === 'fault' || r.kind === 'net';
    // Lines after, for the violations before this record that it relates to.
    if (faultOrNet) for (const list of this.waiting.values()) this.follow(list, i, r);
    else {
      if (pumpId !== undefined) this.follow(this.waiting.get(pumpId), i, r);
      this.follow(this.waiting.get(''), i, r);
    }
    if (r.kind === 'violation') this.open(i, r);
    const x = { i, r };
    this.any.push(x);
    if (faultOrNet) this.faultNet.push(x);
    if (pumpId !== undefined) {
      let ring = this.byPump.get(pumpId);
      if (!ring) {
        ring = new Ring();
        this.byPump.set(pumpId, ring);
      }
      ring.push(x);
    }
  }

  private open(i: number, r: ViolationRecord): void {
    const key = keyOf(r);
    if (this.contexts.has(key)) return; // a later twin shows the first one's context
    let before: readonly Indexed[];
    if (r.pumpId === undefined) before = this.any.all;
    else {
      const own = this.byPump.get(r.pumpId)?.all ?? [];
      before = [...own, ...this.faultNet.all].sort((a, b) => a.i - b.i);
    }
    const lines = before
      .filter((x) => i - x.i < REACH)
      .slice(-BEFORE)
      .map((x) => formatTraceRecord(x.r));
    lines.push(formatTraceRecord(r));
    this.contexts.set(key, lines);
    const slot = r.pumpId ?? '';
    const list = this.waiting.get(slot);
    const p: Pending = { i, pumpId: r.pumpId, lines, after: 0 };
    if (list) list.push(p);
    else this.waiting.set(slot, [p]);
  }

  /** A record related to these waiting violations: a line after for each still in reach. */
  private follow(list: Pending[] | undefined, i: number, r: TraceRecord): void {
    if (!list || list.length === 0) return;
    let line: string | undefined;
    let keep = 0;
    for (const p of list) {
      if (i - p.i < REACH && p.after < AFTER) {
        line ??= formatTraceRecord(r);
        p.lines.push(line);
        p.after++;
      }
      if (p.after < AFTER && i - p.i < REACH - 1) list[keep++] = p;
    }
    list.length = keep;
  }
}

function keyOf(v: { tMs: number; rule: string; pumpId?: string | undefined }): string {
  return `${v.tMs}\u0000${v.rule}\u0000${v.pumpId ?? '\u0001'}`;
}
