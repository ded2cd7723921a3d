/**
 * The terminal summary printed at the end of a run, and the aggregations it shares with the HTML
 * report (alarm counts, response times, delivered volume error, network counters).
 */
import { rolloutSummaryLines } from './rollout.js';
import { monitorSummaryLines } from './monitor.js';
import { playbookSummaryLines } from './playbook.js';
import { blastSummaryLines } from './blastRadius.js';
import { ALARM_IDS, ALARM_TABLE, PRIORITY_RANK, isAlarmId } from '../../sim/alarms/alarmTable.js';
import type { AlarmPriority } from '../../sim/alarms/alarmTable.js';
import type { AlarmRecord, NetworkStats, PumpSummary, RunResult } from '../run/result.js';
import { clockText, traceLineForPeople } from './timeline.js';
import { alarmOutcome } from './alarmAnswers.js';

export interface SummaryOptions {
  /** ANSI green PASS and red FAIL/VIOLATION; nothing else is coloured. */
  color?: boolean;
}

/** The p-th percentile (0..100) of ascending values, interpolated linearly between ranks; NaN when empty. */
export function percentile(sortedAsc: readonly number[], p: number): number {
  const n = sortedAsc.length;
  if (n === 0) return NaN;
  const rank = (Math.min(100, Math.max(0, p)) / 100) * (n - 1);
  const lo = Math.floor(rank);
  const hi = Math.min(n - 1, lo + 1);
  const a = sortedAsc[lo] ?? 0;
  const b = sortedAsc[hi] ?? a;
  return a + (b - a) * (rank - lo);
}

function alarmOrder(id: string): number {
  const prio: AlarmPriority = isAlarmId(id) ? ALARM_TABLE[id].priority : 'low';
  const idx = isAlarmId(id) ? ALARM_IDS.indexOf(id) : ALARM_IDS.length;
  return -PRIORITY_RANK[prio] * 1000 + idx;
}

function alarmIdsIn(alarms: readonly AlarmRecord[]): string[] {
  const ids = [...new Set(alarms.map((a) => String(a.id)))];
  return ids.sort((a, b) => alarmOrder(a) - alarmOrder(b) || (a < b ? -1 : a > b ? 1 : 0));
}

/** The units of the run in declaration order, then any unit only seen in alarms. */
export function unitIds(result: RunResult): string[] {
  const ids = result.units.map((u) => u.id);
  const extra = [...new Set(result.alarms.map((a) => a.unit))].filter((u) => !ids.includes(u)).sort();
  return [...ids, ...extra];
}

export interface AlarmCountRow {
  alarm: string;
  priority: string;
  /** One count per unit, in the order of `units`. */
  counts: number[];
  total: number;
}

export function alarmCountsByTypeAndUnit(result: RunResult): { units: string[]; rows: AlarmCountRow[]; unitTotals: number[] } {
  const units = unitIds(result);
  const rows = alarmIdsIn(result.alarms).map((alarm): AlarmCountRow => {
    const mine = result.alarms.filter((a) => a.id === alarm);
    const counts = units.map((u) => mine.filter((a) => a.unit === u).length);
    return { alarm, priority: isAlarmId(alarm) ? ALARM_TABLE[alarm].priority : (mine[0]?.priority ?? ''), counts, total: mine.length };
  });
  const unitTotals = units.map((u) => result.alarms.filter((a) => a.unit === u).length);
  return { units, rows, unitTotals };
}

export interface ResponseStats {
  alarm: string;
  raised: number;
  /** A person acknowledged or silenced it. */
  answered: number;
  /** Nobody answered and it ended with its cause (non-latching kinds: the link came back, ...). */
  endedUnanswered: number;
  /** Nobody answered and it was still on at the end of the run. */
  stillOn: number;
  /** NaN when nothing was answered. */
  medianMs: number;
  p90Ms: number;
  maxMs: number;
}

/** Time from raised to first acknowledge/silence, per alarm type; what nobody answered split by how it ended (alarmAnswers.ts). */
export function alarmResponseStats(alarms: readonly AlarmRecord[]): ResponseStats[] {
  return alarmIdsIn(alarms).map((alarm) => {
    const mine = alarms.filter((a) => a.id === alarm);
    const outcomes = mine.map(alarmOutcome);
    const times = mine
      .filter((a) => a.answeredMs !== undefined)
      .map((a) => (a.answeredMs ?? 0) - a.raisedMs)
      .sort((x, y) => x - y);
    return {
      alarm,
      raised: mine.length,
      answered: times.length,
      endedUnanswered: outcomes.filter((o) => o === 'ended').length,
      stillOn: outcomes.filter((o) => o === 'active').length,
      medianMs: percentile(times, 50),
      p90Ms: percentile(times, 90),
      maxMs: times.length ? (times[times.length - 1] ?? NaN) : NaN,
    };
  });
}

