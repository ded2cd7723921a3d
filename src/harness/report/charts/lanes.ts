/**
 * Swim-lane charts over virtual time, and the network state chart (a lane per target, faults and
 * observed network state). The alarm timeline is in alarmChart.ts.
 */
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
  /** CSS class of the bar's group (e.g. `prio-high`): the page's stylesheet colours it (see REPORT_CHART_CSS). */
  cls?: string;
  /** Fill opacity of the bar (0.75 unless given): a density bin's share of the busiest bin. */
  opacity?: number;
}

/** A moment marked across every lane (a violation), a link target: `<g id="${id}">`. */
export interface ChartMark {
  tMs: number;
  id: string;
  label: string;
  title: string;
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
  marks?: readonly ChartMark[];
}

/** A marker filled with `fill` (and coloured by the class of its group, if it has one), outlined dark so the shape shows on its bar. */
export function markerSvg(m: Marker, x: number, cy: number, r: number, fill: string): string {
  const paint = `fill="${fill}" stroke="#222" stroke-width="0.8"`;
  switch (m) {
    case 'triangle':
      return `<path class="marker" d="M${px(x)} ${px(cy - r)}L${px(x + r)} ${px(cy + r)}L${px(x - r)} ${px(cy + r)}Z" ${paint}/>`;
    case 'diamond':
      return `<path class="marker" d="M${px(x)} ${px(cy - r)}L${px(x + r)} ${px(cy)}L${px(x)} ${px(cy + r)}L${px(x - r)} ${px(cy)}Z" ${paint}/>`;
    case 'circle':
      return `<circle class="marker" cx="${px(x)}" cy="${px(cy)}" r="${px(r * 0.85)}" ${paint}/>`;
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
  const markRoomPx = opts.marks?.length ? 12 : 0;
  const frame: Frame = { left, top: legend.heightPx + 12 + markRoomPx, width: widthPx - left - right, height: Math.max(1, opts.lanes.length) * lanePx, durationMs: opts.durationMs };
  const heightPx = frame.top + frame.height + 36;
  const parts: string[] = [svgOpen(widthPx, heightPx, opts.title, 'lane-chart'), legend.svg];
  opts.lanes.forEach((lane, li) => {
    const y0 = frame.top + li * lanePx + 3;
    parts.push(`<g class="lane lane-${li}">`);
    if (li % 2 === 1) parts.push(`<rect class="lane-bg" x="0" y="${px(y0 - 3)}" width="${widthPx - right}" height="${lanePx}"/>`);
    const label = lane.label.length > 22 ? `${lane.label.slice(0, 21)}…` : lane.label;
    parts.push(`<text class="lane-label" x="6" y="${px(y0 + lanePx / 2 + 1)}"><title>${escapeHtml(lane.label)}</title>${escapeHtml(label)}</text>`);
    opts.subRows.forEach((s, si) => {
      parts.push(`<text class="subrow-label" x="${px(left - 6)}" y="${px(y0 + si * opts.subRowPx + opts.subRowPx / 2 + 3)}" text-anchor="end">${escapeHtml(s)}</text>`);
    });
    parts.push('</g>');
  });
  parts.push(timeAxisSvg(frame));
  opts.lanes.forEach((lane, li) => {
    const y0 = frame.top + li * lanePx + 3;
    parts.push(`<g class="lane lane-${li}">`);
    for (const b of lane.bars) {
      const y = y0 + b.subRow * opts.subRowPx + 1;
      const h = opts.subRowPx - 2;
      const x1 = xOf(frame, b.startMs);
      const x2 = Math.max(x1 + 2, xOf(frame, b.endMs ?? opts.durationMs));
      parts.push(`<g class="bar${b.cls ? ` ${b.cls}` : ''}"><title>${escapeHtml(b.title)}</title>`);
      parts.push(`<rect x="${px(x1)}" y="${px(y)}" width="${px(x2 - x1)}" height="${px(h)}" fill="${b.fill}" fill-opacity="${px(b.opacity ?? 0.75)}" stroke="${b.fill}"/>`);
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
    parts.push('</g>');
  });
  for (const m of opts.marks ?? []) {
    const x = px(xOf(frame, m.tMs));
    parts.push(
      `<g class="mark" id="${escapeHtml(m.id)}"><title>${escapeHtml(m.title)}</title><line x1="${x}" y1="${px(frame.top - 10)}" x2="${x}" y2="${px(frame.top + frame.height)}"/>` +
        `<text x="${x}" y="${px(frame.top - 2)}" text-anchor="middle">${escapeHtml(m.label)}</text></g>`,
    );
  }
  if (opts.lanes.length === 0) {
    parts.push(`<text class="empty" x="${px(frame.left + frame.width / 2)}" y="${px(frame.top + 14)}" text-anchor="middle">${escapeHtml(opts.emptyText)}</text>`);
  }
  parts.push('</svg>');
  return parts.join('');
}

/** Each violation as a mark (`V1`, `V2`, ...) with the id `${prefix}-N`, N from 1 as in the report's list. */
export function violationMarks(result: RunResult, prefix: string): ChartMark[] {
  return result.violations.map((v, i) => ({
    tMs: v.tMs,
    id: `${prefix}-${i + 1}`,
    label: `V${i + 1}`,
    title: `violation ${i + 1} at ${clockText(v.tMs)}: ${v.rule}${v.pumpId ? ` on ${v.pumpId}` : ''}: ${v.detail}`,
  }));
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
    marks: violationMarks(result, 'net-mark'),
    ...(widthPx !== undefined ? { widthPx } : {}),
  });
}
