/**
 * The HTML report: one self-contained page (inline CSS and SVG, no scripts, no external resources)
 * that opens offline. Charts are hand-written SVG, tables follow the terminal summary.
 */
import { rolloutHtmlSection } from '../rollout/report.js';
import { advisoryHtmlSection, inventoryHtmlSection } from '../inventory/html.js';
import { writeFileSync } from 'node:fs';
import type { RunResult } from '../run/result.js';
import { renderLineChart } from './charts/lineChart.js';
import { renderAlarmTimeline, renderNetworkChart } from './charts/lanes.js';
import { escapeHtml } from './charts/svg.js';
import { generatorVersion } from './json.js';
import { alarmCountsByTypeAndUnit, alarmResponseStats, fixed, networkRows, secondsText, unitIds, volumeErrorStats } from './summary.js';
import { clockText } from './timeline.js';

export { escapeHtml } from './charts/svg.js';

/** Above this many pumps the per-pump table is folded into a <details>. */
export const PUMP_TABLE_FOLD_AT = 50;

const CSS = `
body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;margin:0 auto;padding:16px 20px 40px;max-width:1200px;color:#1b1b1b;background:#fff}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #ddd;padding-bottom:3px}h3{font-size:15px;margin:16px 0 6px}
.desc{color:#555;margin:0 0 10px}
dl.meta{display:grid;grid-template-columns:max-content auto;gap:2px 14px;margin:8px 0}dl.meta dt{color:#555}dl.meta dd{margin:0}
.badge{display:inline-block;padding:1px 8px;border-radius:3px;font-weight:700;color:#fff}.badge.pass{background:#1a7f37}.badge.violation,.badge.fail{background:#c62828}
code,pre,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12.5px}
pre{background:#f6f8fa;border:1px solid #e1e4e8;padding:6px 8px;margin:4px 0;overflow-x:auto;white-space:pre}
table{border-collapse:collapse;margin:6px 0 10px}th,td{border:1px solid #d8d8d8;padding:3px 8px;text-align:left;vertical-align:top}th{background:#f3f3f3}
table.pumps td{white-space:nowrap}td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}tr.total td{font-weight:600;background:#fafafa}
nav a{margin-right:12px}
svg.chart{display:block;max-width:100%;height:auto;margin:4px 0}
svg .grid{stroke:#e6e6e6;stroke-width:1}svg .axis{stroke:#555;stroke-width:1}
svg text{font:11px system-ui,sans-serif;fill:#333}svg .tick{fill:#555}svg .axis-title{fill:#555;font-style:italic}
svg .lane-label{font:11px ui-monospace,Menlo,Consolas,monospace}svg .subrow-label{font-size:9px;fill:#666;font-weight:700}
svg .lane-bg{fill:#f7f7f7}svg .answer{stroke:#000;stroke-width:2}svg .bar-label{font-size:9px;fill:#111}svg .empty{fill:#888;font-style:italic}
details>summary{cursor:pointer;font-weight:600;margin:6px 0}
footer{margin-top:30px;color:#777;font-size:12px}
`;

function table(headers: readonly string[], rows: readonly (readonly string[])[], numeric: readonly boolean[] = [], totalRow = false, cls = ''): string {
  const th = headers.map((h, i) => `<th${numeric[i] ? ' class="num"' : ''}>${escapeHtml(h)}</th>`).join('');
  const body = rows
    .map((r, ri) => {
      const cls = totalRow && ri === rows.length - 1 ? ' class="total"' : '';
      return `<tr${cls}>${r.map((c, i) => `<td${numeric[i] ? ' class="num"' : ''}>${escapeHtml(c)}</td>`).join('')}</tr>`;
    })
    .join('\n');
  return `<table${cls ? ` class="${cls}"` : ''}><thead><tr>${th}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

function none(text = 'none'): string {
  return `<p class="desc">${escapeHtml(text)}</p>`;
}

function header(r: RunResult): string {
  const sc = r.scenario;
  const outcome = r.outcome === 'pass' ? '<span class="badge pass">PASS</span>' : '<span class="badge violation">VIOLATION</span>';
  const meta: [string, string][] = [
    ['scenario file', escapeHtml(sc.file)],
    ['seed', escapeHtml(String(r.seed))],
    ['duration', `${escapeHtml(clockText(sc.durationMs))} virtual`],
    ['fleet', `${r.pumps.length} pumps in ${r.units.length} units`],
    ['outcome', `${outcome} expected ${escapeHtml(sc.expectedOutcome)}, exit code ${r.exitCode}`],
    ['trace hash', `<code title="${escapeHtml(r.traceHash)}">${escapeHtml(r.traceHash.slice(0, 16))}</code> (${r.traceRecords} records)`],
  ];
  return [
    `<header><h1>infusim report: ${escapeHtml(sc.name)}</h1>`,
    sc.description ? `<p class="desc">${escapeHtml(sc.description)}</p>` : '',
    `<dl class="meta">${meta.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${v}</dd>`).join('')}</dl></header>`,
    '<nav><a href="#charts">charts</a><a href="#alarms">alarms</a><a href="#volume-error">volume</a><a href="#network">network</a><a href="#expectations">expectations</a><a href="#violations">violations</a><a href="#pumps">pumps</a></nav>',
  ].join('\n');
}

