/**
 * Programs and their checks, from docs/protocol.md (`PROGRAM`, `TITRATE`, `BOLUS`, error codes),
 * the pump type data and the drug library: a basic program is held to the pump's ranges; a drug
 * program's dose is converted to mL/h (doseMath.ts), rounded to the pump's resolution, and held
 * to the drug's four limits; a bolus is held to the drug's bolus limits whatever unit it is
 * asked in (issue 12, items 1, 2 and 4).
 */
import type { CareArea, DrugEntry } from '../../src/sim/druglib/schema.js';
import type { EndAction } from '../../src/sim/protocol/commands.js';
import type { PumpType } from '../../src/sim/pump/pumpTypes.js';
import { bolusDoseToMl, bolusMlToDose, doseToMlPerH, mlPerHToDose, parseRefDoseUnit, type RefDoseUnit } from './doseMath.js';
import type { PendingFixId } from './pendingFixes.js';
import { checkLimits, type LimitVerdict, type RefLimits } from './refLimits.js';
import { rateInRange, refRateStep, refRoundRate } from './refRate.js';
import { refErr, type RefErrorCode, type RefReply, type RefRateResult } from './refReply.js';

export interface RefDrug {
  entry: DrugEntry;
  weightKg: number;
  dose: number;
  unit: RefDoseUnit;
  bolusUnit: RefDoseUnit | undefined;
}

export interface RefPca {
  demandMl: number;
  lockoutMs: number;
  limitMl: number;
  windowMs: number;
}

export interface RefProgram {
  mode: 'basic' | 'drug' | 'pca';
  /** PCA settings (mode pca). */
  pca?: RefPca | undefined;
  rateMlPerH: number;
  vtbiMl: number;
  end: EndAction;
  kvoMlPerH: number;
  drug: RefDrug | undefined;
  /** Loading dose given first at START (mL, mL/h), if any. */
  load: { volumeMl: number; rateMlPerH: number } | undefined;
  /** What is loaded (mL): the syringe's fill, the LVP's bag; Infinity for an LVP with no `container=`. */
  loadedMl: number;
  /** The reply's `exact=` and `dose=` when rounding changed the rate. */
  fields: Readonly<Record<string, readonly [number, number]>>;
}

export interface ProgramCtx {
  type: PumpType;
  area: CareArea | undefined;
  pending: ReadonlySet<PendingFixId>;
}

export interface ProgramArgs {
  rateMlPerH?: number | undefined;
  drugId?: string | undefined;
  dose?: number | undefined;
  weightKg?: number | undefined;
  vtbiMl?: number | undefined;
  endAction?: EndAction | undefined;
  kvoMlPerH?: number | undefined;
  override?: boolean | undefined;
  /** Loading dose: mL for a basic program, the drug's bolus unit for a drug. */
  load?: number | undefined;
  loadRateMlPerH?: number | undefined;
  containerMl?: number | undefined;
  syringeMl?: number | undefined;
  demandMl?: number | undefined;
  lockoutMin?: number | undefined;
  limitMl?: number | undefined;
  windowH?: number | undefined;
}

const RANK = { ok: 0, soft: 1, hard: 2 } as const;
const worse = (a: LimitVerdict, b: LimitVerdict): LimitVerdict => (RANK[a] >= RANK[b] ? a : b);

/**
 * The rate that runs for a dose entered (docs/protocol.md, "Limits, rounding and boluses"): the
 * nearest step of the resolution, unless the dose it delivers crosses a limit the dose entered
 * does not cross; then the step on the other side if it stays inside. The worse of the verdicts
 * on the dose entered and on the dose that runs decides.
 */
