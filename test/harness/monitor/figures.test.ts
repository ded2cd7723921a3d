/**
 * Detection figures (docs/monitoring.md, Detection figures) and the monitor's expectations, on a
 * ward whose attacks and their times are known: per attack detected or not and the time to detect
 * (worked out from the injection time, the link's 20 ms and the rules); false alerts per 1,000
 * monitored pump-hours (5 pumps x (30m - 10m baseline) = 5/3 pump-hours).
 */
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../../src/index.js';
import { LINK_MS, MIN, monitoredWard } from './helpers.js';

describe('detection figures', () => {
  it('three attacks, each detected at its start; no false alert', async () => {
    const { result } = await runScenario(
      monitoredWard({
        timeline: [
          { at: '15m', fault: 'rogue-client', target: 'segment:s' },
          { at: '20m', fault: 'stolen-credential', target: 'u-2', args: { credential: 'u-1' } },
          { at: '25m', fault: 'compromised-gateway', target: 'u-1', args: { count: 4 } },
        ],
        expect: [
          { check: 'detect', attack: 'rogue-client', within: '0s' },
          { check: 'detect', attack: 'stolen-credential', within: '0s' },
          { check: 'detect', attack: 'compromised-gateway', within: '0s' },
          { check: 'false-alerts', max: 0 },
        ],
      }),
    );
    const m = result.monitor!;
    expect(m.detections.map((d) => [d.attack, d.startMs, d.detected, d.timeToDetectMs])).toEqual([
      ['rogue-client', 15 * MIN, true, 0],
      ['stolen-credential', 20 * MIN, true, 0],
      ['compromised-gateway', 25 * MIN, true, 0],
    ]);
    expect(m.falseAlerts).toBe(0);
    expect(m.monitoredPumpHours).toBeCloseTo(5 / 3, 3);
    expect(result.expectations.map((e) => [e.description, e.passed])).toEqual([
      ['monitor detects rogue-client within 0s', true],
      ['monitor detects stolen-credential within 0s', true],
      ['monitor detects compromised-gateway within 0s', true],
      ['false alerts at most 0 per 1000 pump-hours', true],
    ]);
  });

  it('time to detect is the first detecting alert: with unknown-client and unauthorised-command off, the signature burst 20 ms after the rogue', async () => {
    const rules = { 'unknown-client': { enabled: false }, 'unauthorised-command': { enabled: false } };
    const timeline = [{ at: '15m', fault: 'rogue-client', target: 'segment:s' }] as const;
    const late = await runScenario(monitoredWard({ timeline: [...timeline], monitor: { rules }, expect: [{ check: 'detect', attack: 'rogue-client', within: '19ms' }] }));
    expect(late.result.monitor?.detections[0]).toMatchObject({ detected: true, timeToDetectMs: LINK_MS, firstKind: 'signature-failures' });
    expect(late.result.expectations[0]?.passed).toBe(false);
    const inTime = await runScenario(monitoredWard({ timeline: [...timeline], monitor: { rules }, expect: [{ check: 'detect', attack: 'rogue-client', within: '20ms' }] }));
    expect(inTime.result.expectations[0]?.passed).toBe(true);
  });

  it('an attack under every threshold is not detected, and detect fails', async () => {
    const { result } = await runScenario(monitoredWard({ timeline: [{ at: '15m', fault: 'compromised-gateway', target: 'u-1', args: { count: 2 } }], expect: [{ check: 'detect', attack: 'compromised-gateway', within: '1h' }] }));
    expect(result.monitor?.detections).toEqual([expect.objectContaining({ attack: 'compromised-gateway', detected: false, alerts: 0 })]);
    expect(result.expectations[0]).toMatchObject({ passed: false, detail: '1 of 1 not detected in time (never)' });
    expect(result.outcome).toBe('violation');
  });

  it('an alert that matches no attack is false: 1 in 5/3 pump-hours is 600 per 1000 pump-hours', async () => {
    const w = (max: number) =>
      monitoredWard({ timeline: [{ at: '15m', fault: 'partition', target: 'u-1', end: '18m' }], monitor: { rules: { 'connection-flapping': { count: 1 } } }, expect: [{ check: 'false-alerts', max }] });
    const { result } = await runScenario(w(600));
    expect(result.monitor).toMatchObject({ falseAlerts: 1, falseAlertsPer1000PumpHours: 600 });
    expect(result.expectations[0]?.passed).toBe(true);
    expect((await runScenario(w(599))).result.expectations[0]?.passed).toBe(false);
  });
});
