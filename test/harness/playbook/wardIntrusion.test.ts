/**
 * scenarios/ward-intrusion.yaml (docs/playbooks.md): its figures worked out by hand from the file.
 * The scanner's first PING at 2h raises unknown-client (high) at once: time to detect 0. The
 * playbook's steps: block-client takes 5m (ends 2h05m); isolate-segment waits 5m for nursing's
 * approval and takes 10m (ends 2h05m + 5m + 10m = 2h20m); notify-vendor takes 30m (ends 2h50m).
 * Contained at 2h20m: 20 min after the scan began. The intruder's PAUSEs (2h30m, 2h40m, 2h50m, to
 * the 8 legacy ward pumps) come after it and reach no pump: 24 messages lost, 0 infusions
 * interrupted, 8 pumps affected (seg-wards), every event ingested once.
 */
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../../src/index.js';
import { loadScenarioFile } from '../../../src/harness/scenario/load.js';
import { formatJsonReport } from '../../../src/harness/report/json.js';
import { renderHtmlReport } from '../../../src/harness/report/html.js';
import { formatSummary } from '../../../src/harness/report/summary.js';

const MIN = 60_000;
const H = 60 * MIN;

describe('scenarios/ward-intrusion.yaml', () => {
  it('detects the intruder at once, contains it in 20 min by isolating the segment, and no infusion stops', async () => {
    const { result } = await runScenario(loadScenarioFile('scenarios/ward-intrusion.yaml'));
    const p = result.playbooks?.[0];
    expect(p).toMatchObject({ id: 'ward-rogue', triggered: true, trigger: { kind: 'unknown-client', severity: 'high', atMs: 2 * H, clientId: 'scanner' }, attack: { what: 'segment-scan', startMs: 2 * H } });
    expect(p?.steps.map((s) => [s.action, s.doneMs])).toEqual([
      ['block-client', 2 * H + 5 * MIN],
      ['isolate-segment', 2 * H + 20 * MIN],
      ['notify-vendor', 2 * H + 50 * MIN],
    ]);
    expect(p).toMatchObject({ timeToDetectMs: 0, containedMs: 2 * H + 20 * MIN, timeToContainMs: 20 * MIN, infusionsInterrupted: 0, eventsLost: 0, pumpsAffected: 8 });
    expect(result.network.messagesLost).toBe(24);
    expect(result.violations).toEqual([]);
    expect(result.outcome).toBe('pass');
    expect(result.expectations.every((e) => e.passed)).toBe(true);
  });

  /**
   * The same day with nursing's approval 25 min instead of 5 (isolated at 2h05m + 25m + 10m = 2h40m):
   * the PAUSEs of 2h30m reach the 8 ward pumps, whose firmware obeys them: 8 infusions interrupted,
   * and contain within 30m fails (40 min).
   */
  it('contained too late, the intruder stops the ward infusions: the figures and expectations say so', async () => {
    const loaded = loadScenarioFile('scenarios/ward-intrusion.yaml');
    const book = loaded.scenario.playbooks![0]!;
    const slow = { ...book, steps: book.steps.map((s) => (s.approval ? { ...s, approval: { ...s.approval, delay: '25m' } } : s)) };
    const { result } = await runScenario({ ...loaded, scenario: { ...loaded.scenario, playbooks: [slow] } });
    const p = result.playbooks?.[0];
    expect(p).toMatchObject({ containedMs: 2 * H + 40 * MIN, timeToContainMs: 40 * MIN, infusionsInterrupted: 8 });
    const failed = result.expectations.filter((e) => !e.passed).map((e) => e.description);
    expect(failed).toEqual(['playbook ward-rogue contains its incident within 30m', 'infusions interrupted during incidents at most 0', 'no command from an unauthorised source changed a therapy', 'no infusion interrupted']);
  });
});

describe('the incident figures in the reports', () => {
  it('terminal, JSON and HTML carry the playbook of ward-intrusion', async () => {
    const { result, trace } = await runScenario(loadScenarioFile('scenarios/ward-intrusion.yaml'));
    const text = formatSummary(result, { color: false });
    expect(text).toMatch(/Incident response: 1 of 1 playbook\(s\) triggered, 1 contained/);
    expect(text).toMatch(/ward-rogue +unknown-client \(high\) +02:00:00 +segment-scan unit:ward-a +0 s +20\.0 min +0 +0 +8/);
    expect(text).toMatch(/ward-rogue +2 +clinical-engineering +isolate-segment +seg-wards +nursing 02:10:00 +02:05:00 +02:20:00 +8/);
    const json = JSON.parse(formatJsonReport(result)) as { playbooks: { id: string; timeToDetectMs: number; timeToContainMs: number; infusionsInterrupted: number; eventsLost: number; pumpsAffected: number }[] };
    expect(json.playbooks.map((p) => [p.id, p.timeToDetectMs, p.timeToContainMs, p.infusionsInterrupted, p.eventsLost, p.pumpsAffected])).toEqual([['ward-rogue', 0, 20 * MIN, 0, 0, 8]]);
    const html = renderHtmlReport(result, trace);
    expect(html).toContain('<section id="playbooks"><h2>Incident response</h2>');
    expect(html).toContain('<td>ward-rogue</td><td>3</td><td>vendor</td><td>notify-vendor</td><td>-</td><td>-</td><td>02:20:00</td><td>02:50:00</td><td>0</td>');
  });
});