export function roundWithinLimits(ctx: ProgramCtx, exactMlPerH: number, doseOf: (mlPerH: number) => number, limits: RefLimits | undefined, entered: number): { rateMlPerH: number; verdict: LimitVerdict } {
  const type = ctx.type;
  const vEntered = checkLimits(entered, limits);
  let rate = refRoundRate(type, exactMlPerH);
  let vRate = checkLimits(doseOf(rate), limits);
  if (RANK[vRate] > RANK[vEntered]) {
    const step = refRateStep(type, exactMlPerH);
    const other = Number((rate > exactMlPerH ? rate - step : rate + step).toFixed(6));
    const vOther = checkLimits(doseOf(other), limits);
    if (other > 0 && RANK[vOther] <= RANK[vEntered]) {
      rate = other;
      vRate = vOther;
    }
  }
  return { rateMlPerH: rate, verdict: worse(vEntered, vRate) };
}

/** The reply fields of a rate changed by rounding: `exact=` (mL/h asked) and, for a drug, `dose=` (what runs). */
export function roundingFields(rateMlPerH: number, exactMlPerH: number, runDose: number | undefined): Record<string, readonly [number, number]> {
  if (Math.abs(rateMlPerH - exactMlPerH) <= 1e-6 * Math.max(1, exactMlPerH)) return {};
  const tol = (v: number): number => 0.0005 + 1e-6 * Math.abs(v);
  return { exact: [exactMlPerH, tol(exactMlPerH)], ...(runDose !== undefined ? { dose: [runDose, tol(runDose)] } : {}) };
}

/** mL/h for a dose of a drug program, checked against the drug's dose limits and the pump's range. */
export function rateForDose(ctx: ProgramCtx, d: Omit<RefDrug, 'dose'>, dose: number, override: boolean): RefRateResult {
  const doseOf = (r: number): number => mlPerHToDose(r, d.unit, d.entry.concentration, d.weightKg);
  const raw = doseToMlPerH(dose, d.unit, d.entry.concentration, d.weightKg);
  // Item 4: the limit is checked on the dose entered and on what will run (the rounded rate).
  const { rateMlPerH: rate, verdict } = roundWithinLimits(ctx, raw, doseOf, d.entry.limits.doseRate, dose);
  // Precedence (the protocol page does not say): what the pump cannot run at all comes first.
  if (!rateInRange(ctx.type, rate)) return refErr('OUT_OF_RANGE');
  if (verdict === 'hard') return refErr('HARD_LIMIT');
  if (verdict === 'soft' && !override) return refErr('SOFT_LIMIT');
  return { ok: true, rateMlPerH: rate, dose, fields: roundingFields(rate, raw, doseOf(rate)) };
}

function vtbiAndEnd(ctx: ProgramCtx, a: ProgramArgs): RefReply | undefined {
  if (a.vtbiMl === undefined) return refErr('MISSING_ARG');
  if (a.vtbiMl < ctx.type.minVtbiMl || a.vtbiMl > ctx.type.maxVtbiMl) return refErr('OUT_OF_RANGE');
  if (a.kvoMlPerH !== undefined && (a.kvoMlPerH < ctx.type.minKvoMlPerH || a.kvoMlPerH > ctx.type.maxKvoMlPerH)) return refErr('OUT_OF_RANGE');
  return undefined;
}

/** Item 3: what is loaded, and a VTBI above it refused (checked last, after the library and the loading dose; the protocol page does not order them). */
function checkLoaded(ctx: ProgramCtx, a: ProgramArgs): RefReply | undefined {
  const loaded = loadedMl(ctx, a);
  if (typeof loaded !== 'number') return loaded;
  if ((a.vtbiMl ?? 0) > loaded) return refErr('OUT_OF_RANGE');
  return undefined;
}

/**
 * What a PROGRAM loads (docs/protocol.md, "What is loaded"): a syringe of one of the type's sizes
 * (default the type's default), filled with `container=` mL (default full); an LVP's bag of
 * `container=` mL, or no bound at all without it (`syringe=` is not an LVP argument).
 */
