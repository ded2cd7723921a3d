/**
 * Issue 15, item 3: what a biomed and a developer look for: a page per pump, the escalations'
 * outcomes, alarm burden, CSV of the tables, and `--compare` as one side-by-side page.
 */
import { describe, expect, it } from 'vitest';
import { noisiestPumps, responseDistribution } from '../../../src/harness/report/burden.js';
import { renderComparisonHtml } from '../../../src/harness/report/compareHtml.js';
import { csvField, toCsv } from '../../../src/harness/report/csv.js';
import { renderHtmlReport } from '../../../src/harness/report/html.js';
import { escalationOutcomes } from '../../../src/harness/report/pumpPages.js';
import { Trace } from '../../../src/harness/trace/trace.js';
import { syntheticResult } from './fixture.js';

const H = 3_600_000;

/** The fixture's trace, as far as these sections read it: events of icu-1 and two escalations. */
function trace(): Trace {
  const t = new Trace();
  t.add({ tMs: 1 * H, kind: 'pump', pumpId: 'icu-1', event: { type: 'ALARM', tMs: 1 * H, id: 'OCCLUSION_DOWN', prio: 'high', stops: true } });
  t.add({ tMs: 1 * H + 30_000, kind: 'command', pumpId: 'icu-1', source: 'nurse', command: 'ACK', ok: true, auth: 'local' });
  // AIR_IN_LINE on icu-1 from 03:30, never answered: level 1 at +2 min, level 2 at +5 min.
  t.add({ tMs: 3.5 * H + 120_000, kind: 'escalation', pumpId: 'icu-1', alarm: 'AIR_IN_LINE', level: 1 });
  t.add({ tMs: 3.5 * H + 300_000, kind: 'escalation', pumpId: 'icu-1', alarm: 'AIR_IN_LINE', level: 2 });
  // ms-1's second occlusion (03:00, answered at 03:00:10) escalated at 03:00:05: answered 5 s later.
  t.add({ tMs: 3 * H + 5000, kind: 'escalation', pumpId: 'ms-1', alarm: 'OCCLUSION_DOWN', level: 1 });
  return t;
}

describe('escalation outcomes', () => {
  it('pairs each escalation with its alarm and says how it ended', () => {
    const out = escalationOutcomes(syntheticResult(), trace().records);
    expect(out).toEqual([
      { tMs: 3.5 * H + 120_000, pumpId: 'icu-1', alarm: 'AIR_IN_LINE', level: 1, outcome: 'active', answeredAfterMs: undefined },
      { tMs: 3.5 * H + 300_000, pumpId: 'icu-1', alarm: 'AIR_IN_LINE', level: 2, outcome: 'active', answeredAfterMs: undefined },
      { tMs: 3 * H + 5000, pumpId: 'ms-1', alarm: 'OCCLUSION_DOWN', level: 1, outcome: 'answered', answeredAfterMs: 5000 },
    ]);
  });

  it('are in the HTML report with a page per pump when the trace is given', () => {
    const html = renderHtmlReport(syntheticResult(), trace());
    expect(html).toContain('<section id="escalations"><h2>Escalations (3)</h2>');
    expect(html).toContain('<tr><td>1 (charge nurse)</td><td class="num">2</td><td class="num">1</td><td class="num">5.0</td><td class="num">0</td><td class="num">1</td></tr>');
    // Pump pages: one per pump, linked from the pump table; icu-1's log in words and clock time.
    expect(html.match(/<details class="pump-page" id="pump-\d+">/g)).toHaveLength(5);
    expect(html).toContain('<td><a href="#pump-1">icu-1</a></td>');
    expect(html).toContain('01:00:30 cmd  icu-1 from=nurse auth=local ACK -&gt; OK');
    // Without the trace (a result read back from JSON): neither section.
    const bare = renderHtmlReport(syntheticResult());
    expect(bare).not.toContain('id="escalations"');
    expect(bare).not.toContain('class="pump-page"');
  });

  it('a trace that was not kept in memory (keepTrace: false, issue 20) counts as no trace: no empty pump pages', () => {
    const notKept = new Trace({ keep: false });
    for (const r of trace().records) notKept.add(r);
    expect(notKept.size).toBe(5);
    const html = renderHtmlReport(syntheticResult(), notKept);
    expect(html).toBe(renderHtmlReport(syntheticResult()));
  });
});

describe('alarm burden', () => {
  it('buckets response times and counts what nobody answered apart', () => {
    // Fixture: answered after 30, 50, 60, 90, 45, 10 s and 2 min; AIR_IN_LINE still on.
    expect(responseDistribution(syntheticResult().alarms)).toEqual([
      { label: 'within 30 s', count: 2 },
      { label: '30 s to 1 min', count: 3 },
      { label: '1 to 2 min', count: 2 },
      { label: '2 to 5 min', count: 0 },
      { label: '5 to 10 min', count: 0 },
      { label: 'over 10 min', count: 0 },
      { label: 'not answered, ended by itself', count: 0 },
      { label: 'not answered, still on at the end', count: 1 },
    ]);
  });

  it('names the noisiest pumps with their most frequent alarm', () => {
    expect(noisiestPumps(syntheticResult().alarms, 2)).toEqual([
      { pumpId: 'icu-1', unit: 'icu', alarms: 2, top: 'AIR_IN_LINE x1' },
      { pumpId: 'icu-2', unit: 'icu', alarms: 2, top: 'NEAR_END x1' },
    ]);
  });
});

describe('CSV', () => {
  it('quotes as RFC 4180 says and defuses formulas', () => {
    expect(toCsv(['a', 'b'], [['1', 'x,y'], ['say "hi"', 'line\nbreak']])).toBe('a,b\r\n1,"x,y"\r\n"say ""hi""","line\nbreak"\r\n');
    expect(csvField('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvField('-2.5')).toBe('-2.5');
    expect(csvField('-cmd')).toBe("'-cmd");
  });
});

describe('--compare as one page', () => {
  it('shows the comparison, differences marked, and both reports side by side', () => {
    const a = syntheticResult();
    const b = syntheticResult();
    b.scenario.name = 'two-units';
    const page = renderComparisonHtml(
      { scenario: 'two-units', seed: 42, setting: 'policy', labels: ['standard', 'cautious'], rows: [{ metric: 'alarms', a: '8', b: '8' }, { metric: 'time to full coverage', a: '05:00:00', b: 'not reached' }] },
      a,
      b,
    );
    expect(page).toContain('<tr><td>alarms</td><td>8</td><td>8</td></tr>');
    expect(page).toContain('<tr><td>time to full coverage</td><td class="differs">05:00:00</td><td class="differs">not reached</td></tr>');
    expect(page.match(/<iframe title="report under policy (standard|cautious)" srcdoc="&lt;!doctype html&gt;/g)).toHaveLength(2);
    expect(page).not.toMatch(/<script/i);
  });
});
