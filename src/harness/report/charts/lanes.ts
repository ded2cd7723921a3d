/**
 * Swim-lane charts over virtual time: the alarm timeline (a lane per pump for small fleets, per unit
 * otherwise) and the network state chart (a lane per target, faults and observed network state).
 */
import type { AlarmPriority } from '../../../sim/alarms/alarmTable.js';
import type { RunResult } from '../../run/result.js';
import { clockText } from '../timeline.js';
import { escapeHtml, legendSvg, px, seriesColor, svgOpen, timeAxisSvg, xOf } from './svg.js';
import type { Frame, LegendItem } from './svg.js';

export type Marker = 'triangle' | 'diamond' | 'circle' | 'none';

export interface LaneBar {
  startMs: number;
  /** Undefined: still going at the end of the run (drawn to the end with an arrow). */
  endMs?: number | undefined;
  subRow: number;
  fill: string;
  marker: Marker;
  /** A short text drawn inside the bar when it fits. */
  label?: string;
  /** Hover text (an SVG <title>, no script needed). */
  title: string;
  /** A black tick, e.g. when the alarm was first answered. */
  tickMs?: number | undefined;
}

export interface Lane {
  label: string;
  bars: LaneBar[];
}

export interface LaneChartOptions {
  title: string;
  durationMs: number;
  lanes: readonly Lane[];
  /** Labels of the sub-rows of each lane, top to bottom. */
  subRows: readonly string[];
  subRowPx: number;
  legend: readonly LegendItem[];
  widthPx?: number;
  emptyText: string;
}

export function markerSvg(m: Marker, x: number, cy: number, r: number, fill: string): string {
  switch (m) {
    case 'triangle':
      return `<path class="marker" d="M${px(x)} ${px(cy - r)}L${px(x + r)} ${px(cy + r)}L${px(x - r)} ${px(cy + r)}Z" fill="${fill}"/>`;
    case 'diamond':
      return `<path class="marker" d="M${px(x)} ${px(cy - r)}L${px(x + r)} ${px(cy)}L${px(x)} ${px(cy + r)}L${px(x - r)} ${px(cy)}Z" fill="${fill}"/>`;
    case 'circle':
      return `<circle class="marker" cx="${px(x)}" cy="${px(cy)}" r="${px(r * 0.85)}" fill="${fill}"/>`;
    case 'none':
      return '';
  }
}

export function renderLaneChart(opts: LaneChartOptions): string {
  const widthPx = opts.widthPx ?? 1160;
  const left = 190;
  const right = 20;
  const legend = legendSvg(opts.legend, left, widthPx - left - right, 190);
  const lanePx = opts.subRows.length * opts.subRowPx + 6;
  const frame: Frame = { left, top: legend.heightPx + 12, width: widthPx - left - right, height: Math.max(1, opts.lanes.length) * lanePx, durationMs: opts.durationMs };
  const heightPx = frame.top + frame.height + 36;
  const parts: string[] = [svgOpen(widthPx, heightPx, opts.title, 'lane-chart'), legend.svg];
  opts.lanes.forEach((lane, li) => {
    const y0 = frame.top + li * lanePx + 3;
    if (li % 2 === 1) parts.push(`<rect class="lane-bg" x="0" y="${px(y0 - 3)}" width="${widthPx - right}" height="${lanePx}"/>`);
    const label = lane.label.length > 22 ? `${lane.label.slice(0, 21)}…` : lane.label;
    parts.push(`<text class="lane-label" x="6" y="${px(y0 + lanePx / 2 + 1)}"><title>${escapeHtml(lane.label)}</title>${escapeHtml(label)}</text>`);
    opts.subRows.forEach((s, si) => {
      parts.push(`<text class="subrow-label" x="${px(left - 6)}" y="${px(y0 + si * opts.subRowPx + opts.subRowPx / 2 + 3)}" text-anchor="end">${escapeHtml(s)}</text>`);
    });
  });
  parts.push(timeAxisSvg(frame));
  opts.lanes.forEach((lane, li) => {
    const y0 = frame.top + li * lanePx + 3;
    for (const b of lane.bars) {
      const y = y0 + b.subRow * opts.subRowPx + 1;
      const h = opts.subRowPx - 2;
      const x1 = xOf(frame, b.startMs);
      const x2 = Math.max(x1 + 2, xOf(frame, b.endMs ?? opts.durationMs));
      parts.push(`<g class="bar"><title>${escapeHtml(b.title)}</title>`);
      parts.push(`<rect x="${px(x1)}" y="${px(y)}" width="${px(x2 - x1)}" height="${px(h)}" fill="${b.fill}" fill-opacity="0.75" stroke="${b.fill}"/>`);
      if (b.endMs === undefined) parts.push(`<path d="M${px(x2)} ${px(y - 1)}L${px(x2 + 5)} ${px(y + h / 2)}L${px(x2)} ${px(y + h + 1)}Z" fill="${b.fill}"/>`);
      if (b.tickMs !== undefined) {
        const tx = xOf(frame, b.tickMs);
        parts.push(`<line class="answer" x1="${px(tx)}" y1="${px(y - 1)}" x2="${px(tx)}" y2="${px(y + h + 1)}"/>`);
      }
      parts.push(markerSvg(b.marker, x1, y + h / 2, h / 2 + 1, '#222'));
      if (b.label && h >= 8 && x2 - x1 > b.label.length * 6 + 12) {
        parts.push(`<text class="bar-label" x="${px(x1 + 8)}" y="${px(y + h / 2 + 3.2)}">${escapeHtml(b.label)}</text>`);
      }
      parts.push('</g>');
    }
  });
  if (opts.lanes.length === 0) {
    parts.push(`<text class="empty" x="${px(frame.left + frame.width / 2)}" y="${px(frame.top + 14)}" text-anchor="middle">${escapeHtml(opts.emptyText)}</text>`);
  }
  parts.push('</svg>');
  return parts.join('');
}

