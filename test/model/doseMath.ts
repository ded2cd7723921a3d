/**
 * Dose arithmetic written from docs/clinical.md#dose-based-programming, not from the pump's
 * src/sim/dosing: mL/h = dose rate × weight × 60 / concentration for mcg/kg/min with mcg/mL.
 * Amounts convert within a family (mass: g mg mcg ng; units: units mU); other units only to
 * themselves.
 */
const AMOUNT: Readonly<Record<string, { family: string; factor: number }>> = {
  g: { family: 'mass', factor: 1e6 },
  mg: { family: 'mass', factor: 1e3 },
  mcg: { family: 'mass', factor: 1 },
  ng: { family: 'mass', factor: 1e-3 },
  units: { family: 'units', factor: 1 },
  mU: { family: 'units', factor: 1e-3 },
  mEq: { family: 'mEq', factor: 1 },
  mmol: { family: 'mmol', factor: 1 },
  kcal: { family: 'kcal', factor: 1 },
  mL: { family: 'mL', factor: 1 },
};

/** How many `to` are in one `from` (mg → mcg: 1000). */
export function amountRatio(from: string, to: string): number {
  const a = AMOUNT[from];
  const b = AMOUNT[to];
  if (!a || !b || a.family !== b.family) throw new RangeError(`cannot convert ${from} to ${to}`);
  return a.factor / b.factor;
}

export interface RefDoseUnit {
  amount: string;
  perKg: boolean;
  /** Minutes in the time unit of a rate (min: 1, h: 60, 24h: 1440); 0 for an amount (bolus). */
  perMinutes: number;
}

/** "mcg/kg/min", "units/h", "mg/kg" (a bolus amount), "mL/h". */
export function parseRefDoseUnit(text: string): RefDoseUnit {
  const parts = text.split('/');
  const amount = parts[0] ?? '';
  const perKg = parts[1] === 'kg' || parts[1] === 'm2';
  const time = perKg ? parts[2] : parts[1];
  const perMinutes = time === undefined ? 0 : time === 'min' ? 1 : time === 'h' ? 60 : time === '24h' ? 1440 : NaN;
  if (!AMOUNT[amount] || Number.isNaN(perMinutes)) throw new RangeError(`unknown dose unit ${text}`);
  return { amount, perKg, perMinutes };
}

export interface RefConcentration {
  amount: number;
  unit: string;
  volumeMl: number;
}

/** mL/h for a dose rate: dose × weight × (60 / minutes per time unit) / (amount per mL). */
export function doseToMlPerH(dose: number, unit: RefDoseUnit, conc: RefConcentration, weightKg: number): number {
  const perMl = conc.amount / conc.volumeMl;
  const amountPerH = dose * (unit.perKg ? weightKg : 1) * (60 / unit.perMinutes) * amountRatio(unit.amount, conc.unit);
  return amountPerH / perMl;
}

/** The dose rate that a rate in mL/h gives (the inverse of doseToMlPerH). */
export function mlPerHToDose(rateMlPerH: number, unit: RefDoseUnit, conc: RefConcentration, weightKg: number): number {
  return rateMlPerH / doseToMlPerH(1, unit, conc, weightKg);
}

/** mL for a bolus amount (dose in a bolus unit such as "units/kg"). */
export function bolusDoseToMl(dose: number, unit: RefDoseUnit, conc: RefConcentration, weightKg: number): number {
  return (dose * (unit.perKg ? weightKg : 1) * amountRatio(unit.amount, conc.unit)) / (conc.amount / conc.volumeMl);
}

export function bolusMlToDose(ml: number, unit: RefDoseUnit, conc: RefConcentration, weightKg: number): number {
  return ml / bolusDoseToMl(1, unit, conc, weightKg);
}
