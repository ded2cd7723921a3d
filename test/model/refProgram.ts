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
import { checkLimits } from './refLimits.js';
import { rateInRange, refRoundRate } from './refRate.js';
import { refErr, type RefErrorCode, type RefReply, type RefRateResult } from './refReply.js';

export interface RefDrug {
  entry: DrugEntry;
  weightKg: number;
  dose: number;
  unit: RefDoseUnit;
  bolusUnit: RefDoseUnit | undefined;
}

export interface RefProgram {
  mode: 'basic' | 'drug';
  rateMlPerH: number;
  vtbiMl: number;
  end: EndAction;
  kvoMlPerH: number;
  drug: RefDrug | undefined;
  /** Loading dose given first at START (mL, mL/h), if any. */
  load: { volumeMl: number; rateMlPerH: number } | undefined;
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
}

/** mL/h for a dose of a drug program, checked against the drug's dose limits and the pump's range. */
export function rateForDose(ctx: ProgramCtx, d: Omit<RefDrug, 'dose'>, dose: number, override: boolean): RefRateResult {
  const raw = doseToMlPerH(dose, d.unit, d.entry.concentration, d.weightKg);
  const rate = refRoundRate(ctx.type, raw);
  // Precedence (the protocol page does not say): what the pump cannot run at all comes first.
  if (!rateInRange(ctx.type, rate)) return refErr('OUT_OF_RANGE');
  // Item 4: the limit is checked on what will run (the rounded rate), not on what was typed.
  const checked = mlPerHToDose(rate, d.unit, d.entry.concentration, d.weightKg);
  const verdict = checkLimits(checked, d.entry.limits.doseRate);
  if (verdict === 'hard') return refErr('HARD_LIMIT');
  if (verdict === 'soft' && !override) return refErr('SOFT_LIMIT');
  return { ok: true, rateMlPerH: rate, dose };
}

function vtbiAndEnd(ctx: ProgramCtx, a: ProgramArgs): RefReply | undefined {
  if (a.vtbiMl === undefined) return refErr('MISSING_ARG');
  if (a.vtbiMl < ctx.type.minVtbiMl || a.vtbiMl > ctx.type.maxVtbiMl) return refErr('OUT_OF_RANGE');
  if (a.kvoMlPerH !== undefined && (a.kvoMlPerH < ctx.type.minKvoMlPerH || a.kvoMlPerH > ctx.type.maxKvoMlPerH)) return refErr('OUT_OF_RANGE');
  return undefined;
}

export function buildBasic(ctx: ProgramCtx, a: ProgramArgs): RefProgram | RefReply {
  if (a.rateMlPerH === undefined) return refErr('MISSING_ARG');
  const rate = refRoundRate(ctx.type, a.rateMlPerH);
  if (!rateInRange(ctx.type, rate)) return refErr('OUT_OF_RANGE');
  const bad = vtbiAndEnd(ctx, a);
  if (bad) return bad;
  return withLoad(ctx, a, { mode: 'basic', rateMlPerH: rate, vtbiMl: a.vtbiMl ?? 0, end: a.endAction ?? 'kvo', kvoMlPerH: a.kvoMlPerH ?? ctx.type.defaultKvoMlPerH, drug: undefined, load: undefined });
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
  return withLoad(ctx, a, { mode: 'drug', rateMlPerH: r.rateMlPerH, vtbiMl: a.vtbiMl ?? 0, end: a.endAction ?? 'kvo', kvoMlPerH: a.kvoMlPerH ?? ctx.type.defaultKvoMlPerH, drug: { ...d, dose: a.dose }, load: undefined });
}

/**
 * A loading dose (DOMAIN.md: "Loading dose before a continuous infusion") is a bolus given first:
 * the same ranges and bolus limits, and no more than the VTBI.
 */
function withLoad(ctx: ProgramCtx, a: ProgramArgs, p: RefProgram): RefProgram | RefReply {
  if (a.load === undefined) return p;
  const b = checkBolus(ctx, p, p.drug ? { dose: a.load, rateMlPerH: a.loadRateMlPerH, override: a.override } : { volumeMl: a.load, rateMlPerH: a.loadRateMlPerH });
  if (!b.ok) return refErr(...b.codes);
  if (b.bolus.volumeMl > p.vtbiMl) return refErr('OUT_OF_RANGE');
  return { ...p, load: b.bolus };
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
  if (a.dose !== undefined && !hasEntry) return refErr('BAD_ARG');
  // Item 2: no bolus entry in the library means no bolus; the fix names its own code.
  if (drug && !hasEntry && !ctx.pending.has('noBolusEntryRefused')) return refErr('NEW_CODE', 'BAD_ARG', 'BAD_STATE', 'NO_DRUG', 'HARD_LIMIT', 'OUT_OF_RANGE');
  let volumeMl: number;
  let dose: number | undefined;
  if (a.dose !== undefined && drug?.bolusUnit) {
    dose = a.dose;
    volumeMl = bolusDoseToMl(a.dose, drug.bolusUnit, drug.entry.concentration, drug.weightKg);
  } else if (a.volumeMl !== undefined) {
    volumeMl = a.volumeMl;
    // Item 1: a bolus by volume is held to the bolus limits in the drug's own unit.
    if (drug?.bolusUnit && hasEntry && !ctx.pending.has('bolusLimitsAnyUnit')) dose = bolusMlToDose(a.volumeMl, drug.bolusUnit, drug.entry.concentration, drug.weightKg);
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
