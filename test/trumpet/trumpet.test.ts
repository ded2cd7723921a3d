import { describe, expect, it } from 'vitest';
import { LARGE_VOLUME_PUMP, SYRINGE_PUMP } from '../../src/sim/pump/pumpTypes.js';
import { simulateGravimetric, trumpetCurve, type GravimetricRun } from '../../src/sim/trumpet/trumpet.js';

describe('trumpet curve (IEC 60601-2-24)', () => {
  it.each([1, 2, 3, 4, 5])('volumetric pump at 25 mL/h, seed %i: 31-min error within the claimed accuracy, 2-min band wider', (seed) => {
    const curve = trumpetCurve(simulateGravimetric(LARGE_VOLUME_PUMP, 25, seed));
    const byWindow = new Map(curve.rows.map((r) => [r.windowMin, r]));
    const w31 = byWindow.get(31)!;
    const w2 = byWindow.get(2)!;
    const accPct = LARGE_VOLUME_PUMP.accuracyFraction * 100;
    expect(Math.abs(w31.maxErrorPct)).toBeLessThanOrEqual(accPct);
    expect(Math.abs(w31.minErrorPct)).toBeLessThanOrEqual(accPct);
    expect(Math.abs(curve.overallErrorPct)).toBeLessThanOrEqual(accPct);
    expect(w2.maxErrorPct - w2.minErrorPct).toBeGreaterThan(w31.maxErrorPct - w31.minErrorPct);
    // The trumpet narrows as the window grows.
    const bands = curve.rows.map((r) => r.maxErrorPct - r.minErrorPct);
    for (let i = 1; i < bands.length; i++) expect(bands[i]).toBeLessThanOrEqual(bands[i - 1]! + 1e-9);
  });

  it('syringe pump at 5 mL/h stays within its ±2%', () => {
    const curve = trumpetCurve(simulateGravimetric(SYRINGE_PUMP, 5, 7));
    expect(Math.abs(curve.overallErrorPct)).toBeLessThanOrEqual(2);
    expect(curve.rows.map((r) => r.windowMin)).toEqual([2, 5, 11, 19, 31]);
  });

  it('computes the windows from balance readings as the standard does', () => {
    // A perfect pump at 30 mL/h: 0.25 mL per 0.5 min, so every error is 0.
    const massG = Array.from({ length: 241 }, (_, i) => i * 0.25 * 0.998);
    const run: GravimetricRun = { rateMlPerH: 30, sampleIntervalMin: 0.5, massG };
    const c = trumpetCurve(run);
    for (const r of c.rows) {
      expect(r.maxErrorPct).toBeCloseTo(0, 9);
      expect(r.minErrorPct).toBeCloseTo(0, 9);
    }
    // One reading 10% high in the second hour: the 2-min window (4 intervals) sees +2.5% at most.
    const bumped = [...massG];
    for (let i = 150; i < bumped.length; i++) bumped[i]! += 0.025 * 0.998;
    const c2 = trumpetCurve({ ...run, massG: bumped });
    expect(c2.rows[0]!.maxErrorPct).toBeCloseTo(2.5, 6);
    expect(c2.rows[0]!.minErrorPct).toBeCloseTo(0, 6);
  });

  it('is deterministic for a seed', () => {
    expect(trumpetCurve(simulateGravimetric(LARGE_VOLUME_PUMP, 25, 9))).toEqual(trumpetCurve(simulateGravimetric(LARGE_VOLUME_PUMP, 25, 9)));
  });
});
