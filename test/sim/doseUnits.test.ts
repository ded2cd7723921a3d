import { describe, expect, it } from 'vitest';
import {
  amountFactor,
  doseAmountToMl,
  doseRateToMlPerH,
  formatDoseRateUnit,
  mlPerHToDoseRate,
  parseDoseAmountUnit,
  parseDoseRateUnit,
  type Concentration,
} from '../../src/sim/dosing/doseUnits.js';
import { checkLimits } from '../../src/sim/druglib/limits.js';
import { LARGE_VOLUME_PUMP, roundRateMlPerH, SYRINGE_PUMP } from '../../src/sim/pump/pumpTypes.js';
import { errCode, makePump, okExec, ofType } from './helpers.js';

const u = parseDoseRateUnit;

describe('dose rate units', () => {
  it('parses amount[/kg|/m2]/time and formats back', () => {
    expect(u('mcg/kg/min')).toEqual({ amount: 'mcg', body: 'kg', time: 'min' });
    expect(u('units/h')).toEqual({ amount: 'units', body: null, time: 'h' });
    expect(u('mg/m2/24h')).toEqual({ amount: 'mg', body: 'm2', time: '24h' });
    for (const t of ['mcg/kg/min', 'units/kg/h', 'mg/h', 'mEq/h', 'mL/h', 'mg/m2/24h']) expect(formatDoseRateUnit(u(t))).toBe(t);
  });

  it('refuses unknown units with a reason', () => {
    expect(() => u('mcg/kg/sec')).toThrow(/must end in \/min, \/h or \/24h/);
    expect(() => u('ug/kg/min')).toThrow(/unknown amount unit "ug"/);
    expect(() => u('mcg/lb/min')).toThrow(/must be kg or m2/);
    expect(() => u('mcg')).toThrow(RangeError);
    expect(() => u('mcg/kg/min/x')).toThrow(RangeError);
    expect(() => parseDoseAmountUnit('units/kg/h')).toThrow(RangeError);
    expect(parseDoseAmountUnit('units/kg')).toEqual({ amount: 'units', body: 'kg' });
  });

  it('converts within a family and refuses across families', () => {
    expect(amountFactor('mg', 'mcg')).toBe(1000);
    expect(amountFactor('g', 'mg')).toBe(1000);
    expect(amountFactor('mcg', 'ng')).toBe(1000);
    expect(amountFactor('units', 'mU')).toBe(1000);
    expect(amountFactor('mEq', 'mEq')).toBe(1);
    expect(() => amountFactor('mg', 'units')).toThrow(/cannot convert mg to units/);
    expect(() => amountFactor('mEq', 'mmol')).toThrow(RangeError);
  });
});

