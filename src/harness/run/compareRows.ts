/**
 * The rows of a what-if comparison (compare.ts) by what the runs have: rollout rows when either run
 * has a rollout (docs/rollout.md), traffic-monitor rows when either has a monitor
 * (docs/monitoring.md, Comparing two rule settings), so neither comparison shows rows of dashes.
 */
import type { RunResult } from './result.js';
import { clockText } from '../scenario/duration.js';
import { emptyCounts } from '../rollout/types.js';
import { timeToDetectText } from '../monitor/detection.js';

export interface ComparisonRow {
  metric: string;
  a: string;
  b: string;
}

type Row = (metric: string, f: (r: RunResult) => string) => ComparisonRow;

function totals(r: RunResult): ReturnType<typeof emptyCounts> {
  const t = emptyCounts();
  for (const w of r.rollout?.waves ?? []) for (const k of Object.keys(t) as (keyof typeof t)[]) t[k] += w.counts[k];
  return t;
}

function offered(r: RunResult): number {
  return (r.rollout?.pumps ?? []).filter((p) => p.offeredMs !== undefined).length;
}

export function rolloutRows(row: Row): ComparisonRow[] {
  const cov = (r: RunResult): string => (r.rollout?.fullCoverageMs !== undefined ? clockText(r.rollout.fullCoverageMs) : 'not reached');
  const waves = (r: RunResult): string => (r.rollout?.waves ?? []).map((w) => `${w.wave}${w.passedMs !== undefined ? ` ${clockText(w.passedMs)}` : w.gateReason !== undefined ? ' stopped' : ' -'}`).join(', ');
  const count = (metric: string, k: keyof ReturnType<typeof emptyCounts>): ComparisonRow => row(metric, (r) => String(totals(r)[k]));
  return [
    row('rollout phase at the end', (r) => r.rollout?.phase ?? '-'),
    row('time to full coverage', cov),
    row('waves (passed at)', waves),
    row('pumps offered the release', (r) => String(offered(r))),
    count('installed', 'installed'),
    count('deferred while infusing', 'deferred'),
    count('failed', 'failed'),
    count('timed out', 'timed-out'),
    count('rolled back', 'rolled-back'),
    row('pumps on a weak profile at the end', (r) => String(r.rollout?.weakProfiles.length ?? 0)),
  ];
}

/**
 * Alerts raised (and by kind), false alerts and their rate per 1,000 monitored pump-hours, and per
 * injected attack (the same in both runs: same seed, same timeline) detected or not and how fast.
 */
export function monitorRows(row: Row, a: RunResult): ComparisonRow[] {
  const byKind = (r: RunResult): string =>
    Object.entries(r.monitor?.alertsByKind ?? {})
      .map(([k, n]) => `${k} ${n}`)
      .join(', ') || '-';
  const attacks = (a.monitor?.detections ?? []).flatMap((d, i) => {
    const name = `${d.attack} ${d.target} at ${clockText(d.startMs)}`;
    const det = (r: RunResult) => r.monitor?.detections[i];
    return [row(`${name}: detected`, (r) => (det(r) ? (det(r)!.detected ? 'yes' : 'NO') : '-')), row(`${name}: time to detect`, (r) => (det(r) ? timeToDetectText(det(r)!.timeToDetectMs) : '-'))];
  });
  return [
    row('monitor baseline', (r) => (r.monitor ? clockText(r.monitor.baselineMs) : '-')),
    row('alerts raised', (r) => String(r.monitor?.alerts.length ?? '-')),
    row('alerts by kind', byKind),
    row('false alerts', (r) => String(r.monitor?.falseAlerts ?? '-')),
    row('monitored pump-hours', (r) => String(r.monitor?.monitoredPumpHours ?? '-')),
    row('false alerts per 1000 pump-hours', (r) => String(r.monitor?.falseAlertsPer1000PumpHours ?? '-')),
    ...attacks,
  ];
}
