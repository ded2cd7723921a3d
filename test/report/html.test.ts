import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { escapeHtml, PUMP_TABLE_FOLD_AT, renderHtmlReport, writeHtmlReport } from '../../src/harness/report/html.js';
import type { RunResult } from '../../src/harness/run/result.js';
import { EVIL_PUMP_ID, syntheticResult } from './fixture.js';

function count(haystack: string, needle: string): number {
  return haystack.split(needle).length - 1;
}

/** A fleet of `n` pumps built from the fixture. */
function bigFleet(n: number): RunResult {
  const r = syntheticResult();
  const base = r.pumps[0];
  if (!base) throw new Error('fixture has pumps');
  r.pumps = Array.from({ length: n }, (_, i) => ({ ...base, id: `p-${String(i).padStart(3, '0')}`, unit: i % 2 ? 'icu' : 'med-surg' }));
  return r;
}

describe('HTML report', () => {
  const html = renderHtmlReport(syntheticResult());

  it('is one self-contained page', () => {
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(count(html, '<html')).toBe(1);
    expect(count(html, '</html>')).toBe(1);
    expect(html).not.toMatch(/src="http/i);
    expect(html).not.toMatch(/href="http/i);
    expect(html).not.toMatch(/<link/i);
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/@import|url\(/i);
  });

  it('has the header', () => {
    expect(html).toContain('infusim report: two-units');
    expect(html).toContain('<span class="badge violation">VIOLATION</span>');
    expect(html).toContain('>0123456789abcdef</code>');
    expect(html).toContain('<dt>seed</dt><dd>42</dd>');
    expect(html).toContain('a gateway crash &amp; one occlusion missed');
  });

  it('has an <svg> for each of the four charts, with time labels', () => {
    expect(count(html, '<svg')).toBe(4);
    for (const cls of ['line-chart', 'line-chart', 'lane-chart', 'lane-chart']) expect(html).toContain(`class="chart ${cls}"`);
    expect(html).toContain('>00:30</text>');
    expect(html).toContain('>04:00</text>');
    expect(html).toContain('>mL/h</text>');
  });

  it('draws alarms by priority with colour, shape and text', () => {
    expect(html).toContain('fill="#d62728"');
    expect(html).toContain('fill="#f0a202"');
    expect(html).toContain('fill="#1f8fd1"');
    expect(html).toContain('!!! high priority');
    expect(html).toContain('! low priority');
    expect(html).toContain('icu-1 (icu) AIR_IN_LINE high: 03:30:00 to end of run (still active), unanswered');
    expect(html).toContain('network link-down on seg-icu: 01:00:00 to 01:20:00');
    expect(html).toContain('fault packet-loss on seg-ms');
  });

  it('escapes every string', () => {
    expect(html).not.toContain(EVIL_PUMP_ID);
    expect(html).toContain(escapeHtml(EVIL_PUMP_ID));
    expect(escapeHtml(`<a href="x">'&`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;');
  });

  it('renders the tables and the violation with its context', () => {
    expect(html).toContain('<td>OCCLUSION_DOWN</td><td class="num">4</td><td class="num">4</td><td class="num">40.0</td><td class="num">78.0</td><td class="num">90.0</td><td class="num">0</td>');
    expect(html).toContain('<span class="badge fail">FAIL</span></td><td>no event lost at the gateway</td>');
    expect(html).toContain('<tr id="violation-1"><td class="mono">V1 03:05:12</td><td class="mono">ms-1</td><td>occlusion-announced</td>');
    // Trace lines with people's clock times (11112000 ms = 3 h 5 min 12 s), not raw milliseconds (issue 15, item 2).
    expect(html).toContain('<pre>03:05:12 pump ms-1 STATE RUNNING\n03:05:12 VIOLATION occlusion-announced ms-1 &lt;flow &amp; pressure&gt;</pre>');
    expect(html).toContain('<td>messages lost</td><td class="num">20</td>');
  });

  it('opens on what failed: each violation with its time and links into the charts (issue 15, item 2)', () => {
    const failure = html.slice(html.indexOf('<section id="failure"'), html.indexOf('</section>', html.indexOf('<section id="failure"')));
    expect(html.indexOf('<section id="failure"')).toBeLessThan(html.indexOf('<section id="charts"'));
    expect(failure).toContain('<b>V1</b> <span class="mono">03:05:12</span> <span class="mono">ms-1</span> <b>occlusion-announced</b>');
    for (const href of ['#violation-1', '#alarm-mark-1', '#net-mark-1']) expect(failure).toContain(`href="${href}"`);
    expect(failure).toContain('no event lost at the gateway: 2 events missing');
    // The link targets exist: one mark on each lane chart.
    expect(count(html, 'id="alarm-mark-1"')).toBe(1);
    expect(count(html, 'id="net-mark-1"')).toBe(1);
    const pass = syntheticResult();
    Object.assign(pass, { violations: [], expectations: [], exitCode: 0, outcome: 'pass' });
    expect(renderHtmlReport(pass)).not.toContain('id="failure"');
  });

  it('says what unanswered means per alarm kind (issue 15, item 4)', () => {
    const r = syntheticResult();
    r.alarms = [...r.alarms, { pumpId: 'ms-2', unit: 'med-surg', id: 'COMM_LOST', priority: 'low', raisedMs: 3_600_000, endedMs: 3_700_000 }];
    const page = renderHtmlReport(r);
    // Raised 1, answered 0, no times, ended by itself 1, still on 0, and what ends it.
    expect(page).toContain('<td>COMM_LOST</td><td class="num">1</td><td class="num">0</td><td class="num">-</td><td class="num">-</td><td class="num">-</td><td class="num">1</td><td class="num">0</td><td>the network is back; the infusion goes on</td>');
    expect(page).toContain('<td>AIR_IN_LINE</td><td class="num">1</td><td class="num">0</td><td class="num">-</td><td class="num">-</td><td class="num">-</td><td class="num">0</td><td class="num">1</td>');
  });

  it('offers each table as CSV and shows the alarm burden (issue 15, item 3)', () => {
    const m = /<a class="csv" download="alarm-response-times.csv" href="data:text\/csv;charset=utf-8,([^"]+)">/.exec(html);
    const csv = decodeURIComponent(m?.[1] ?? '');
    expect(csv.split('\r\n')[0]).toBe('alarm,raised,answered,median s,p90 s,max s,ended by itself,still on at the end,ends when');
    expect(csv).toContain('\r\nOCCLUSION_DOWN,4,4,40.0,78.0,90.0,0,0,a person acknowledges it (latching)\r\n');
    // 8 alarms over 4 h: icu 4 alarms on 2 pumps = 2 per pump in 4 h = 12 per pump per day.
    expect(html).toContain('<td>icu</td><td class="num">2</td><td class="num">4</td><td class="num">3</td><td class="num">12.0</td>');
  });

  it('folds the per-pump table past 50 pumps and uses a lane per unit past 40', () => {
    expect(html).not.toContain('<summary>Pumps');
    expect(html).toContain('a lane per pump');
    const small = renderHtmlReport(bigFleet(PUMP_TABLE_FOLD_AT));
    expect(small).not.toContain('<summary>Pumps');
    expect(small).toContain('a lane per unit');
    const big = renderHtmlReport(bigFleet(PUMP_TABLE_FOLD_AT + 1));
    expect(big).toContain('<details><summary>Pumps (51)');
  });

  it('renders an empty run', () => {
    const r = syntheticResult();
    Object.assign(r, { alarms: [], violations: [], expectations: [], networkSpans: [], faultSpans: [], series: {}, pumps: [], units: [], outcome: 'pass' });
    const empty = renderHtmlReport(r);
    expect(count(empty, '<svg')).toBe(4);
    expect(empty).toContain('no faults and no network outages');
    expect(empty).not.toMatch(/NaN|Infinity|undefined/);
  });

  it('writes the page (to /tmp/report.html for a look in a browser)', () => {
    writeHtmlReport('/tmp/report.html', syntheticResult());
    expect(readFileSync('/tmp/report.html', 'utf8')).toBe(html);
    expect(html).not.toMatch(/NaN|Infinity|undefined/);
  });
});
