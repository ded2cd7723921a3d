/**
 * The monitor's expectations (docs/scenarios.md, Expectations): `detect <attack> within <dur>`
 * (every injected attack of that name detected within that long of its start) and `false-alerts`
 * (at most N per 1,000 monitored pump-hours).
 */
import { formatDurationMs as formatNonZero } from '../scenario/duration.js';

const formatDurationMs = (ms: number): string => (ms === 0 ? '0s' : formatNonZero(ms));
import type { AttackName } from '../scenario/monitorSchema.js';
import type { MonitorReport } from './detection.js';

export interface Judged {
  description: string;
  passed: boolean;
  detail: string;
}

export function judgeDetect(r: MonitorReport | undefined, attack: AttackName, withinMs: number): Judged {
  const description = `monitor detects ${attack} within ${formatDurationMs(withinMs)}`;
  if (!r) return { description, passed: false, detail: 'the scenario has no monitor: section' };
  const spans = r.detections.filter((d) => d.attack === attack);
  if (spans.length === 0) return { description, passed: false, detail: `no ${attack} was injected` };
  const late = spans.filter((d) => d.timeToDetectMs === undefined || d.timeToDetectMs > withinMs);
  const worst = Math.max(...spans.map((d) => d.timeToDetectMs ?? Infinity));
  return {
    description,
    passed: late.length === 0,
    detail: late.length === 0 ? `${spans.length} of ${spans.length} detected, slowest after ${formatDurationMs(worst)}` : `${late.length} of ${spans.length} not detected in time (${late.map((d) => (d.timeToDetectMs === undefined ? 'never' : formatDurationMs(d.timeToDetectMs))).join(', ')})`,
  };
}

export function judgeFalseAlerts(r: MonitorReport | undefined, maxPer1000PumpHours: number): Judged {
  const description = `false alerts at most ${maxPer1000PumpHours} per 1000 pump-hours`;
  if (!r) return { description, passed: false, detail: 'the scenario has no monitor: section' };
  return { description, passed: r.falseAlertsPer1000PumpHours <= maxPer1000PumpHours, detail: `${r.falseAlerts} false alert(s) in ${r.monitoredPumpHours} pump-hours: ${r.falseAlertsPer1000PumpHours} per 1000` };
}