export function loadedMl(ctx: ProgramCtx, a: ProgramArgs): number | RefReply {
  const s = ctx.type.container.syringe;
  if (!s) {
    if (a.syringeMl !== undefined) return refErr('BAD_ARG');
    if (a.containerMl === undefined) return Infinity;
    return a.containerMl > 0 ? a.containerMl : refErr('OUT_OF_RANGE');
  }
  const size = a.syringeMl ?? s.defaultSizeMl;
  if (!s.sizesMl.includes(size)) return refErr('OUT_OF_RANGE');
  const fill = a.containerMl ?? size;
  return fill > 0 && fill <= size ? fill : refErr('OUT_OF_RANGE');
}

export function buildBasic(ctx: ProgramCtx, a: ProgramArgs): RefProgram | RefReply {
  if (a.rateMlPerH === undefined) return refErr('MISSING_ARG');
  const rate = refRoundRate(ctx.type, a.rateMlPerH);
  if (!rateInRange(ctx.type, rate)) return refErr('OUT_OF_RANGE');
  const bad = vtbiAndEnd(ctx, a);
  if (bad) return bad;
  const common = { vtbiMl: a.vtbiMl ?? 0, end: a.endAction ?? 'kvo', kvoMlPerH: a.kvoMlPerH ?? ctx.type.defaultKvoMlPerH, load: undefined, loadedMl: loadedMl(ctx, a) as number };
  return withLoad(ctx, a, { mode: 'basic', rateMlPerH: rate, drug: undefined, fields: roundingFields(rate, a.rateMlPerH, undefined), ...common });
}

export function buildDrug(ctx: ProgramCtx, a: ProgramArgs): RefProgram | RefReply {
  // Precedence (the protocol page does not say): the pump's own ranges, then the library.
  const bad = vtbiAndEnd(ctx, a);
  if (bad) return bad;
  const entry = ctx.area?.drugs.find((d) => d.id === a.drugId);
  if (!ctx.area || !entry) return refErr('NO_DRUG');
  if (entry.pumpTypes && !entry.pumpTypes.includes(ctx.type.id)) return refErr('NO_DRUG');
  if (a.dose === undefined) return refErr('MISSING_ARG');
  const unit = parseRefDoseUnit(entry.doseUnit);
  const w = ctx.area.weightKg;
  if (unit.perKg && a.weightKg === undefined) return refErr('MISSING_ARG');
  const weightKg = a.weightKg ?? 1;
  if (unit.perKg && w && (weightKg < w.min || weightKg > w.max)) return refErr('OUT_OF_RANGE');
  const d = { entry, weightKg, unit, bolusUnit: entry.bolusUnit ? parseRefDoseUnit(entry.bolusUnit) : undefined };
  const r = rateForDose(ctx, d, a.dose, a.override === true);
  if (!r.ok) return refErr(...r.codes);
  const vtbiVerdict = checkLimits(a.vtbiMl ?? 0, entry.limits.vtbiMl);
  if (vtbiVerdict === 'hard') return refErr('HARD_LIMIT');
  if (vtbiVerdict === 'soft' && !a.override) return refErr('SOFT_LIMIT');
  const common = { vtbiMl: a.vtbiMl ?? 0, end: a.endAction ?? 'kvo', kvoMlPerH: a.kvoMlPerH ?? ctx.type.defaultKvoMlPerH, load: undefined, loadedMl: loadedMl(ctx, a) as number };
  return withLoad(ctx, a, { mode: 'drug', rateMlPerH: r.rateMlPerH, drug: { ...d, dose: a.dose }, fields: r.fields ?? {}, ...common });
}

/**
 * A loading dose (docs/clinical.md#bolus-and-loading-dose: "A loading dose runs before a continuous infusion") is a bolus given first:
 * the same ranges and bolus limits, and no more than the VTBI.
 */
