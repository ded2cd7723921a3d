/** Small helpers for the hand-written inline SVG charts of the HTML report. */
import { clockText } from '../timeline.js';

/** Escape text for HTML/SVG content and attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&quot;' : '&#39;'));
}

/** Okabe–Ito colours (safe for colour-blind readers), then grey. */
export const PALETTE: readonly string[] = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000', '#7f7f7f'];
/** Dash patterns cycled with the colours so lines differ by more than colour. */
export const DASHES: readonly string[] = ['', '7 3', '2 3', '9 3 2 3'];

export function seriesColor(i: number): string {
  return PALETTE[i % PALETTE.length] ?? '#000';
}
/** Shifted once per round of colours so (colour, dash) pairs do not repeat before 32 series. */
export function seriesDash(i: number): string {
  return DASHES[(i + Math.floor(i / PALETTE.length)) % DASHES.length] ?? '';
}

/** One decimal place in SVG coordinates keeps files small. */
export function px(n: number): string {
  return String(Math.round(n * 10) / 10);
}

const TIME_STEPS_MS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 14400, 21600, 43200, 86400, 172800, 604800].map((s) => s * 1000);

/** A round step for time ticks giving at most `maxTicks` intervals. */
export function timeStepMs(durationMs: number, maxTicks = 12): number {
  for (const s of TIME_STEPS_MS) if (durationMs / s <= maxTicks) return s;
  return Math.ceil(durationMs / maxTicks / 604_800_000) * 604_800_000;
}

/** `hh:mm` (or `d+hh:mm` from the first day on) for steps of a minute or more, else `hh:mm:ss`. */
export function timeLabel(tMs: number, stepMs: number): string {
  const text = clockText(tMs);
  return stepMs >= 60_000 ? text.slice(0, -3) : text;
}

/** A 1-2-5 step and a top at or above `maxValue` for about `count` intervals. */
export function niceScale(maxValue: number, count = 5): { top: number; step: number } {
  const max = Number.isFinite(maxValue) && maxValue > 0 ? maxValue : 1;
  const raw = max / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const norm = raw / mag;
  const step = (norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 2.5 ? 2.5 : norm <= 5 ? 5 : 10) * mag;
  return { top: Math.ceil(max / step - 1e-9) * step, step };
}

export function valueLabel(v: number): string {
  const r = Math.round(v * 1000) / 1000;
  if (Math.abs(r) >= 10_000) return `${Math.round(r / 1000)}k`;
  return String(r);
}

export interface Frame {
  /** Plot area in SVG pixels. */
  left: number;
  top: number;
  width: number;
  height: number;
  durationMs: number;
}

export function xOf(f: Frame, tMs: number): number {
  const d = f.durationMs > 0 ? f.durationMs : 1;
  return f.left + (Math.min(Math.max(tMs, 0), d) / d) * f.width;
}

/** Vertical grid lines and hh:mm labels under the plot area. */
export function timeAxisSvg(f: Frame): string {
  const step = timeStepMs(f.durationMs);
  const parts: string[] = [];
  const bottom = f.top + f.height;
  for (let t = 0; t <= f.durationMs + 1e-6; t += step) {
    const x = px(xOf(f, t));
    parts.push(`<line class="grid" x1="${x}" y1="${px(f.top)}" x2="${x}" y2="${px(bottom)}"/>`);
    parts.push(`<text class="tick" x="${x}" y="${px(bottom + 14)}" text-anchor="middle">${timeLabel(t, step)}</text>`);
  }
  parts.push(`<line class="axis" x1="${px(f.left)}" y1="${px(bottom)}" x2="${px(f.left + f.width)}" y2="${px(bottom)}"/>`);
  parts.push(`<text class="axis-title" x="${px(f.left + f.width)}" y="${px(bottom + 28)}" text-anchor="end">virtual time (${f.durationMs >= 86_400_000 ? 'd+' : ''}hh:mm${step < 60_000 ? ':ss' : ''})</text>`);
  return parts.join('');
}

export interface LegendItem {
  label: string;
  /** SVG for a 22 × 12 swatch drawn at (x, y) = its top-left corner. */
  swatch: (x: number, y: number) => string;
}

/** Legend rows across the top of a chart; returns the SVG and the height it takes. */
export function legendSvg(items: readonly LegendItem[], left: number, widthPx: number, itemWidthPx = 170): { svg: string; heightPx: number } {
  const perRow = Math.max(1, Math.floor(widthPx / itemWidthPx));
  const parts = items.map((it, i) => {
    const x = left + (i % perRow) * itemWidthPx;
    const y = 6 + Math.floor(i / perRow) * 18;
    const label = it.label.length > 22 ? `${it.label.slice(0, 21)}…` : it.label;
    return `<g class="legend-item">${it.swatch(x, y)}<text x="${px(x + 28)}" y="${px(y + 10)}">${escapeHtml(label)}</text></g>`;
  });
  return { svg: parts.join(''), heightPx: items.length ? 10 + Math.ceil(items.length / perRow) * 18 : 4 };
}

export function lineSwatch(color: string, dash: string): LegendItem['swatch'] {
  return (x, y) => `<line x1="${px(x)}" y1="${px(y + 6)}" x2="${px(x + 22)}" y2="${px(y + 6)}" stroke="${color}" stroke-width="2.5"${dash ? ` stroke-dasharray="${dash}"` : ''}/>`;
}

export function svgOpen(widthPx: number, heightPx: number, label: string, cls: string): string {
  return `<svg class="chart ${cls}" width="${widthPx}" height="${px(heightPx)}" viewBox="0 0 ${widthPx} ${px(heightPx)}" role="img" aria-label="${escapeHtml(label)}"><title>${escapeHtml(label)}</title>`;
}
