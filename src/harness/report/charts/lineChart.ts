/** A multi-series line chart over virtual time (delivered volume, delivery rate per unit). */
import { escapeHtml, legendSvg, lineSwatch, niceScale, px, seriesColor, seriesDash, svgOpen, timeAxisSvg, valueLabel, xOf } from './svg.js';
import type { Frame } from './svg.js';

export interface LineSeries {
  label: string;
  points: readonly { tMs: number; value: number }[];
}

export interface LineChartOptions {
  title: string;
  /** Unit of the values, shown on the y axis ("mL", "mL/h"). */
  valueUnit: string;
  durationMs: number;
  series: readonly LineSeries[];
  widthPx?: number;
  plotHeightPx?: number;
}

export function renderLineChart(opts: LineChartOptions): string {
  const widthPx = opts.widthPx ?? 1160;
  const plotHeightPx = opts.plotHeightPx ?? 220;
  const left = 70;
  const right = 20;
  const legend = legendSvg(
    opts.series.map((s, i) => ({ label: s.label, swatch: lineSwatch(seriesColor(i), seriesDash(i)) })),
    left,
    widthPx - left - right,
  );
  const frame: Frame = { left, top: legend.heightPx + 14, width: widthPx - left - right, height: plotHeightPx, durationMs: opts.durationMs };
  const heightPx = frame.top + frame.height + 36;
  const maxValue = Math.max(0, ...opts.series.flatMap((s) => s.points.map((p) => (Number.isFinite(p.value) ? p.value : 0))));
  const { top, step } = niceScale(maxValue);
  const yOf = (v: number): number => frame.top + frame.height - (Math.max(0, Math.min(v, top)) / top) * frame.height;

  const parts: string[] = [svgOpen(widthPx, heightPx, opts.title, 'line-chart'), legend.svg];
  for (let v = 0; v <= top + step / 1000; v += step) {
    const y = px(yOf(v));
    parts.push(`<line class="grid" x1="${px(frame.left)}" y1="${y}" x2="${px(frame.left + frame.width)}" y2="${y}"/>`);
    parts.push(`<text class="tick" x="${px(frame.left - 6)}" y="${px(yOf(v) + 4)}" text-anchor="end">${valueLabel(v)}</text>`);
  }
  parts.push(`<text class="axis-title" transform="translate(14 ${px(frame.top + frame.height / 2)}) rotate(-90)" text-anchor="middle">${escapeHtml(opts.valueUnit)}</text>`);
  parts.push(`<line class="axis" x1="${px(frame.left)}" y1="${px(frame.top)}" x2="${px(frame.left)}" y2="${px(frame.top + frame.height)}"/>`);
  parts.push(timeAxisSvg(frame));
  opts.series.forEach((s, i) => {
    const pts = s.points.filter((p) => Number.isFinite(p.value) && Number.isFinite(p.tMs));
    if (pts.length === 0) return;
    const color = seriesColor(i);
    const dash = seriesDash(i);
    const d = pts.map((p) => `${px(xOf(frame, p.tMs))},${px(yOf(p.value))}`).join(' ');
    const last = pts[pts.length - 1];
    const title = `${s.label}: last ${last ? valueLabel(last.value) : '-'} ${opts.valueUnit}`;
    parts.push(
      `<polyline class="series" fill="none" stroke="${color}" stroke-width="2"${dash ? ` stroke-dasharray="${dash}"` : ''} points="${d}"><title>${escapeHtml(title)}</title></polyline>`,
    );
    if (pts.length === 1 && last) parts.push(`<circle cx="${px(xOf(frame, last.tMs))}" cy="${px(yOf(last.value))}" r="3" fill="${color}"/>`);
  });
  if (opts.series.length === 0) {
    parts.push(`<text class="empty" x="${px(frame.left + frame.width / 2)}" y="${px(frame.top + frame.height / 2)}" text-anchor="middle">no samples</text>`);
  }
  parts.push('</svg>');
  return parts.join('');
}
