/**
 * Dose units and the one place where a dose becomes a rate in mL/h.
 * docs/clinical.md#dose-based-programming: mL/h = dose rate × weight × 60 / concentration (for mcg/kg/min with mcg/mL).
 */
export type AmountUnit = 'g' | 'mg' | 'mcg' | 'ng' | 'units' | 'mU' | 'mEq' | 'mmol' | 'kcal' | 'mL';
export type BodyBasis = 'kg' | 'm2' | null;
export type TimeBasis = 'min' | 'h' | '24h';

export interface DoseRateUnit {
  amount: AmountUnit;
  body: BodyBasis;
  time: TimeBasis;
}

export interface DoseAmountUnit {
  amount: AmountUnit;
  body: BodyBasis;
}

const AMOUNT_UNITS: readonly AmountUnit[] = ['g', 'mg', 'mcg', 'ng', 'units', 'mU', 'mEq', 'mmol', 'kcal', 'mL'];

/** Amount units that convert into each other, with their factor to the family's base. */
const FAMILY: Record<AmountUnit, { family: string; factor: number }> = {
  g: { family: 'mass', factor: 1e9 },
  mg: { family: 'mass', factor: 1e6 },
  mcg: { family: 'mass', factor: 1e3 },
  ng: { family: 'mass', factor: 1 },
  units: { family: 'units', factor: 1000 },
  mU: { family: 'units', factor: 1 },
  mEq: { family: 'mEq', factor: 1 },
  mmol: { family: 'mmol', factor: 1 },
  kcal: { family: 'kcal', factor: 1 },
  mL: { family: 'mL', factor: 1 },
};

const MINUTES_PER: Record<TimeBasis, number> = { min: 1, h: 60, '24h': 1440 };

function parseAmount(text: string): AmountUnit {
  const u = AMOUNT_UNITS.find((a) => a === text);
  if (!u) throw new RangeError(`unknown amount unit "${text}" (known: ${AMOUNT_UNITS.join(', ')})`);
  return u;
}

/** Parse "mcg/kg/min", "units/h", "mg/m2/24h", "mL/h". */
export function parseDoseRateUnit(text: string): DoseRateUnit {
  const parts = text.split('/');
  if (parts.length < 2 || parts.length > 3) throw new RangeError(`dose rate unit "${text}" is not amount[/kg|/m2]/time`);
  const amount = parseAmount(parts[0] ?? '');
  const body = parts.length === 3 ? parseBody(parts[1] ?? '', text) : null;
  const timeText = parts[parts.length - 1] ?? '';
  if (timeText !== 'min' && timeText !== 'h' && timeText !== '24h') {
    throw new RangeError(`dose rate unit "${text}" must end in /min, /h or /24h`);
  }
  return { amount, body, time: timeText };
}

/** Parse "units/kg", "mg", "mcg/m2" (bolus and loading doses). */
export function parseDoseAmountUnit(text: string): DoseAmountUnit {
  const parts = text.split('/');
  if (parts.length > 2) throw new RangeError(`dose unit "${text}" is not amount[/kg|/m2]`);
  const amount = parseAmount(parts[0] ?? '');
  return { amount, body: parts.length === 2 ? parseBody(parts[1] ?? '', text) : null };
}

function parseBody(text: string, whole: string): BodyBasis {
  if (text === 'kg' || text === 'm2') return text;
  throw new RangeError(`dose unit "${whole}": "${text}" must be kg or m2`);
}

export function formatDoseRateUnit(u: DoseRateUnit): string {
  return [u.amount, u.body, u.time].filter((p) => p !== null).join('/');
}

/** Factor to turn an amount in `from` into an amount in `to`; throws when they do not convert. */
export function amountFactor(from: AmountUnit, to: AmountUnit): number {
  const f = FAMILY[from];
  const t = FAMILY[to];
  if (f.family !== t.family) throw new RangeError(`cannot convert ${from} to ${to}`);
  return f.factor / t.factor;
}

export interface Concentration {
  /** Amount of drug per container, in `unit`. */
  amount: number;
  unit: AmountUnit;
  /** Diluent volume the amount is in (mL). */
  volumeMl: number;
}

export function concentrationPerMl(c: Concentration): number {
  return c.amount / c.volumeMl;
}

export interface BodySize {
  weightKg?: number | undefined;
  bsaM2?: number | undefined;
}

function bodyFactor(body: BodyBasis, size: BodySize): number {
  if (body === null) return 1;
  const v = body === 'kg' ? size.weightKg : size.bsaM2;
  if (v === undefined || !(v > 0)) throw new RangeError(`this dose is per ${body}: a ${body === 'kg' ? 'weight' : 'body surface area'} is needed`);
  return v;
}

/**
 * THE conversion from a dose rate to mL/h. Every dose-based program goes through here once;
 * the pump then runs in mL/h only.
 */
export function doseRateToMlPerH(dose: number, unit: DoseRateUnit, conc: Concentration, size: BodySize): number {
  const amountPerH = dose * bodyFactor(unit.body, size) * (60 / MINUTES_PER[unit.time]);
  const inConcUnit = amountPerH * amountFactor(unit.amount, conc.unit);
  return inConcUnit / concentrationPerMl(conc);
}

/** The inverse: which dose a rate delivers (to check the rounded rate against the limits). */
export function mlPerHToDoseRate(rateMlPerH: number, unit: DoseRateUnit, conc: Concentration, size: BodySize): number {
  const amountPerH = rateMlPerH * concentrationPerMl(conc);
  return amountPerH * amountFactor(conc.unit, unit.amount) / (60 / MINUTES_PER[unit.time]) / bodyFactor(unit.body, size);
}

/** A dose amount (bolus, loading dose) to mL. */
export function doseAmountToMl(dose: number, unit: DoseAmountUnit, conc: Concentration, size: BodySize): number {
  const amount = dose * bodyFactor(unit.body, size) * amountFactor(unit.amount, conc.unit);
  return amount / concentrationPerMl(conc);
}