export interface VolumeErrorStats {
  type: string;
  pumps: number;
  /** Pumps that infused something; mean/min/max are over these. */
  infusing: number;
  meanPct: number;
  minPct: number;
  maxPct: number;
  viMl: number;
  deliveredMl: number;
}

export function volumeErrorStats(pumps: readonly PumpSummary[]): VolumeErrorStats[] {
  const types = [...new Set(pumps.map((p) => p.type))].sort();
  return types.map((type) => {
    const mine = pumps.filter((p) => p.type === type);
    const errs = mine.filter((p) => p.viMl > 0).map((p) => p.deliveredErrorPct);
    const sum = (xs: number[]): number => xs.reduce((s, x) => s + x, 0);
    return {
      type,
      pumps: mine.length,
      infusing: errs.length,
      meanPct: errs.length ? sum(errs) / errs.length : NaN,
      minPct: errs.length ? Math.min(...errs) : NaN,
      maxPct: errs.length ? Math.max(...errs) : NaN,
      viMl: sum(mine.map((p) => p.viMl)),
      deliveredMl: sum(mine.map((p) => p.deliveredMl)),
    };
  });
}

export function networkRows(n: NetworkStats): [string, number][] {
  return [
    ['messages sent', n.messagesSent],
    ['messages delivered', n.messagesDelivered],
    ['messages lost', n.messagesLost],
    ['duplicates delivered', n.duplicatesDelivered],
    ['events sent', n.eventsSent],
    ['events ingested', n.eventsIngested],
    ['duplicates dropped', n.duplicatesDropped],
    ['gaps detected', n.gapsDetected],
    ['events missing', n.eventsMissing],
    ['commands sent', n.commandsSent],
    ['commands refused', n.commandsRefused],
    ...(n.acksRefused ? [['acknowledgements refused', n.acksRefused] as [string, number]] : []),
  ];
}

/** Fixed decimals, '-' for NaN, no '-0'. */
export function fixed(n: number, digits: number): string {
  if (!Number.isFinite(n)) return '-';
  const s = n.toFixed(digits);
  return /^-0(\.0*)?$/.test(s) ? s.slice(1) : s;
}

/** `1 unit`, `2 units`: a count with its noun, plural unless 1. */
export function counted(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

export function secondsText(ms: number): string {
  return fixed(ms / 1000, 1);
}

export function durationText(ms: number): string {
  return clockText(ms);
}

export type Align = 'l' | 'r';

/** Plain-text table with aligned columns; `paint` may wrap a cell in colour after padding. */
export function textTable(
  headers: readonly string[],
  rows: readonly (readonly string[])[],
  opts: { align?: readonly Align[]; indent?: string; paint?: (cell: string, col: number) => string } = {},
): string {
  const indent = opts.indent ?? '  ';
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[], painted: boolean): string =>
    (
      indent +
      widths
        .map((w, i) => {
          const c = cells[i] ?? '';
          const padded = opts.align?.[i] === 'r' ? c.padStart(w) : c.padEnd(w);
          return painted && opts.paint ? opts.paint(padded, i) : padded;
        })
        .join('  ')
    ).trimEnd();
  const rule = indent + widths.map((w) => '-'.repeat(w)).join('  ');
  return [line(headers, false), rule, ...rows.map((r) => line(r, true))].join('\n');
}

const GREEN = '\u001b[32m';
const RED = '\u001b[31m';
const RESET = '\u001b[0m';

function painter(color: boolean): (text: string) => string {
  return (text) => {
    if (!color) return text;
    if (/\bPASS\b/.test(text)) return `${GREEN}${text}${RESET}`;
    if (/\b(FAIL|VIOLATION|BROKER DIED)\b/.test(text)) return `${RED}${text}${RESET}`;
    return text;
  };
}