function withLoad(ctx: ProgramCtx, a: ProgramArgs, p: RefProgram): RefProgram | RefReply {
  const notLoaded = checkLoaded(ctx, a);
  if (a.load === undefined) return notLoaded ?? p;
  const b = checkBolus(ctx, p, p.drug ? { dose: a.load, rateMlPerH: a.loadRateMlPerH, override: a.override } : { volumeMl: a.load, rateMlPerH: a.loadRateMlPerH });
  if (!b.ok) return refErr(...b.codes);
  if (b.bolus.volumeMl > p.vtbiMl) return refErr('OUT_OF_RANGE');
  return notLoaded ?? { ...p, load: b.bolus };
}

export interface BolusArgs {
  volumeMl?: number | undefined;
  dose?: number | undefined;
  rateMlPerH?: number | undefined;
  override?: boolean | undefined;
}

/** The volume and rate of a clinician bolus, or its refusal (state checks are the caller's). */
export type BolusCheck = { ok: true; bolus: { volumeMl: number; rateMlPerH: number } } | { ok: false; codes: readonly RefErrorCode[] };

export function checkBolus(ctx: ProgramCtx, p: RefProgram, a: BolusArgs): BolusCheck {
  const drug = p.drug;
  const rate = a.rateMlPerH ?? ctx.type.defaultBolusRateMlPerH;
  if (rate < ctx.type.minBolusRateMlPerH || rate > ctx.type.maxBolusRateMlPerH) return refErr('OUT_OF_RANGE');
  const hasEntry = drug?.bolusUnit !== undefined && drug.entry.limits.bolusDose !== undefined;
  // Item 2: no bolus entry, no bolus (nor loading dose), unless the library allows one by volume.
  if (drug && !hasEntry && !drug.entry.bolusWithoutLimits) return refErr('NO_BOLUS');
  if (a.dose !== undefined && !hasEntry) return refErr('BAD_ARG');
  let volumeMl: number;
  let dose: number | undefined;
  if (a.dose !== undefined && drug?.bolusUnit) {
    dose = a.dose;
    volumeMl = bolusDoseToMl(a.dose, drug.bolusUnit, drug.entry.concentration, drug.weightKg);
  } else if (a.volumeMl !== undefined) {
    volumeMl = a.volumeMl;
    // Item 1: a bolus by volume is held to the bolus limits in the drug's own unit.
    if (drug?.bolusUnit && hasEntry) dose = bolusMlToDose(a.volumeMl, drug.bolusUnit, drug.entry.concentration, drug.weightKg);
  } else {
    return refErr('MISSING_ARG');
  }
  if (dose !== undefined && drug) {
    const v = checkLimits(dose, drug.entry.limits.bolusDose);
    if (v === 'hard') return refErr('HARD_LIMIT');
    if (v === 'soft' && !a.override) return refErr('SOFT_LIMIT');
  }
  if (volumeMl < ctx.type.minBolusMl || volumeMl > ctx.type.maxBolusMl) return refErr('OUT_OF_RANGE');
  return { ok: true, bolus: { volumeMl, rateMlPerH: rate } };
}

/** PCA ranges of docs/clinical.md ("PCA"): demand 0.1 to 9.9 mL, lockout 5 to 60 min, window 1 to 12 h, limit one demand to 1,000 mL. */
const PCA_RANGE = { demandMl: [0.1, 9.9], lockoutMin: [5, 60], windowH: [1, 12], limitMaxMl: 1000 } as const;

/**
 * PROGRAM mode=pca (docs/protocol.md, "PCA with a library drug"): the pump's PCA ranges, then,
 * with a drug, the library: NO_DRUG, NO_BOLUS for a drug with no PCA entry, and the demand dose,
 * lockout, hourly limit (limit ÷ window) and basal checked against its limits. The protocol page
 * does not order the four checks: any hard verdict refuses with HARD_LIMIT, else any soft one
 * needs override=1. `basal` (rateMlPerH) 0 or absent means no basal.
 */
