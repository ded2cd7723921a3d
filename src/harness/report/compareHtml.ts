/**
 * The what-if page of `infusim run --compare` (two rollout policies or two monitor settings): the
 * comparison table, then the two reports side by
 * side. Each report is the whole page `renderHtmlReport` writes, framed in an `<iframe srcdoc>`,
 * so its links and anchors stay its own and the file stays one self-contained page (no script).
 */
import type { RunComparison } from '../run/compare.js';
import type { RunResult } from '../run/result.js';
import { escapeHtml } from './charts/svg.js';
import { renderHtmlReport } from './html.js';

const CSS = `
body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;margin:0;padding:12px 16px;color:#1b1b1b}
h1{font-size:20px;margin:0 0 8px}table{border-collapse:collapse;margin:6px 0 12px}th,td{border:1px solid #d8d8d8;padding:3px 8px;text-align:left}th{background:#f3f3f3}
td.differs{background:#fff4cc;font-weight:600}
.side{display:grid;grid-template-columns:1fr 1fr;gap:10px}.side h2{font-size:16px;margin:4px 0}
iframe{width:100%;height:85vh;border:1px solid #ccc}
`;

export function renderComparisonHtml(c: RunComparison, a: RunResult, b: RunResult): string {
  const rows = c.rows
    .map((r) => {
      const cls = r.a !== r.b ? ' class="differs"' : '';
      return `<tr><td>${escapeHtml(r.metric)}</td><td${cls}>${escapeHtml(r.a)}</td><td${cls}>${escapeHtml(r.b)}</td></tr>`;
    })
    .join('\n');
  const frame = (label: string, r: RunResult): string =>
    `<div><h2>${c.setting} ${escapeHtml(label)}</h2><iframe title="report under ${c.setting} ${escapeHtml(label)}" srcdoc="${escapeHtml(renderHtmlReport(r))}"></iframe></div>`;
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>infusim what-if: ${escapeHtml(c.scenario)} seed ${c.seed}, ${c.setting} ${escapeHtml(c.labels[0])} vs ${escapeHtml(c.labels[1])}</title>`,
    `<style>${CSS}</style></head><body>`,
    `<h1>What-if: ${escapeHtml(c.scenario)}, seed ${c.seed}, ${c.setting} ${escapeHtml(c.labels[0])} vs ${escapeHtml(c.labels[1])}</h1>`,
    `<p>Same scenario, same seed: the only difference is the ${c.setting === 'policy' ? 'rollout policy' : 'monitor settings'}. Highlighted: the metrics that differ.</p>`,
    `<table><thead><tr><th>metric</th><th>${escapeHtml(c.labels[0])}</th><th>${escapeHtml(c.labels[1])}</th></tr></thead><tbody>\n${rows}\n</tbody></table>`,
    `<div class="side">${frame(c.labels[0], a)}${frame(c.labels[1], b)}</div>`,
    '</body></html>',
    '',
  ].join('\n');
}
