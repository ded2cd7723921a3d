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
