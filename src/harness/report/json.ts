/**
 * The machine-readable report: the RunResult plus a format tag and the generator version, with a
 * fixed key order so two runs of one seed give the same bytes except `wallMs`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { PACKAGE_ROOT } from '../paths.js';
import type { RunResult } from '../run/result.js';
import type { Trace, TraceRecord } from '../trace/trace.js';

export const JSON_REPORT_FORMAT = 'infusim-report/1';

export type JsonReport = {
  format: typeof JSON_REPORT_FORMAT;
  generator: { name: 'infusim'; version: string };
} & RunResult & {
    /** Present only when a trace was given. */
    trace?: { records: number; hash: string; lines: TraceRecord[] };
  };

let cachedVersion: string | undefined;

/** The package version, read once from package.json ('0.0.0' if unreadable). */
export function generatorVersion(): string {
  if (cachedVersion === undefined) {
    try {
      const pkg = JSON.parse(readFileSync(`${PACKAGE_ROOT}package.json`, 'utf8')) as { version?: unknown };
      cachedVersion = typeof pkg.version === 'string' ? pkg.version : '0.0.0';
    } catch {
      cachedVersion = '0.0.0';
    }
  }
  return cachedVersion;
}

/** Key order of each known object; other keys follow in sorted order. */
const KEY_ORDER: readonly string[] = [
  // report and RunResult
  'format', 'generator', 'name', 'version', 'scenario', 'description', 'file', 'seed', 'durationMs', 'expectedOutcome',
  'outcome', 'exitCode', 'traceHash', 'traceRecords', 'units', 'pumps', 'alarms', 'violations', 'expectations', 'network',
  'seriesEveryMs', 'series', 'networkSpans', 'faultSpans',
  // units, pumps
  'id', 'unit', 'careArea', 'segment', 'type', 'firmware', 'finalState', 'viMl', 'deliveredMl', 'deliveredErrorPct',
  'eventsSent', 'eventsIngested',
  // alarms, violations, expectations
  'pumpId', 'priority', 'raisedMs', 'answeredMs', 'endedMs', 'tMs', 'rule', 'detail', 'context', 'passed',
  // network
  'messagesSent', 'messagesDelivered', 'messagesLost', 'duplicatesDelivered', 'duplicatesDropped', 'gapsDetected',
  'eventsMissing', 'commandsSent', 'commandsRefused', 'acksRefused',
  // series, spans
  'rateMlPerH', 'running', 'alarming', 'what', 'target', 'startMs', 'endMs',
  // trace records
  'kind', 'event', 'records', 'hash', 'lines',
  'wallMs', 'trace',
];
const RANK = new Map(KEY_ORDER.map((k, i) => [k, i]));

function keyCompare(a: string, b: string): number {
  const ra = RANK.get(a) ?? Infinity;
  const rb = RANK.get(b) ?? Infinity;
  if (ra !== rb) return ra < rb ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * A copy with every object's keys in the canonical order; undefined values are dropped. Record
 * keys that are not known field names (unit ids in `series`) come out sorted.
 */
export function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map((v) => canonical(v) ?? null);
  if (value === null || typeof value !== 'object') return typeof value === 'number' && !Number.isFinite(value) ? null : value;
  const obj = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(obj).sort(keyCompare)) {
    const v = obj[k];
    if (v === undefined || typeof v === 'function') continue;
    out[k] = canonical(v);
  }
  return out;
}

export function toJsonReport(result: RunResult, trace?: Trace): JsonReport {
  const report: Record<string, unknown> = {
    format: JSON_REPORT_FORMAT,
    generator: { name: 'infusim', version: generatorVersion() },
    ...result,
  };
  if (trace) report.trace = { records: trace.size, hash: trace.digest(), ...(trace.kept ? { lines: trace.records } : {}) };
  return canonical(report) as JsonReport;
}

/** The report as JSON text: two-space indent, trailing newline. */
export function formatJsonReport(result: RunResult, trace?: Trace): string {
  return `${JSON.stringify(toJsonReport(result, trace), null, 2)}\n`;
}

export function writeJsonReport(path: string, result: RunResult, trace?: Trace): void {
  writeFileSync(path, formatJsonReport(result, trace));
}