export function buildPca(ctx: ProgramCtx, a: ProgramArgs): RefProgram | RefReply {
  if (a.demandMl === undefined || a.lockoutMin === undefined || a.limitMl === undefined || a.windowH === undefined) return refErr('MISSING_ARG');
  const inside = (v: number, [lo, hi]: readonly [number, number]): boolean => v >= lo && v <= hi;
  if (!inside(a.demandMl, PCA_RANGE.demandMl) || !inside(a.lockoutMin, PCA_RANGE.lockoutMin) || !inside(a.windowH, PCA_RANGE.windowH)) return refErr('OUT_OF_RANGE');
  if (a.limitMl < a.demandMl || a.limitMl > PCA_RANGE.limitMaxMl) return refErr('OUT_OF_RANGE');
  const basal = a.rateMlPerH ?? 0;
  const rate = basal > 0 ? refRoundRate(ctx.type, basal) : 0;
  if (basal > 0 && !rateInRange(ctx.type, rate)) return refErr('OUT_OF_RANGE');
  const bad = vtbiAndEnd(ctx, a);
  if (bad) return bad;
  let drug: RefDrug | undefined;
  if (a.drugId !== undefined) {
    const entry = ctx.area?.drugs.find((d) => d.id === a.drugId);
    if (!ctx.area || !entry) return refErr('NO_DRUG');
    if (entry.pumpTypes && !entry.pumpTypes.includes(ctx.type.id)) return refErr('NO_DRUG');
    const unit = parseRefDoseUnit(entry.doseUnit);
    // Precedence (the protocol page does not say): a weight the drug's unit needs, then its PCA entry.
    if (unit.perKg && a.weightKg === undefined) return refErr('MISSING_ARG');
    const weightKg = a.weightKg ?? 1;
    const w = ctx.area.weightKg;
    // A weight given is held to the area's range even for a drug dosed per patient.
    if (a.weightKg !== undefined && w && (weightKg < w.min || weightKg > w.max)) return refErr('OUT_OF_RANGE');
    if (!entry.pca || !entry.bolusUnit) return refErr('NO_BOLUS');
    const bolusUnit = parseRefDoseUnit(entry.bolusUnit);
    const toDose = (ml: number): number => bolusMlToDose(ml, bolusUnit, entry.concentration, weightKg);
    // In the order docs/protocol.md lists them; the first that refuses decides.
    const verdicts: LimitVerdict[] = [
      checkLimits(toDose(a.demandMl), entry.pca.demandDose),
      checkLimits(a.lockoutMin, entry.pca.lockoutMin),
      checkLimits(toDose(a.limitMl / a.windowH), entry.pca.hourlyLimit),
      rate > 0 ? checkLimits(mlPerHToDose(rate, unit, entry.concentration, weightKg), entry.limits.doseRate) : 'ok',
      checkLimits(a.vtbiMl ?? 0, entry.limits.vtbiMl),
    ];
    for (const v of verdicts) {
      if (v === 'hard') return refErr('HARD_LIMIT');
      if (v === 'soft' && !a.override) return refErr('SOFT_LIMIT');
    }
    drug = { entry, weightKg, unit, bolusUnit, dose: rate > 0 ? mlPerHToDose(rate, unit, entry.concentration, weightKg) : 0 };
  }
  const notLoaded = checkLoaded(ctx, a);
  if (notLoaded) return notLoaded;
  return {
    mode: 'pca',
    pca: { demandMl: a.demandMl, lockoutMs: a.lockoutMin * 60_000, limitMl: a.limitMl, windowMs: a.windowH * 3_600_000 },
    rateMlPerH: rate,
    vtbiMl: a.vtbiMl ?? 0,
    end: a.endAction ?? 'kvo',
    kvoMlPerH: a.kvoMlPerH ?? ctx.type.defaultKvoMlPerH,
    drug,
    load: undefined,
    loadedMl: loadedMl(ctx, a) as number,
    fields: basal > 0 ? roundingFields(rate, basal, undefined) : {},
  };
}
