/**
 * Deterministic regressions for scenarios the properties made interesting: a bolus cut at the
 * VTBI, a PCA demand cut at the window limit, and a latching alarm kept over a power cycle.
 */
import { describe, expect, it } from 'vitest';
import { formatViolations } from '../../src/sim/safety/invariants.js';
import { replay } from './helpers.js';

describe('regressions', () => {
  it('a bolus larger than the VTBI left is cut at the VTBI, then KVO', () => {
    const { pump, violations } = replay([
      { cmd: 'PROGRAM', rateMlPerH: 60, vtbiMl: 10, endAction: 'kvo', kvoMlPerH: 2 },
      { cmd: 'START' },
      { cmd: 'TICK', ms: 5 * 60_000 }, // 5 mL
      { cmd: 'BOLUS', volumeMl: 8, rateMlPerH: 500 }, // only 5 mL are left
      { cmd: 'TICK', ms: 60 * 60_000 },
    ]);
    expect(violations, formatViolations(violations)).toEqual([]);
    const t = pump.telemetry();
    expect(t.primaryMl).toBe(10);
    expect(pump.state).toBe('KVO');
    expect(pump.log.toText()).toMatch(/BOLUS_END t=\d+ kind=bolus volume=5 cut=1/);
    // After the VTBI only KVO (2 mL/h) flows.
    expect(t.afterVtbiMl).toBeGreaterThan(0);
    expect(t.afterVtbiMl).toBeLessThanOrEqual(2 + 1e-9);
  });

  it('a PCA demand is cut at the window limit and the next is refused', () => {
    const { pump, violations } = replay([
      { cmd: 'PROGRAM', mode: 'pca', demandMl: 3, lockoutMin: 5, limitMl: 4, windowH: 1, vtbiMl: 100 },
      { cmd: 'START' },
      { cmd: 'DEMAND' },
      { cmd: 'TICK', ms: 10 * 60_000 },
      { cmd: 'DEMAND' },
      { cmd: 'TICK', ms: 10 * 60_000 },
      { cmd: 'DEMAND' },
    ]);
    expect(violations, formatViolations(violations)).toEqual([]);
    expect(pump.telemetry().pcaWindowMl).toBeCloseTo(4, 3); // cut within 2 ms of delivery of the limit (the pump's margin)
    expect(pump.log.toText()).toMatch(/ERR PCA_LIMIT/);
  });

  it('a latching alarm survives a power cycle until acknowledged', () => {
    const { pump, violations } = replay([
      { cmd: 'PROGRAM', rateMlPerH: 100, vtbiMl: 500 },
      { cmd: 'START' },
      { cmd: 'INJECT', input: { sensor: 'air', bubbleMl: 0.2 } },
      { cmd: 'INJECT', input: { sensor: 'power', value: 'off' } },
      { cmd: 'INJECT', input: { sensor: 'power', value: 'on' } },
      { cmd: 'RESUME' },
    ]);
    expect(violations, formatViolations(violations)).toEqual([]);
    expect(pump.activeAlarms.map((a) => a.id)).toContain('AIR_IN_LINE');
    expect(pump.state).not.toBe('RUNNING');
  });
});