describe('dose → mL/h (the one conversion)', () => {
  it('mcg/kg/min with a mg concentration: dose × weight × 60 / concentration', () => {
    // Norepinephrine 4 mg in 250 mL = 16 mcg/mL; 0.1 mcg/kg/min × 70 kg → 26.25 mL/h.
    const conc: Concentration = { amount: 4, unit: 'mg', volumeMl: 250 };
    expect(doseRateToMlPerH(0.1, u('mcg/kg/min'), conc, { weightKg: 70 })).toBeCloseTo(26.25, 10);
  });

  it('units/kg/h (heparin 25,000 units in 250 mL, 18 units/kg/h, 80 kg → 14.4 mL/h)', () => {
    const conc: Concentration = { amount: 25000, unit: 'units', volumeMl: 250 };
    expect(doseRateToMlPerH(18, u('units/kg/h'), conc, { weightKg: 80 })).toBeCloseTo(14.4, 10);
  });

  it('mg/h and mEq/h (no weight)', () => {
    expect(doseRateToMlPerH(2, u('mg/h'), { amount: 100, unit: 'mg', volumeMl: 100 }, {})).toBeCloseTo(2, 12);
    // Potassium 20 mEq in 100 mL; 10 mEq/h → 50 mL/h.
    expect(doseRateToMlPerH(10, u('mEq/h'), { amount: 20, unit: 'mEq', volumeMl: 100 }, {})).toBeCloseTo(50, 12);
    // Per 24 h: 2.4 g/24h of a 1 g/100 mL solution → 10 mL/h.
    expect(doseRateToMlPerH(2.4, u('g/24h'), { amount: 1, unit: 'g', volumeMl: 100 }, {})).toBeCloseTo(10, 12);
    // mU/min of a units solution: 60 mU/min = 3.6 units/h of 1 unit/mL → 3.6 mL/h.
    expect(doseRateToMlPerH(60, u('mU/min'), { amount: 50, unit: 'units', volumeMl: 50 }, {})).toBeCloseTo(3.6, 12);
  });

  it('needs a weight for a per-kg dose and a BSA for a per-m2 dose', () => {
    const conc: Concentration = { amount: 4, unit: 'mg', volumeMl: 250 };
    expect(() => doseRateToMlPerH(0.1, u('mcg/kg/min'), conc, {})).toThrow(/weight/);
    expect(() => doseRateToMlPerH(0.1, u('mcg/kg/min'), conc, { weightKg: 0 })).toThrow(/weight/);
    expect(() => doseRateToMlPerH(1, u('mg/m2/h'), conc, { weightKg: 70 })).toThrow(/body surface area/);
    expect(doseRateToMlPerH(1, u('mg/m2/h'), conc, { bsaM2: 2 })).toBeCloseTo(125, 10);
  });

  it('the tenfold slip of docs/clinical.md#dose-based-programming: 41.7 vs 4.17 mL/h', () => {
    // 90 mg in 250 mL = 360 mcg/mL; 100 kg. 2.5 mcg/kg/min → 41.67 mL/h; a slipped 0.25 → 4.167 mL/h.
    const conc: Concentration = { amount: 90, unit: 'mg', volumeMl: 250 };
    const right = doseRateToMlPerH(2.5, u('mcg/kg/min'), conc, { weightKg: 100 });
    const slip = doseRateToMlPerH(0.25, u('mcg/kg/min'), conc, { weightKg: 100 });
    expect(right).toBeCloseTo(41.667, 3);
    expect(slip).toBeCloseTo(4.1667, 4);
    expect(right / slip).toBeCloseTo(10, 10);
    // What each pump sets: the LVP has 0.1 mL/h steps below 100, the syringe 0.01.
    expect(roundRateMlPerH(LARGE_VOLUME_PUMP, right)).toBe(41.7);
    expect(roundRateMlPerH(LARGE_VOLUME_PUMP, slip)).toBe(4.2);
    expect(roundRateMlPerH(SYRINGE_PUMP, right)).toBe(41.67);
    expect(roundRateMlPerH(SYRINGE_PUMP, slip)).toBe(4.17);
  });

  it('mlPerHToDoseRate is the inverse', () => {
    const conc: Concentration = { amount: 400, unit: 'mg', volumeMl: 250 };
    for (const [dose, unit, w] of [
      [5, 'mcg/kg/min', 80],
      [0.3, 'mg/kg/h', 55],
      [7, 'mg/h', undefined],
      [1.2, 'g/24h', undefined],
    ] as const) {
      const r = doseRateToMlPerH(dose, u(unit), conc, { weightKg: w });
      expect(mlPerHToDoseRate(r, u(unit), conc, { weightKg: w })).toBeCloseTo(dose, 10);
    }
  });

  it('dose amounts (bolus, loading) to mL', () => {
    const heparin: Concentration = { amount: 25000, unit: 'units', volumeMl: 250 };
    expect(doseAmountToMl(80, parseDoseAmountUnit('units/kg'), heparin, { weightKg: 80 })).toBeCloseTo(64, 10);
    expect(doseAmountToMl(2, parseDoseAmountUnit('mg'), { amount: 100, unit: 'mg', volumeMl: 100 }, {})).toBeCloseTo(2, 12);
    expect(doseAmountToMl(500, parseDoseAmountUnit('mcg'), { amount: 100, unit: 'mg', volumeMl: 100 }, {})).toBeCloseTo(0.5, 12);
  });
});

describe('rounding to the pump resolution', () => {
  it('LVP: 0.1 mL/h below 100, 1 mL/h from 100; syringe 0.01 mL/h', () => {
    expect(roundRateMlPerH(LARGE_VOLUME_PUMP, 14.44)).toBe(14.4);
    expect(roundRateMlPerH(LARGE_VOLUME_PUMP, 14.46)).toBe(14.5);
    expect(roundRateMlPerH(LARGE_VOLUME_PUMP, 99.94)).toBe(99.9);
    expect(roundRateMlPerH(LARGE_VOLUME_PUMP, 100.4)).toBe(100);
    expect(roundRateMlPerH(LARGE_VOLUME_PUMP, 150.6)).toBe(151);
    expect(roundRateMlPerH(SYRINGE_PUMP, 0.014)).toBe(0.01);
    expect(roundRateMlPerH(SYRINGE_PUMP, 1.236)).toBe(1.24);
    // No binary-float residue leaks into a rate.
    expect(String(roundRateMlPerH(LARGE_VOLUME_PUMP, 0.3))).toBe('0.3');
  });
});

