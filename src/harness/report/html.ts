/**
 * The HTML report: one self-contained page (inline CSS and SVG, no scripts, no external resources)
 * that opens offline. Charts are hand-written SVG, tables follow the terminal summary.
 */
import { rolloutHtmlSection } from './rollout.js';
import { monitorHtmlSection } from './monitor.js';
import { playbookHtmlSection } from './playbook.js';
import { blastHtmlSection } from './blastRadius.js';
import { advisoryHtmlSection, inventoryHtmlSection } from './inventory.js';
import { writeFileSync } from 'node:fs';
import type { RunResult } from '../run/result.js';
import { renderLineChart } from './charts/lineChart.js';
import { renderNetworkChart } from './charts/lanes.js';
import { alarmChartCss, renderAlarmTimeline } from './charts/alarmChart.js';
import { alarmEndsWhen } from './alarmAnswers.js';
import { escapeHtml } from './charts/svg.js';
import { generatorVersion } from './json.js';
import { alarmCountsByTypeAndUnit, alarmResponseStats, counted, fixed, networkRows, secondsText, unitIds, volumeErrorStats } from './summary.js';
import { clockText, traceLineForPeople } from './timeline.js';
import { burdenHtml } from './burden.js';
import { csvLink } from './csv.js';
import { escalationHtml, pumpAnchors, pumpPagesHtml } from './pumpPages.js';
import type { Trace } from '../trace/trace.js';

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
pre{background:#f6f8fa;border:1px solid #e1e4e8;padding:6px 8px;margin:4px 0;overflow-x:auto;white-space:pre-wrap;overflow-wrap:anywhere}
table.violations{table-layout:fixed;width:100%}table.violations td:nth-child(1){width:6.5em}table.violations td:nth-child(2){width:9em;overflow-wrap:anywhere}table.violations td:nth-child(3){width:12em}
section.failure{border:2px solid #c62828;border-radius:4px;padding:4px 14px 10px;margin:14px 0;background:#fff5f5}section.failure h2{border:0;color:#b00020;margin-top:8px}
section.failure li{margin:4px 0}section.failure .links a{margin-left:8px;font-size:13px}:target{outline:2px solid #b00020;scroll-margin-top:3em}
table{border-collapse:collapse;margin:6px 0 10px}th,td{border:1px solid #d8d8d8;padding:3px 8px;text-align:left;vertical-align:top}th{background:#f3f3f3}
table.pumps td{white-space:nowrap}td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}tr.total td{font-weight:600;background:#fafafa}
nav a{margin-right:12px}
svg.chart{display:block;max-width:100%;height:auto;margin:4px 0}
svg .grid{stroke:#e6e6e6;stroke-width:1}svg .axis{stroke:#555;stroke-width:1}
svg text{font:11px system-ui,sans-serif;fill:#333}svg .tick{fill:#555}svg .axis-title{fill:#555;font-style:italic}
svg .lane-label{font:11px ui-monospace,Menlo,Consolas,monospace}svg .subrow-label{font-size:9px;fill:#666;font-weight:700}
svg .lane-bg{fill:#f7f7f7}svg .answer{stroke:#000;stroke-width:2}svg .bar-label{font-size:9px;fill:#111}svg .empty{fill:#888;font-style:italic}
details>summary{cursor:pointer;font-weight:600;margin:6px 0}
.wide{overflow-x:auto;max-width:100%}.csv-link{font-size:12px;margin:2px 0}details.pump-page>summary{font-weight:400}details.pump-page pre{max-height:420px;overflow-y:auto}
@media print{nav,.csv-link,.alarm-filters{display:none}details{display:block}}
footer{margin-top:30px;color:#777;font-size:12px}
${alarmChartCss()}
`;

/**
 * A table; with `csv`, a link above it saves it as `<csv>.csv`. `firstCell` writes the first
 * column's HTML (a pump id linked to its page); every other cell is escaped text.
 */
function table(
  headers: readonly string[],
  rows: readonly (readonly string[])[],
  numeric: readonly boolean[] = [],
  totalRow = false,
  cls = '',
  csv = '',
  firstCell: (text: string) => string = escapeHtml,
): string {
  const th = headers.map((h, i) => `<th${numeric[i] ? ' class="num"' : ''}>${escapeHtml(h)}</th>`).join('');
  const body = rows
    .map((r, ri) => {
      const cls = totalRow && ri === rows.length - 1 ? ' class="total"' : '';
      return `<tr${cls}>${r.map((c, i) => `<td${numeric[i] ? ' class="num"' : ''}>${i === 0 ? firstCell(c) : escapeHtml(c)}</td>`).join('')}</tr>`;
    })
    .join('\n');
  const link = csv ? `<div class="csv-link">${csvLink(csv, headers, rows)}</div>` : '';
  return `${link}<div class="wide"><table${cls ? ` class="${cls}"` : ''}><thead><tr>${th}</tr></thead><tbody>\n${body}\n</tbody></table></div>`;
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
    ['fleet', `${counted(r.pumps.length, 'pump')} in ${counted(r.units.length, 'unit')}`],
    ['outcome', `${outcome} expected ${escapeHtml(sc.expectedOutcome)}, exit code ${r.exitCode}`],
    ['trace hash', `<code title="${escapeHtml(r.traceHash)}">${escapeHtml(r.traceHash.slice(0, 16))}</code> (${r.traceRecords} records)`],
  ];
  return [
    `<header><h1>infusim report: ${escapeHtml(sc.name)}</h1>`,
    sc.description ? `<p class="desc">${escapeHtml(sc.description)}</p>` : '',
    `<dl class="meta">${meta.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${v}</dd>`).join('')}</dl></header>`,
    `<nav>${failed(r) ? '<a href="#failure">what failed</a>' : ''}<a href="#charts">charts</a><a href="#alarms">alarms</a><a href="#volume-error">volume</a><a href="#burden">burden</a><a href="#network">network</a><a href="#expectations">expectations</a><a href="#violations">violations</a><a href="#pumps">pumps</a></nav>`,
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
    out.push(table(['alarm', 'priority', ...counts.units, 'total'], rows, [false, false, ...counts.units.map(() => true), true], true, '', 'alarms-by-type-and-unit'));
  }
  out.push('<h3>Alarm response times (raised to first acknowledge or silence)</h3>');
  out.push(
    '<p class="desc">An alarm nobody answered either ended by itself (a non-latching alarm ends with its cause: the link came back, mains returned) or was still on when the run stopped. Only a latching alarm waits for a person; the last column says what ends each kind.</p>',
  );
  const resp = alarmResponseStats(r.alarms);
  if (resp.length === 0) out.push(none());
  else {
    const rows = resp.map((s) => [s.alarm, String(s.raised), String(s.answered), secondsText(s.medianMs), secondsText(s.p90Ms), secondsText(s.maxMs), String(s.endedUnanswered), String(s.stillOn), alarmEndsWhen(s.alarm)]);
    out.push(table(['alarm', 'raised', 'answered', 'median s', 'p90 s', 'max s', 'ended by itself', 'still on at the end', 'ends when'], rows, [false, true, true, true, true, true, true, true, false], false, '', 'alarm-response-times'));
  }
  out.push('</section>');
  return out.join('\n');
}

function volumeAndNetwork(r: RunResult): string {
  const vol = volumeErrorStats(r.pumps).map((v) => [v.type, String(v.pumps), String(v.infusing), fixed(v.meanPct, 2), fixed(v.minPct, 2), fixed(v.maxPct, 2), fixed(v.viMl, 1), fixed(v.deliveredMl, 1)]);
  return [
    '<section id="volume-error"><h2>Delivered volume error</h2><p class="desc">(delivered &minus; counted) / counted, over pumps that infused something.</p>',
    vol.length ? table(['pump type', 'pumps', 'infusing', 'mean %', 'min %', 'max %', 'counted mL', 'delivered mL'], vol, [false, true, true, true, true, true, true, true], false, '', 'volume-error') : none('no pumps'),
    '</section><section id="network"><h2>Network</h2>',
    table(['counter', 'count'], networkRows(r.network).map(([k, v]) => [k, String(v)]), [false, true], false, '', 'network'),
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

/** Violations, failed expectations or a broker that died: the page opens on them. */
function failed(r: RunResult): boolean {
  return r.violations.length > 0 || r.expectations.some((e) => !e.passed) || (r.brokerDeaths?.length ?? 0) > 0 || r.exitCode !== 0;
}

/** The first section of a failed run: what failed, where and when, with links to the details and into the charts. */
function failure(r: RunResult): string {
  if (!failed(r)) return '';
  const expected = r.violations.length > 0 && r.scenario.expectedOutcome === 'violation';
  const items = r.violations.map((v, i) => {
    const n = i + 1;
    return (
      `<li><b>V${n}</b> <span class="mono">${escapeHtml(clockText(v.tMs))}</span> ${v.pumpId ? `<span class="mono">${escapeHtml(v.pumpId)}</span> ` : ''}<b>${escapeHtml(v.rule)}</b>: ${escapeHtml(v.detail)}` +
      `<span class="links"><a href="#violation-${n}">trace around it</a><a href="#alarm-mark-${n}">on the alarm timeline</a><a href="#net-mark-${n}">on the network chart</a></span></li>`
    );
  });
  const expectations = r.expectations.filter((e) => !e.passed).map((e) => `<li><b>expectation failed</b>: ${escapeHtml(e.description)}: ${escapeHtml(e.detail)} <span class="links"><a href="#expectations">expectations</a></span></li>`);
  const deaths = (r.brokerDeaths ?? []).map((d) => `<li><b>broker died</b> <span class="mono">${escapeHtml(clockText(d.tMs))}</span> ${escapeHtml(d.detail)} <span class="links"><a href="#burden">burden</a><a href="#network">network</a></span></li>`);
  const title = r.exitCode === 0 ? (expected ? `Violations (${r.violations.length}), as the scenario expects` : 'What happened') : 'What failed';
  return [
    `<section id="failure" class="failure"><h2>${escapeHtml(title)}</h2>`,
    `<p>Exit code ${r.exitCode}; the scenario expects ${escapeHtml(r.scenario.expectedOutcome)}. Each violation is marked V1, V2, ... on the charts below.</p>`,
    `<ul>${[...items, ...expectations, ...deaths].join('\n')}</ul></section>`,
  ].join('\n');
}

function violations(r: RunResult): string {
  const out = [`<section id="violations"><h2>Violations (${r.violations.length})</h2>`];
  if (r.violations.length === 0) out.push(none());
  else {
    const rows = r.violations.map(
      (v, i) =>
        `<tr id="violation-${i + 1}"><td class="mono">V${i + 1} ${escapeHtml(clockText(v.tMs))}</td><td class="mono">${escapeHtml(v.pumpId ?? '-')}</td><td>${escapeHtml(v.rule)}</td>` +
        `<td>${escapeHtml(v.detail)}${v.context.length ? `<pre>${escapeHtml(v.context.map(traceLineForPeople).join('\n'))}</pre>` : ''}</td></tr>`,
    );
    out.push(`<table class="violations"><thead><tr><th>time</th><th>pump</th><th>rule</th><th>detail and trace context</th></tr></thead><tbody>\n${rows.join('\n')}\n</tbody></table>`);
  }
  out.push('</section>');
  return out.join('\n');
}

function unitsAndPumps(r: RunResult, pumpLink: (id: string) => string): string {
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
    'pumps',
    pumpLink,
  );
  const title = `Pumps (${r.pumps.length})`;
  const body = r.pumps.length > PUMP_TABLE_FOLD_AT ? `<details><summary>${escapeHtml(title)}: show the table</summary>\n${pumps}\n</details>` : `<h3>${escapeHtml(title)}</h3>\n${pumps}`;
  return `<section id="pumps"><h2>Units and pumps</h2>\n${units}\n${body}\n</section>`;
}

/**
 * The page. With the run's trace (`infusim run --html` passes it) it also has a page per pump and
 * the escalations' outcomes; without it (a RunResult read back from JSON) those two are left out.
 */
export function renderHtmlReport(result: RunResult, trace?: Trace): string {
  const records = trace?.kept ? trace.records : undefined;
  const anchors = records ? pumpAnchors(result) : new Map<string, string>();
  const pumpLink = (id: string): string => {
    const a = anchors.get(id);
    return a ? `<a href="#${a}">${escapeHtml(id)}</a>` : escapeHtml(id);
  };
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>infusim report: ${escapeHtml(result.scenario.name)} seed ${escapeHtml(String(result.seed))}</title>`,
    `<style>${CSS}</style></head><body>`,
    header(result),
    failure(result),
    charts(result),
    rolloutHtmlSection(result),
    advisoryHtmlSection(result),
    inventoryHtmlSection(result),
    monitorHtmlSection(result),
    playbookHtmlSection(result),
    blastHtmlSection(result),
    alarmTables(result),
    burdenHtml(result, (h, rows, numeric, name) => table(h, rows, numeric, false, '', name ?? ''), pumpLink),
    records ? escalationHtml(result, records, pumpLink) : '',
    volumeAndNetwork(result),
    expectations(result),
    violations(result),
    unitsAndPumps(result, pumpLink),
    records ? pumpPagesHtml(result, records) : '',
    `<footer>infusim ${escapeHtml(generatorVersion())}, report format infusim-report/1. Hover over bars and lines for details.</footer>`,
    '</body></html>',
    '',
  ].join('\n');
}

export function writeHtmlReport(path: string, result: RunResult, trace?: Trace): void {
  writeFileSync(path, renderHtmlReport(result, trace));
}