function charts(r: RunResult): string {
  const units = [...new Set([...unitIds(r), ...Object.keys(r.series).sort()])].filter((u) => r.series[u] !== undefined);
  const series = (pick: 'viMl' | 'rateMlPerH'): { label: string; points: { tMs: number; value: number }[] }[] =>
    units.map((u) => ({ label: u, points: (r.series[u] ?? []).map((p) => ({ tMs: p.tMs, value: p[pick] })) }));
  const d = r.scenario.durationMs;
  return [
    '<section id="charts"><h2>Delivered volume per unit</h2>',
    renderLineChart({ title: 'Volume infused per unit (mL) over virtual time', valueUnit: 'mL', durationMs: d, series: series('viMl') }),
    '<h2>Delivery rate per unit</h2>',
    renderLineChart({ title: 'Sum of delivery rates per unit (mL/h) over virtual time', valueUnit: 'mL/h', durationMs: d, series: series('rateMlPerH') }),
    '<h2>Alarm timeline</h2>',
    renderAlarmTimeline(r),
    '<h2>Network state and faults</h2>',
    renderNetworkChart(r),
    '</section>',
  ].join('\n');
}

function alarmTables(r: RunResult): string {
  const counts = alarmCountsByTypeAndUnit(r);
  const out = [`<section id="alarms"><h2>Alarms by type and unit (${r.alarms.length})</h2>`];
  if (counts.rows.length === 0) out.push(none());
  else {
    const rows = counts.rows.map((c) => [c.alarm, c.priority, ...c.counts.map(String), String(c.total)]);
    rows.push(['total', '', ...counts.unitTotals.map(String), String(r.alarms.length)]);
    out.push(table(['alarm', 'priority', ...counts.units, 'total'], rows, [false, false, ...counts.units.map(() => true), true], true));
  }
  out.push('<h3>Alarm response times (raised to first acknowledge or silence)</h3>');
  const resp = alarmResponseStats(r.alarms);
  if (resp.length === 0) out.push(none());
  else {
    const rows = resp.map((s) => [s.alarm, String(s.raised), String(s.answered), secondsText(s.medianMs), secondsText(s.p90Ms), secondsText(s.maxMs), String(s.unanswered)]);
    out.push(table(['alarm', 'raised', 'answered', 'median s', 'p90 s', 'max s', 'unanswered'], rows, [false, true, true, true, true, true, true]));
  }
  out.push('</section>');
  return out.join('\n');
}

function volumeAndNetwork(r: RunResult): string {
  const vol = volumeErrorStats(r.pumps).map((v) => [v.type, String(v.pumps), String(v.infusing), fixed(v.meanPct, 2), fixed(v.minPct, 2), fixed(v.maxPct, 2), fixed(v.viMl, 1), fixed(v.deliveredMl, 1)]);
  return [
    '<section id="volume-error"><h2>Delivered volume error</h2><p class="desc">(delivered &minus; counted) / counted, over pumps that infused something.</p>',
    vol.length ? table(['pump type', 'pumps', 'infusing', 'mean %', 'min %', 'max %', 'counted mL', 'delivered mL'], vol, [false, true, true, true, true, true, true, true]) : none('no pumps'),
    '</section><section id="network"><h2>Network</h2>',
    table(['counter', 'count'], networkRows(r.network).map(([k, v]) => [k, String(v)]), [false, true]),
    ...(r.brokerDeaths?.length
      ? [
          `<h3 class="fail">Broker died (unplanned): ${r.brokerDeaths.length} time(s)</h3><p>The run restarted it; what was in flight was lost (counted above).</p>`,
          table(['time', 'what happened'], r.brokerDeaths.map((d) => [clockText(d.tMs), d.detail]), [false, false]),
        ]
      : []),
    '</section>',
  ].join('\n');
}

