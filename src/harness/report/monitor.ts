/**
 * The report's traffic-monitor section (docs/monitoring.md, Detection figures): per injected
 * attack detected or not and the time to detect, false alerts per 1,000 pump-hours, alerts by kind,
 * and the first alerts with their evidence. Terminal and HTML; the JSON report carries
 * `monitor` as it is.
 */
import { escapeHtml } from './charts/svg.js';
import { clockText } from './timeline.js';
import type { RunResult } from '../run/result.js';
import { timeToDetectText, type MonitorReport } from '../monitor/detection.js';

const MAX_ALERTS_SHOWN = 20;

function detectionRows(m: MonitorReport): string[][] {
  return m.detections.map((d) => [d.attack, d.target, clockText(d.startMs), d.detected ? 'yes' : 'NO', timeToDetectText(d.timeToDetectMs), d.firstKind ?? '-', String(d.alerts)]);
}

const DETECTION_HEADERS = ['attack', 'target', 'start', 'detected', 'time to detect', 'first alert', 'alerts'];

function headline(m: MonitorReport): string {
  const detected = m.detections.filter((d) => d.detected).length;
  return `${m.alerts.length} alert(s); ${detected} of ${m.detections.length} attack(s) detected; ${m.falseAlerts} false alert(s) in ${m.monitoredPumpHours} monitored pump-hours = ${m.falseAlertsPer1000PumpHours} per 1000 pump-hours (baseline ${clockText(m.baselineMs)})`;
}

export function monitorSummaryLines(result: RunResult, textTable: (headers: string[], rows: string[][]) => string): string[] {
  const m = result.monitor;
  if (!m) return [];
  const out = ['', `Traffic monitor: ${headline(m)}`];
  if (m.detections.length) out.push(textTable(DETECTION_HEADERS, detectionRows(m)));
  const kinds = Object.entries(m.alertsByKind);
  if (kinds.length) out.push(textTable(['alert kind', 'count'], kinds.map(([k, n]) => [k, String(n)])));
  return out;
}

function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const head = `<tr>${headers.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr>`;
  return `<table>${head}${rows.map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`).join('')}</table>`;
}

export function monitorHtmlSection(result: RunResult): string {
  const m = result.monitor;
  if (!m) return '';
  const out = ['<section id="monitor"><h2>Traffic monitor</h2>', `<p class="desc">${escapeHtml(headline(m))}</p>`];
  out.push('<h3>Detection</h3>', m.detections.length ? table(DETECTION_HEADERS, detectionRows(m)) : '<p class="desc">no attack was injected</p>');
  out.push('<h3>Baseline</h3>', table(['unit', 'segment', 'pumps', 'messages per pump-hour', 'commands per hour', 'command sources', 'client ids', 'firmware'], m.baseline.map((b) => [b.unit, b.segment, String(b.pumps), String(b.upMessagesPerPumpHour), String(b.commandsPerHour), b.commandSources.join(', ') || '-', String(b.clientIds), b.firmware.join(', ')])));
  if (m.alerts.length) {
    out.push(`<h3>Alerts (${m.alerts.length}${m.alerts.length > MAX_ALERTS_SHOWN ? `, the first ${MAX_ALERTS_SHOWN}` : ''})</h3>`);
    out.push(table(['time', 'kind', 'severity', 'pump', 'segment', 'client', 'detail', 'evidence'], m.alerts.slice(0, MAX_ALERTS_SHOWN).map((a) => [clockText(a.atMs), a.kind, a.severity, a.pumpId ?? '-', a.segment ?? '-', a.clientId ?? '-', a.detail, a.evidence.join('\n')])));
  }
  out.push('</section>');
  return out.join('\n');
}
