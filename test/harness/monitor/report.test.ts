/**
 * The detection table in the three reports (docs/monitoring.md, Detection figures): terminal,
 * JSON and HTML, for a rogue client at 15m seen at once; and no monitor section without monitor:.
 */
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../../src/index.js';
import { formatJsonReport } from '../../../src/harness/report/json.js';
import { renderHtmlReport } from '../../../src/harness/report/html.js';
import { formatSummary } from '../../../src/harness/report/summary.js';
import { ward } from '../run/helpers.js';
import { monitoredWard } from './helpers.js';

describe('the monitor in the reports', () => {
  it('terminal, JSON and HTML carry the detection of a rogue client at 15m', async () => {
    const { result, trace } = await runScenario(monitoredWard({ timeline: [{ at: '15m', fault: 'rogue-client', target: 'u-1' }] }));
    const text = formatSummary(result, { color: false });
    expect(text).toMatch(/Traffic monitor: 2 alert\(s\); 1 of 1 attack\(s\) detected; 0 false alert\(s\) in 1\.667 monitored pump-hours = 0 per 1000 pump-hours/);
    expect(text).toMatch(/rogue-client +u-1 +00:15:00 +yes +0 ms +unknown-client +2/);
    const json = JSON.parse(formatJsonReport(result)) as { monitor: { detections: unknown[]; alerts: { kind: string }[] } };
    expect(json.monitor.detections).toEqual([{ attack: 'rogue-client', target: 'u-1', startMs: 900_000, endMs: 900_000, detected: true, timeToDetectMs: 0, firstKind: 'unknown-client', alerts: 2 }]);
    expect(json.monitor.alerts.map((a) => a.kind)).toEqual(['unknown-client', 'unauthorised-command']);
    const html = renderHtmlReport(result, trace);
    expect(html).toContain('<section id="monitor"><h2>Traffic monitor</h2>');
    expect(html).toContain('<td>rogue-client</td><td>u-1</td><td>00:15:00</td><td>yes</td><td>0 ms</td><td>unknown-client</td><td>2</td>');
  });

  it('a scenario without monitor: has no monitor section anywhere', async () => {
    const { result, trace } = await runScenario(ward({ pumps: 1, duration: '5m' }));
    expect(result.monitor).toBeUndefined();
    expect(formatSummary(result, { color: false })).not.toContain('Traffic monitor');
    expect(renderHtmlReport(result, trace)).not.toContain('id="monitor"');
  });
});