export const PRIORITY_COLOR: Readonly<Record<AlarmPriority, string>> = { high: '#d62728', medium: '#f0a202', low: '#1f8fd1' };
/** IEC 60601-1-8 style marks: shape and !!! / !! / ! so colour is not the only cue. */
export const PRIORITY_MARK: Readonly<Record<AlarmPriority, { marker: Marker; text: string; row: number }>> = {
  high: { marker: 'triangle', text: '!!! high', row: 0 },
  medium: { marker: 'diamond', text: '!! medium', row: 1 },
  low: { marker: 'circle', text: '! low', row: 2 },
};

/** Lanes per pump when the fleet has at most this many pumps, per unit otherwise. */
export const MAX_PUMP_LANES = 40;

export function renderAlarmTimeline(result: RunResult, widthPx?: number): string {
  const perPump = result.pumps.length <= MAX_PUMP_LANES;
  const keys = perPump ? result.pumps.map((p) => p.id) : result.units.map((u) => u.id);
  for (const a of result.alarms) {
    const k = perPump ? a.pumpId : a.unit;
    if (!keys.includes(k)) keys.push(k);
  }
  const lanes: Lane[] = keys.map((k) => ({ label: k, bars: [] }));
  const byKey = new Map(lanes.map((l) => [l.label, l]));
  for (const a of result.alarms) {
    const mark = PRIORITY_MARK[a.priority] ?? PRIORITY_MARK.low;
    const answered = a.answeredMs !== undefined ? `, answered ${clockText(a.answeredMs)}` : ', unanswered';
    const ended = a.endedMs !== undefined ? clockText(a.endedMs) : 'end of run (still active)';
    byKey.get(perPump ? a.pumpId : a.unit)?.bars.push({
      startMs: a.raisedMs,
      endMs: a.endedMs,
      subRow: mark.row,
      fill: PRIORITY_COLOR[a.priority] ?? PRIORITY_COLOR.low,
      marker: mark.marker,
      ...(perPump ? { label: a.id } : {}),
      title: `${a.pumpId} (${a.unit}) ${a.id} ${a.priority}: ${clockText(a.raisedMs)} to ${ended}${answered}`,
      tickMs: a.answeredMs,
    });
  }
  const legend: LegendItem[] = (['high', 'medium', 'low'] as const).map((p) => ({
    label: `${PRIORITY_MARK[p].text} priority`,
    swatch: (x, y) => `<rect x="${px(x)}" y="${px(y)}" width="22" height="12" fill="${PRIORITY_COLOR[p]}" fill-opacity="0.75"/>${markerSvg(PRIORITY_MARK[p].marker, x, y + 6, 6, '#222')}`,
  }));
  legend.push({ label: 'first answered', swatch: (x, y) => `<line class="answer" x1="${px(x + 11)}" y1="${px(y - 1)}" x2="${px(x + 11)}" y2="${px(y + 13)}"/>` });
  legend.push({ label: 'active at end of run', swatch: (x, y) => `<path d="M${px(x + 8)} ${px(y)}L${px(x + 18)} ${px(y + 6)}L${px(x + 8)} ${px(y + 12)}Z" fill="#666"/>` });
  return renderLaneChart({
    title: `Alarm timeline, a lane per ${perPump ? 'pump' : 'unit'}`,
    durationMs: result.scenario.durationMs,
    lanes,
    subRows: ['!!!', '!!', '!'],
    subRowPx: perPump ? 11 : 13,
    legend,
    emptyText: 'no pumps',
    ...(widthPx !== undefined ? { widthPx } : {}),
  });
}

export function renderNetworkChart(result: RunResult, widthPx?: number): string {
  const spans = [...result.faultSpans.map((s) => ({ ...s, row: 0 })), ...result.networkSpans.map((s) => ({ ...s, row: 1 }))];
  const targets = [...new Set(spans.map((s) => s.target))].sort();
  const whats = [...new Set(spans.map((s) => s.what))].sort();
  const colorOf = (w: string): string => seriesColor(whats.indexOf(w) + 1);
  const lanes: Lane[] = targets.map((t) => ({
    label: t,
    bars: spans
      .filter((s) => s.target === t)
      .map((s) => ({
        startMs: s.startMs,
        endMs: s.endMs,
        subRow: s.row,
        fill: colorOf(s.what),
        marker: 'none' as const,
        label: s.what,
        title: `${s.row === 0 ? 'fault' : 'network'} ${s.what} on ${s.target}: ${clockText(s.startMs)} to ${clockText(s.endMs)}`,
      })),
  }));
  const legend: LegendItem[] = whats.map((w) => ({ label: w, swatch: (x, y) => `<rect x="${px(x)}" y="${px(y)}" width="22" height="12" fill="${colorOf(w)}" fill-opacity="0.75"/>` }));
  return renderLaneChart({
    title: 'Network state and injected faults per target',
    durationMs: result.scenario.durationMs,
    lanes,
    subRows: ['fault', 'network'],
    subRowPx: 14,
    legend,
    emptyText: 'no faults and no network outages',
    ...(widthPx !== undefined ? { widthPx } : {}),
  });
}