export function formatSummary(result: RunResult, opts: SummaryOptions = {}): string {
  const paint = painter(opts.color === true);
  const out: string[] = [];
  const sc = result.scenario;
  const outcome = result.outcome === 'pass' ? 'PASS' : 'VIOLATION';
  out.push(`infusim run: ${sc.name}${sc.file ? ` (${sc.file})` : ''}`);
  if (sc.description) out.push(`  ${sc.description}`);
  out.push(`  seed       ${result.seed}`);
  out.push(`  duration   ${durationText(sc.durationMs)} virtual (wall ${fixed(result.wallMs / 1000, 2)} s)`);
  out.push(`  fleet      ${counted(result.pumps.length, 'pump')} in ${counted(result.units.length, 'unit')}`);
  out.push(`  trace      ${result.traceHash.slice(0, 16)} (${result.traceRecords} records)`);
  out.push(`  outcome    ${paint(outcome)} (expected ${sc.expectedOutcome}) -> exit ${result.exitCode}`);

  const counts = alarmCountsByTypeAndUnit(result);
  out.push('', `Alarms by type and unit (${result.alarms.length})`);
  if (counts.rows.length === 0) out.push('  none');
  else {
    const rows = counts.rows.map((r) => [r.alarm, r.priority, ...r.counts.map(String), String(r.total)]);
    rows.push(['total', '', ...counts.unitTotals.map(String), String(result.alarms.length)]);
    const align: Align[] = ['l', 'l', ...counts.units.map((): Align => 'r'), 'r'];
    out.push(textTable(['alarm', 'priority', ...counts.units, 'total'], rows, { align }));
  }

  const resp = alarmResponseStats(result.alarms);
  out.push('', 'Alarm response times (raised -> first acknowledge or silence; not answered: ended by itself, or still on at the end)');
  if (resp.length === 0) out.push('  none');
  else {
    const rows = resp.map((r) => [r.alarm, String(r.raised), String(r.answered), secondsText(r.medianMs), secondsText(r.p90Ms), secondsText(r.maxMs), String(r.endedUnanswered), String(r.stillOn)]);
    out.push(textTable(['alarm', 'raised', 'answered', 'median s', 'p90 s', 'max s', 'ended itself', 'still on'], rows, { align: ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r'] }));
  }

  out.push('', 'Delivered volume error ((delivered - counted) / counted)');
  const vol = volumeErrorStats(result.pumps);
  if (vol.length === 0) out.push('  no pumps');
  else {
    const rows = vol.map((v) => [v.type, String(v.pumps), String(v.infusing), fixed(v.meanPct, 2), fixed(v.minPct, 2), fixed(v.maxPct, 2), fixed(v.viMl, 1), fixed(v.deliveredMl, 1)]);
    out.push(textTable(['pump type', 'pumps', 'infusing', 'mean %', 'min %', 'max %', 'counted mL', 'delivered mL'], rows, { align: ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r'] }));
  }

  out.push(...rolloutSummaryLines(result, (h, rows) => textTable(h, rows, { align: h.map((_, i): Align => (i === 0 ? 'l' : 'r')) })));
  out.push(...monitorSummaryLines(result, (h, rows) => textTable(h, rows, { align: h.map((): Align => 'l') })));
  out.push(...playbookSummaryLines(result, (h, rows) => textTable(h, rows, { align: h.map((): Align => 'l') })));
  out.push(...blastSummaryLines(result, (h, rows) => textTable(h, rows, { align: h.map((): Align => 'l') })));

  out.push('', 'Network');
  out.push(textTable(['counter', 'count'], networkRows(result.network).map(([k, v]) => [k, String(v)]), { align: ['l', 'r'] }));
  if (result.brokerDeaths?.length) {
    out.push('', paint(`BROKER DIED (unplanned): ${result.brokerDeaths.length} time(s); the run restarted it, and what was in flight was lost (counted above)`));
    for (const d of result.brokerDeaths) out.push(`  ${clockText(d.tMs)}  ${d.detail}`);
  }

  out.push('', `Expectations (${result.expectations.filter((e) => e.passed).length}/${result.expectations.length} pass)`);
  if (result.expectations.length === 0) out.push('  none');
  else {
    const rows = result.expectations.map((e) => [e.passed ? 'PASS' : 'FAIL', e.description, e.detail]);
    out.push(textTable(['result', 'expectation', 'detail'], rows, { paint: (c, i) => (i === 0 ? paint(c) : c) }));
  }

  out.push('', `Violations (${result.violations.length})`);
  if (result.violations.length === 0) out.push('  none');
  for (const v of result.violations) {
    out.push(`  ${clockText(v.tMs)}  ${v.pumpId ?? '-'}  ${v.rule}  ${v.detail}`);
    for (const c of v.context) out.push(`      ${traceLineForPeople(c)}`);
  }
  return out.join('\n') + '\n';
}
