/**
 * `infusim trumpet --html`: the trumpet curve (IEC 60601-2-24) as a chart on one self-contained
 * page: Ep max and Ep min per observation window (min) as two lines closing like a trumpet, the
 * overall mean error A as a dashed line, and the claimed band (docs/clinical.md#accuracy).
 */
import type { TrumpetCurve } from '../../sim/trumpet/trumpet.js';
import { escapeHtml, niceScale, px, valueLabel } from './charts/svg.js';

export interface TrumpetPage {
  pumpName: string;
  seed: number;
  curve: TrumpetCurve;
  /** The claimed accuracy at this rate (fraction), and whether short windows are part of the claim. */
  claimFraction: number;
  windowsClaimed: boolean;
  /** The text lines the terminal prints (the claim, where this rate is). */
  claimLines: readonly string[];
}

const W = 760;
const H = 420;
const FRAME = { left: 70, right: 150, top: 20, bottom: 50 };

export function renderTrumpetSvg(p: TrumpetPage): string {
  const rows = p.curve.rows;
  const maxWindow = Math.max(1, ...rows.map((r) => r.windowMin));
  const extent = Math.max(p.claimFraction * 100, Math.abs(p.curve.overallErrorPct), ...rows.flatMap((r) => [Math.abs(r.maxErrorPct), Math.abs(r.minErrorPct)]));
  const { top, step } = niceScale(extent * 1.1);
  const plotW = W - FRAME.left - FRAME.right;
  const plotH = H - FRAME.top - FRAME.bottom;
  const x = (windowMin: number): number => FRAME.left + (windowMin / maxWindow) * plotW;
  const y = (pct: number): number => FRAME.top + plotH / 2 - (Math.max(-top, Math.min(top, pct)) / top) * (plotH / 2);
  const parts: string[] = [`<svg class="chart trumpet" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="trumpet curve"><title>Trumpet curve</title>`];
  for (let v = -top; v <= top + step / 1000; v += step) {
    parts.push(`<line class="grid" x1="${FRAME.left}" y1="${px(y(v))}" x2="${FRAME.left + plotW}" y2="${px(y(v))}"/><text class="tick" x="${FRAME.left - 6}" y="${px(y(v) + 4)}" text-anchor="end">${valueLabel(v)}</text>`);
  }
  for (const r of rows) parts.push(`<text class="tick" x="${px(x(r.windowMin))}" y="${H - FRAME.bottom + 16}" text-anchor="middle">${r.windowMin}</text>`);
  parts.push(`<text class="axis-title" x="${FRAME.left + plotW}" y="${H - 12}" text-anchor="end">observation window (min)</text>`);
  parts.push(`<text class="axis-title" transform="translate(16 ${px(FRAME.top + plotH / 2)}) rotate(-90)" text-anchor="middle">error (%)</text>`);
  const band = p.claimFraction * 100;
  parts.push(`<rect class="claim" x="${FRAME.left}" y="${px(y(band))}" width="${plotW}" height="${px(y(-band) - y(band))}"><title>claimed ±${valueLabel(band)} %${p.windowsClaimed ? '' : ' (overall error A only at this rate)'}</title></rect>`);
  const line = (cls: string, pick: (r: (typeof rows)[number]) => number, label: string): void => {
    const pts = rows.map((r) => `${px(x(r.windowMin))},${px(y(pick(r)))}`).join(' ');
    parts.push(`<polyline class="${cls}" fill="none" points="${pts}"><title>${escapeHtml(label)}</title></polyline>`);
    for (const r of rows) parts.push(`<circle class="${cls}" cx="${px(x(r.windowMin))}" cy="${px(y(pick(r)))}" r="3.5"><title>${escapeHtml(`${label}, ${r.windowMin} min: ${pick(r).toFixed(2)} %`)}</title></circle>`);
    const last = rows[rows.length - 1];
    if (last) parts.push(`<text class="${cls}-label" x="${px(x(last.windowMin) + 8)}" y="${px(y(pick(last)) + 4)}">${escapeHtml(label)}</text>`);
  };
  line('ep-max', (r) => r.maxErrorPct, 'Ep max');
  line('ep-min', (r) => r.minErrorPct, 'Ep min');
  const a = p.curve.overallErrorPct;
  parts.push(`<line class="overall" x1="${FRAME.left}" y1="${px(y(a))}" x2="${FRAME.left + plotW}" y2="${px(y(a))}"><title>overall mean error A ${a.toFixed(2)} %</title></line>`);
  parts.push(`<text class="overall-label" x="${FRAME.left + plotW + 8}" y="${px(y(a) + 4)}">A ${a >= 0 ? '+' : ''}${a.toFixed(2)} %</text>`);
  parts.push(`<line class="axis" x1="${FRAME.left}" y1="${FRAME.top}" x2="${FRAME.left}" y2="${FRAME.top + plotH}"/><line class="axis" x1="${FRAME.left}" y1="${px(y(0))}" x2="${FRAME.left + plotW}" y2="${px(y(0))}"/>`);
  parts.push('</svg>');
  return parts.join('');
}

const CSS = `
body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;margin:0 auto;padding:16px 20px;max-width:900px;color:#1b1b1b}
h1{font-size:20px}table{border-collapse:collapse}th,td{border:1px solid #d8d8d8;padding:3px 8px;text-align:right}th{background:#f3f3f3}
svg.chart{display:block;max-width:100%;height:auto;forced-color-adjust:none;print-color-adjust:exact}
svg text{font:11px system-ui,sans-serif;fill:#333}svg .grid{stroke:#e6e6e6}svg .axis{stroke:#555}svg .axis-title{fill:#555;font-style:italic}
svg .claim{fill:#1a7f37;fill-opacity:0.12;stroke:#1a7f37;stroke-dasharray:5 3}
svg polyline.ep-max{stroke:#D55E00;stroke-width:2}svg circle.ep-max{fill:#D55E00}svg .ep-max-label{fill:#D55E00;font-weight:700}
svg polyline.ep-min{stroke:#0072B2;stroke-width:2;stroke-dasharray:7 3}svg circle.ep-min{fill:#0072B2}svg .ep-min-label{fill:#0072B2;font-weight:700}
svg .overall{stroke:#333;stroke-dasharray:2 3}svg .overall-label{fill:#333}
`;

export function renderTrumpetHtml(p: TrumpetPage): string {
  const c = p.curve;
  const rows = c.rows.map((r) => `<tr><td>${r.windowMin}</td><td>${r.maxErrorPct.toFixed(2)}</td><td>${r.minErrorPct.toFixed(2)}</td></tr>`).join('\n');
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>infusim trumpet curve: ${escapeHtml(p.pumpName)}, ${c.rateMlPerH} mL/h, seed ${p.seed}</title>`,
    `<style>${CSS}</style></head><body>`,
    `<h1>Trumpet curve (IEC 60601-2-24 method): ${escapeHtml(p.pumpName)}, ${c.rateMlPerH} mL/h, seed ${p.seed}</h1>`,
    `<p>Weighed every ${c.sampleIntervalMin} min for 120 min; analysis over the second hour. Green band: the claim.</p>`,
    ...p.claimLines.map((l) => `<p>${escapeHtml(l)}</p>`),
    renderTrumpetSvg(p),
    `<table><thead><tr><th>window (min)</th><th>Ep max (%)</th><th>Ep min (%)</th></tr></thead><tbody>\n${rows}\n</tbody></table>`,
    `<p>Overall mean error A: ${c.overallErrorPct >= 0 ? '+' : ''}${c.overallErrorPct.toFixed(2)} %</p>`,
    '</body></html>',
    '',
  ].join('\n');
}