describe('limits are checked on the dose the rounded rate delivers', () => {
  it('checkLimits order: hard before soft, upper and lower', () => {
    const l = { lowerHard: 2, lowerSoft: 10, upperSoft: 25, upperHard: 40 };
    expect(checkLimits(18, l)).toEqual({ kind: 'within' });
    expect(checkLimits(25, l)).toEqual({ kind: 'within' });
    expect(checkLimits(10, l)).toEqual({ kind: 'within' });
    expect(checkLimits(26, l)).toEqual({ kind: 'soft', side: 'upper', limit: 25 });
    expect(checkLimits(41, l)).toEqual({ kind: 'hard', side: 'upper', limit: 40 });
    expect(checkLimits(5, l)).toEqual({ kind: 'soft', side: 'lower', limit: 10 });
    expect(checkLimits(1, l)).toEqual({ kind: 'hard', side: 'lower', limit: 2 });
    expect(checkLimits(1000, undefined)).toEqual({ kind: 'within' });
    expect(checkLimits(1000, {})).toEqual({ kind: 'within' });
  });

  it('heparin 25 units/kg/h (the soft limit) at 70.3 kg rounds to 17.6 mL/h = 25.04 units/kg/h: SOFT_LIMIT', () => {
    const pump = makePump();
    const r = pump.execute({ cmd: 'PROGRAM', drugId: 'heparin', dose: 25, weightKg: 70.3, vtbiMl: 100 });
    expect(errCode(r)).toBe('SOFT_LIMIT');
    expect(r.ok ? '' : r.reason).toContain('25.036');
    const fields = okExec(pump, { cmd: 'PROGRAM', drugId: 'heparin', dose: 25, weightKg: 70.3, vtbiMl: 100, override: true });
    expect(fields.rate).toBe('17.6');
    const ov = ofType(pump.takeEvents(), 'OVERRIDE');
    expect(ov).toHaveLength(1);
    expect(ov[0]?.value).toBeCloseTo((17.6 * 100) / 70.3, 9);
    expect(pump.currentProgram?.drug?.dose).toBeCloseTo(25.0356, 4);
  });

  it('heparin 2 units/kg/h (the lower hard limit) at 70.3 kg rounds to 1.4 mL/h = 1.99: HARD_LIMIT', () => {
    const pump = makePump();
    const r = pump.execute({ cmd: 'PROGRAM', drugId: 'heparin', dose: 2, weightKg: 70.3, vtbiMl: 100, override: true });
    expect(errCode(r)).toBe('HARD_LIMIT');
    expect(r.ok ? '' : r.reason).toMatch(/below the hard limit 2/);
  });

  it('a dose whose rate lands on the grid is exactly at the limit and passes', () => {
    const pump = makePump();
    const f = okExec(pump, { cmd: 'PROGRAM', drugId: 'heparin', dose: 25, weightKg: 80, vtbiMl: 100 });
    expect(f.rate).toBe('20');
    expect(ofType(pump.takeEvents(), 'OVERRIDE')).toHaveLength(0);
  });

  it('the pump programs each unit family through the library', () => {
    const icu = makePump();
    expect(okExec(icu, { cmd: 'PROGRAM', drugId: 'norepinephrine', dose: 0.1, weightKg: 70, vtbiMl: 100 }).rate).toBe('26.3');
    expect(okExec(icu, { cmd: 'PROGRAM', drugId: 'morphine', dose: 2, vtbiMl: 50 }).rate).toBe('2');
    expect(okExec(icu, { cmd: 'PROGRAM', drugId: 'insulin', dose: 4.5, vtbiMl: 50 }).rate).toBe('4.5');
    const ward = makePump({ areaId: 'medsurg' });
    expect(okExec(ward, { cmd: 'PROGRAM', drugId: 'potassium', dose: 10, vtbiMl: 100 }).rate).toBe('50');
    const nicu = makePump({ areaId: 'neonatal', type: SYRINGE_PUMP });
    // Dopamine 800 mcg/mL, 5 mcg/kg/min, 1.2 kg → 0.45 mL/h.
    expect(okExec(nicu, { cmd: 'PROGRAM', drugId: 'dopamine', dose: 5, weightKg: 1.2, vtbiMl: 20 }).rate).toBe('0.45');
    // The neonatal dopamine is syringe only.
    expect(errCode(makePump({ areaId: 'neonatal' }).execute({ cmd: 'PROGRAM', drugId: 'dopamine', dose: 5, weightKg: 1.2, vtbiMl: 20 }))).toBe('NO_DRUG');
  });

  it('a per-kg drug without weight or with a weight outside the area is refused', () => {
    const pump = makePump();
    expect(errCode(pump.execute({ cmd: 'PROGRAM', drugId: 'heparin', dose: 18, vtbiMl: 100 }))).toBe('MISSING_ARG');
    expect(errCode(pump.execute({ cmd: 'PROGRAM', drugId: 'heparin', dose: 18, weightKg: 3, vtbiMl: 100 }))).toBe('OUT_OF_RANGE');
    expect(errCode(pump.execute({ cmd: 'PROGRAM', drugId: 'heparin', rateMlPerH: 5, vtbiMl: 100 }))).toBe('BAD_ARG');
    expect(pump.state).toBe('IDLE');
  });
});
