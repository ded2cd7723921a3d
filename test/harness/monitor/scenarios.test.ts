/**
 * The shipped monitoring scenarios (docs/monitoring.md): their detection figures worked out from
 * the file. compromised-credentials: the stolen credential's first PAUSEs go out at 2h (the monitor
 * sees a pump's client id commanding: unauthorised-command at once, time to detect 0); the
 * compromised gateway sends 5 signed boluses to icu-5 at 3h, and the command-rate threshold with no
 * remote titration in the baseline is max(4, floor(3 x 0) + 1) = 4: the 4th, at 3h, alerts.
 */
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../../src/index.js';
import { loadScenarioFile } from '../../../src/harness/scenario/load.js';

const H = 3_600_000;

describe('scenarios/compromised-credentials.yaml', () => {
  it('detects both attacks at their start, with no false alert, and every infusion goes on', async () => {
    const { result } = await runScenario(loadScenarioFile('scenarios/compromised-credentials.yaml'));
    const m = result.monitor!;
    expect(m.detections.map((d) => [d.attack, d.startMs, d.detected, d.timeToDetectMs])).toEqual([
      ['stolen-credential', 2 * H, true, 0],
      ['compromised-gateway', 3 * H, true, 0],
    ]);
    expect(m.alerts.find((a) => a.kind === 'command-rate')).toMatchObject({ pumpId: 'icu-5', atMs: 3 * H, clientId: 'gateway' });
    expect(m.alerts.find((a) => a.kind === 'cross-segment')).toMatchObject({ segment: 'seg-wards', clientId: 'icu-3', atMs: 2 * H });
    expect(m.falseAlerts).toBe(0);
    // 24 pumps x (4h - 1h baseline).
    expect(m.monitoredPumpHours).toBe(72);
    expect(result.outcome).toBe('pass');
  });
});

describe('scenarios/alert-fatigue.yaml', () => {
  /**
   * Baseline: a titration every 5 min, so at most 2 within any 10 min (t − 10m excluded): peak 2.
   * After 1h every 2 min (60m, 62m, ...); the window at 64m holds 55m, 60m, 62m, 64m = 4.
   * Shipped rule (factor 3): threshold max(4, floor(3 x 2) + 1) = 7 > 5 (the most in 10 min at 2 min): none.
   * Tight rule (factor 1): threshold max(4, floor(1 x 2) + 1) = 4: the first alert at 64m; then one
   * per 10 min cooldown (74m, ..., 234m: the window always holds 5): 18 per pump, 180 in all, over
   * 10 pumps x 3 h = 30 pump-hours: 6000 per 1000 pump-hours.
   */
  it('the tuned rule raises no alert; a tight one raises 18 per pump, 6000 per 1000 pump-hours', async () => {
    const tuned = await runScenario(loadScenarioFile('scenarios/alert-fatigue.yaml'));
    expect(tuned.result.monitor?.alerts).toEqual([]);
    expect(tuned.result.outcome).toBe('pass');
    const loaded = loadScenarioFile('scenarios/alert-fatigue.yaml');
    const monitor = loaded.scenario.monitor!;
    const tight = await runScenario({ ...loaded, scenario: { ...loaded.scenario, monitor: { ...monitor, rules: { 'command-rate': { enabled: true, count: 4, window: '10m', factor: 1 } } } } });
    const m = tight.result.monitor!;
    const first = m.alerts.filter((a) => a.pumpId === 'icu-1');
    expect(first.map((a) => a.atMs / 60_000)).toEqual(Array.from({ length: 18 }, (_, i) => 64 + 10 * i));
    expect(m.alerts).toHaveLength(180);
    expect(m.falseAlerts).toBe(180);
    expect(m.monitoredPumpHours).toBe(30);
    expect(m.falseAlertsPer1000PumpHours).toBe(6000);
    expect(tight.result.expectations[0]).toMatchObject({ description: 'false alerts at most 0 per 1000 pump-hours', passed: false });
  });
});
