/**
 * Detection figures of a run (docs/monitoring.md, Detection figures): the harness knows every
 * attack it injected (the fault spans of the ATTACKS table), so for each one it says whether an
 * alert of a kind that detects it came within its span (from its start until `attributeWithin`
 * after its end) and how long after the start the first one came. Every other alert is a false
 * alert; their rate is per 1,000 monitored pump-hours (pumps × the time after the baseline).
 */
import { ATTACKS, type AttackName, type DetectorKind } from '../scenario/monitorSchema.js';
import type { Alert } from './alert.js';
import type { UnitBaselineReport } from './baseline.js';

export interface AttackSpan {
  what: string;
  target: string;
  startMs: number;
  endMs: number;
}

export interface Detection {
  attack: AttackName;
  target: string;
  startMs: number;
  endMs: number;
  detected: boolean;
  /** The first detecting alert's time minus the attack's start; undefined when not detected. */
  timeToDetectMs?: number | undefined;
  /** The kind of the first detecting alert. */
  firstKind?: DetectorKind | undefined;
  alerts: number;
}

export interface MonitorReport {
  baselineMs: number;
  alerts: Alert[];
  alertsByKind: Partial<Record<DetectorKind, number>>;
  detections: Detection[];
  falseAlerts: number;
  monitoredPumpHours: number;
  falseAlertsPer1000PumpHours: number;
  baseline: UnitBaselineReport[];
}

/** A time to detect as the reports print it: `0 ms`, `12.0 s`, or `never`. */
export function timeToDetectText(ms: number | undefined): string {
  if (ms === undefined) return 'never';
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}

export function isAttack(what: string): what is AttackName {
  return Object.hasOwn(ATTACKS, what);
}

export function detectionFigures(input: { alerts: readonly Alert[]; spans: readonly AttackSpan[]; pumps: number; durationMs: number; baselineMs: number; attributeWithinMs: number; baseline: UnitBaselineReport[] }): MonitorReport {
  const attributed = new Set<Alert>();
  const detections: Detection[] = [];
  // In the order the attacks started (fault spans are kept in the order they ended).
  for (const s of [...input.spans].sort((a, b) => a.startMs - b.startMs)) {
    if (!isAttack(s.what)) continue;
    const kinds: readonly DetectorKind[] = ATTACKS[s.what];
    const hits = input.alerts.filter((a) => kinds.includes(a.kind) && a.atMs >= s.startMs && a.atMs <= s.endMs + input.attributeWithinMs);
    for (const h of hits) attributed.add(h);
    const first = hits[0];
    detections.push({ attack: s.what, target: s.target, startMs: s.startMs, endMs: s.endMs, detected: first !== undefined, ...(first ? { timeToDetectMs: first.atMs - s.startMs, firstKind: first.kind } : {}), alerts: hits.length });
  }
  const byKind: Partial<Record<DetectorKind, number>> = {};
  for (const a of input.alerts) byKind[a.kind] = (byKind[a.kind] ?? 0) + 1;
  const falseAlerts = input.alerts.length - attributed.size;
  const pumpHours = (input.pumps * Math.max(0, input.durationMs - input.baselineMs)) / 3_600_000;
  return {
    baselineMs: input.baselineMs,
    alerts: [...input.alerts],
    alertsByKind: byKind,
    detections,
    falseAlerts,
    monitoredPumpHours: Math.round(pumpHours * 1000) / 1000,
    falseAlertsPer1000PumpHours: pumpHours > 0 ? Math.round((falseAlerts / pumpHours) * 1000 * 1000) / 1000 : 0,
    baseline: input.baseline,
  };
}