function expectations(r: RunResult): string {
  const passed = r.expectations.filter((e) => e.passed).length;
  const out = [`<section id="expectations"><h2>Expectations (${passed}/${r.expectations.length} pass)</h2>`];
  if (r.expectations.length === 0) out.push(none());
  else {
    const rows = r.expectations.map(
      (e) => `<tr><td>${e.passed ? '<span class="badge pass">PASS</span>' : '<span class="badge fail">FAIL</span>'}</td><td>${escapeHtml(e.description)}</td><td>${escapeHtml(e.detail)}</td></tr>`,
    );
    out.push(`<table><thead><tr><th>result</th><th>expectation</th><th>detail</th></tr></thead><tbody>\n${rows.join('\n')}\n</tbody></table>`);
  }
  out.push('</section>');
  return out.join('\n');
}

function violations(r: RunResult): string {
  const out = [`<section id="violations"><h2>Violations (${r.violations.length})</h2>`];
  if (r.violations.length === 0) out.push(none());
  else {
    const rows = r.violations.map(
      (v) =>
        `<tr><td class="mono">${escapeHtml(clockText(v.tMs))}</td><td class="mono">${escapeHtml(v.pumpId ?? '-')}</td><td>${escapeHtml(v.rule)}</td>` +
        `<td>${escapeHtml(v.detail)}${v.context.length ? `<pre>${escapeHtml(v.context.join('\n'))}</pre>` : ''}</td></tr>`,
    );
    out.push(`<table class="violations"><thead><tr><th>time</th><th>pump</th><th>rule</th><th>detail and trace context</th></tr></thead><tbody>\n${rows.join('\n')}\n</tbody></table>`);
  }
  out.push('</section>');
  return out.join('\n');
}

function unitsAndPumps(r: RunResult): string {
  const units = table(['unit', 'care area', 'segment', 'pumps'], r.units.map((u) => [u.id, u.careArea, u.segment, String(u.pumps)]), [false, false, false, true]);
  const pumpRows = r.pumps.map((p) => [
    p.id, p.unit, p.segment, p.type, p.firmware, p.finalState, fixed(p.viMl, 2), fixed(p.deliveredMl, 2), fixed(p.deliveredErrorPct, 2), String(p.alarms), String(p.eventsSent), String(p.eventsIngested),
  ]);
  const pumps = table(
    ['pump', 'unit', 'segment', 'type', 'firmware', 'final state', 'counted mL', 'delivered mL', 'error %', 'alarms', 'events sent', 'events ingested'],
    pumpRows,
    [false, false, false, false, false, false, true, true, true, true, true, true],
    false,
    'pumps',
  );
  const title = `Pumps (${r.pumps.length})`;
  const body = r.pumps.length > PUMP_TABLE_FOLD_AT ? `<details><summary>${escapeHtml(title)}: show the table</summary>\n${pumps}\n</details>` : `<h3>${escapeHtml(title)}</h3>\n${pumps}`;
  return `<section id="pumps"><h2>Units and pumps</h2>\n${units}\n${body}\n</section>`;
}

export function renderHtmlReport(result: RunResult): string {
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>infusim report: ${escapeHtml(result.scenario.name)} seed ${escapeHtml(String(result.seed))}</title>`,
    `<style>${CSS}</style></head><body>`,
    header(result),
    charts(result),
    rolloutHtmlSection(result),
    advisoryHtmlSection(result),
    inventoryHtmlSection(result),
    alarmTables(result),
    volumeAndNetwork(result),
    expectations(result),
    violations(result),
    unitsAndPumps(result),
    `<footer>infusim ${escapeHtml(generatorVersion())}, report format infusim-report/1. Hover over bars and lines for details.</footer>`,
    '</body></html>',
    '',
  ].join('\n');
}

export function writeHtmlReport(path: string, result: RunResult): void {
  writeFileSync(path, renderHtmlReport(result));
}
