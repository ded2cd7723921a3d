import { describe, expect, it } from 'vitest';
import { Battery } from '../../src/sim/power/battery.js';
import { LARGE_VOLUME_PUMP, SYRINGE_PUMP } from '../../src/sim/pump/pumpTypes.js';
import { HOUR, MIN } from './helpers.js';

describe('Battery', () => {
  it('starts full on mains, or at the given fraction (clamped)', () => {
    const b = new Battery(LARGE_VOLUME_PUMP.battery);
    expect(b.onMains).toBe(true);
    expect(b.percent).toBe(100);
    expect(new Battery(LARGE_VOLUME_PUMP.battery, 0.42).percent).toBe(42);
    expect(new Battery(LARGE_VOLUME_PUMP.battery, 2).percent).toBe(100);
    expect(new Battery(LARGE_VOLUME_PUMP.battery, -1).percent).toBe(0);
  });

  it('docs/clinical.md#battery-and-power: at least 4 h at 25 mL/h on both pump types', () => {
    for (const t of [LARGE_VOLUME_PUMP, SYRINGE_PUMP]) {
      const b = new Battery(t.battery);
      b.onMains = false;
      expect(b.remainingMs(25), t.id).toBeGreaterThanOrEqual(4 * HOUR);
      expect(b.msUntilDepleted(25)).toBe(b.remainingMs(25));
    }
  });

  it('drains by electronics plus motor load, closed form', () => {
    const b = new Battery(LARGE_VOLUME_PUMP.battery);
    b.onMains = false;
    expect(b.drawMW(0)).toBe(1500);
    expect(b.drawMW(25)).toBe(2000);
    b.advance(HOUR, 25);
    expect(b.chargeMWh).toBeCloseTo(10_000, 9);
    b.advance(2 * HOUR, 0);
    expect(b.chargeMWh).toBeCloseTo(7_000, 9);
    b.advance(100 * HOUR, 25);
    expect(b.chargeMWh).toBe(0);
    expect(b.isDepleted()).toBe(true);
    expect(b.msUntilDepleted(25)).toBe(Infinity);
    b.advance(0, 25);
    b.advance(-5, 25);
    expect(b.chargeMWh).toBe(0);
  });

  it('low at 30 min of runtime left at the present load: at least 30 min before depletion', () => {
    const b = new Battery(LARGE_VOLUME_PUMP.battery);
    b.onMains = false;
    const toLow = b.msUntilLow(25);
    expect(toLow).toBeCloseTo(5.5 * HOUR, 3);
    expect(b.msUntilDepleted(25) - toLow).toBeCloseTo(30 * MIN, 3);
    expect(b.isLow(25)).toBe(false);
    b.advance(toLow, 25);
    expect(b.isLow(25)).toBe(true);
    expect(b.msUntilLow(25)).toBe(Infinity);
    // A lighter load leaves more runtime: not low at idle yet.
    expect(b.isLow(0)).toBe(false);
  });

  it('on mains: charges up to capacity, never low, never depleted', () => {
    const b = new Battery(LARGE_VOLUME_PUMP.battery, 0);
    expect(b.isDepleted()).toBe(false);
    expect(b.isLow(100)).toBe(false);
    expect(b.msUntilLow(100)).toBe(Infinity);
    expect(b.msUntilDepleted(100)).toBe(Infinity);
    b.advance(HOUR, 100);
    expect(b.chargeMWh).toBeCloseTo(6_000, 9);
    expect(b.percent).toBe(50);
    b.advance(10 * HOUR, 100);
    expect(b.chargeMWh).toBe(b.capacityMWh);
  });
});
