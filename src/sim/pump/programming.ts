/**
 * Turning a program request into a program the pump may run: ranges of the pump type, the drug
 * library's four limits (dose error reduction), the one dose-to-rate conversion. Returns the
 * program and the override events to log, or the refusal. Changes nothing itself.
 */
import {
  doseAmountToMl,
  doseRateToMlPerH,
  mlPerHToDoseRate,
  parseDoseAmountUnit,
  parseDoseRateUnit,
  type Concentration,
  type DoseRateUnit,
} from '../dosing/doseUnits.js';
import { checkLimits, type LimitVerdict } from '../druglib/limits.js';
import type { CareArea, DrugEntry, Limits } from '../druglib/schema.js';
import { findDrug } from '../druglib/load.js';
import { err, type EndAction, type ProgramRequest, type Reply } from '../protocol/commands.js';
import { fmtNum, type PumpEvent } from '../trace/events.js';
import { roundRateMlPerH, type PumpType } from './pumpTypes.js';

export interface DrugProgram {
  entry: DrugEntry;
  unit: DoseRateUnit;
  conc: Concentration;
  weightKg: number | undefined;
  /** The dose the rounded rate delivers, in the drug's dose unit. */
  dose: number;
}

export interface PcaSettings {
  demandMl: number;
  lockoutMs: number;
  limitMl: number;
  windowMs: number;
}

export interface Program {
  mode: 'basic' | 'drug' | 'pca';
  rateMlPerH: number;
  vtbiMl: number;
  endAction: EndAction;
  kvoSetMlPerH: number;
  drug?: DrugProgram | undefined;
  loading?: { volumeMl: number; rateMlPerH: number } | undefined;
  pca?: PcaSettings | undefined;
}

export type Built<T> = { ok: true; value: T; events: PumpEvent[] } | { ok: false; reply: Reply };

function refuse<T>(reply: Reply): Built<T> {
  return { ok: false, reply };
}

function inRange(v: number, min: number, max: number): boolean {
  return Number.isFinite(v) && v >= min - 1e-9 && v <= max + 1e-9;
}

/** Apply a library limit set; a soft breach needs `override`, which is logged. */
function applyLimits(
  what: 'dose' | 'bolus' | 'vtbi',
  value: number,
  unitText: string,
  limits: Limits | undefined,
  override: boolean,
  nowMs: number,
  events: PumpEvent[],
): Reply | undefined {
  const v: LimitVerdict = checkLimits(value, limits);
  if (v.kind === 'hard') {
    return err('HARD_LIMIT', `${what} ${fmtNum(value)} ${unitText} is ${v.side === 'upper' ? 'above' : 'below'} the hard limit ${fmtNum(v.limit)}; change the program`);
  }
  if (v.kind === 'soft') {
    if (!override) {
      return err('SOFT_LIMIT', `${what} ${fmtNum(value)} ${unitText} is ${v.side === 'upper' ? 'above' : 'below'} the soft limit ${fmtNum(v.limit)}; resend with override=1 to confirm`);
    }
    events.push({ type: 'OVERRIDE', tMs: nowMs, what, value, limit: v.limit, side: v.side });
  }
  return undefined;
}

export interface ProgramContext {
  type: PumpType;
  area: CareArea | undefined;
  nowMs: number;
}

function checkRate(type: PumpType, rateMlPerH: number, label: string): Reply | undefined {
  if (!inRange(rateMlPerH, type.minRateMlPerH, type.maxRateMlPerH)) {
    return err('OUT_OF_RANGE', `${label} ${fmtNum(rateMlPerH)} mL/h is outside ${fmtNum(type.minRateMlPerH)} to ${fmtNum(type.maxRateMlPerH)} mL/h`);
  }
  return undefined;
}

/** Resolve a library drug's dose into a rounded rate, checking the limits. */
export function drugRate(
  ctx: ProgramContext,
  entry: DrugEntry,
  dose: number,
  weightKg: number | undefined,
  override: boolean,
  events: PumpEvent[],
): Built<{ rateMlPerH: number; drug: DrugProgram }> {
  const unit = parseDoseRateUnit(entry.doseUnit);
  const conc: Concentration = entry.concentration;
  if (unit.body === 'm2') return refuse(err('NOT_SUPPORTED', 'doses per m2 need a body surface area, which this protocol does not take yet'));
  if (unit.body === 'kg') {
    if (weightKg === undefined) return refuse(err('MISSING_ARG', `weight (kg) is needed for a dose in ${entry.doseUnit}`));
    const w = ctx.area?.weightKg ?? { min: 0.2, max: 350 };
    if (!inRange(weightKg, w.min, w.max)) return refuse(err('OUT_OF_RANGE', `weight ${fmtNum(weightKg)} kg is outside ${fmtNum(w.min)} to ${fmtNum(w.max)} kg`));
  }
  if (!(dose > 0)) return refuse(err('OUT_OF_RANGE', 'dose must be above 0'));
  const size = { weightKg };
  let exactMlPerH: number;
  try {
    exactMlPerH = doseRateToMlPerH(dose, unit, conc, size);
  } catch (e) {
    return refuse(err('BAD_ARG', `drug ${entry.id}: ${(e as Error).message}`));
  }
  const rateMlPerH = roundRateMlPerH(ctx.type, exactMlPerH);
  const bad = checkRate(ctx.type, rateMlPerH, `dose ${fmtNum(dose)} ${entry.doseUnit} needs a rate of`);
  if (bad) return refuse(bad);
  // The limits are checked on the dose the rounded rate really delivers.
  const effectiveDose = mlPerHToDoseRate(rateMlPerH, unit, conc, size);
  const limitReply = applyLimits('dose', effectiveDose, entry.doseUnit, entry.limits.doseRate, override, ctx.nowMs, events);
  if (limitReply) return refuse(limitReply);
  return { ok: true, value: { rateMlPerH, drug: { entry, unit, conc, weightKg, dose: effectiveDose } }, events };
}

export function bolusVolume(
  ctx: ProgramContext,
  drug: DrugProgram | undefined,
  volumeMl: number | undefined,
  dose: number | undefined,
  override: boolean,
  events: PumpEvent[],
): Built<number> {
  let ml: number;
  if (dose !== undefined) {
    if (!drug) return refuse(err('BAD_ARG', 'a bolus dose needs a library drug; give volume= in mL'));
    if (!drug.entry.bolusUnit) return refuse(err('BAD_ARG', `drug ${drug.entry.id} has no bolus unit in the library; give volume= in mL`));
    if (!(dose > 0)) return refuse(err('OUT_OF_RANGE', 'bolus dose must be above 0'));
    const limitReply = applyLimits('bolus', dose, drug.entry.bolusUnit, drug.entry.limits.bolusDose, override, ctx.nowMs, events);
    if (limitReply) return refuse(limitReply);
    try {
      ml = doseAmountToMl(dose, parseDoseAmountUnit(drug.entry.bolusUnit), drug.conc, { weightKg: drug.weightKg });
    } catch (e) {
      return refuse(err('BAD_ARG', `drug ${drug.entry.id}: ${(e as Error).message}`));
    }
  } else if (volumeMl !== undefined) {
    ml = volumeMl;
  } else {
    return refuse(err('MISSING_ARG', 'give volume= (mL) or dose='));
  }
  if (!inRange(ml, ctx.type.minBolusMl, ctx.type.maxBolusMl)) {
    return refuse(err('OUT_OF_RANGE', `bolus ${fmtNum(ml)} mL is outside ${fmtNum(ctx.type.minBolusMl)} to ${fmtNum(ctx.type.maxBolusMl)} mL`));
  }
  return { ok: true, value: ml, events };
}

export function checkBolusRate(type: PumpType, rateMlPerH: number): Reply | undefined {
  if (!inRange(rateMlPerH, type.minBolusRateMlPerH, type.maxBolusRateMlPerH)) {
    return err('OUT_OF_RANGE', `bolus rate ${fmtNum(rateMlPerH)} mL/h is outside ${fmtNum(type.minBolusRateMlPerH)} to ${fmtNum(type.maxBolusRateMlPerH)} mL/h`);
  }
  return undefined;
}

/** Build a program from a request. */
export function buildProgram(ctx: ProgramContext, req: ProgramRequest): Built<Program> {
  const { type } = ctx;
  const events: PumpEvent[] = [];
  const override = req.override === true;
  if (req.vtbiMl === undefined) return refuse(err('MISSING_ARG', 'vtbi (mL) is required'));
  if (!inRange(req.vtbiMl, type.minVtbiMl, type.maxVtbiMl)) {
    return refuse(err('OUT_OF_RANGE', `vtbi ${fmtNum(req.vtbiMl)} mL is outside ${fmtNum(type.minVtbiMl)} to ${fmtNum(type.maxVtbiMl)} mL`));
  }
  const endAction = req.endAction ?? 'kvo';
  const kvoSetMlPerH = req.kvoMlPerH ?? type.defaultKvoMlPerH;
  if (!inRange(kvoSetMlPerH, type.minKvoMlPerH, type.maxKvoMlPerH)) {
    return refuse(err('OUT_OF_RANGE', `kvo ${fmtNum(kvoSetMlPerH)} mL/h is outside ${fmtNum(type.minKvoMlPerH)} to ${fmtNum(type.maxKvoMlPerH)} mL/h`));
  }

  let program: Program;
  if (req.mode === 'pca') {
    if (req.drugId !== undefined || req.dose !== undefined) return refuse(err('BAD_ARG', 'a PCA program takes basal=, demand=, lockout=, limit=, window= in mL, mL/h, min and h'));
    const basal = req.rateMlPerH ?? 0;
    if (req.demandMl === undefined || req.lockoutMin === undefined || req.limitMl === undefined || req.windowH === undefined) {
      return refuse(err('MISSING_ARG', 'PCA needs demand (mL), lockout (min), limit (mL) and window (h)'));
    }
    if (basal !== 0) {
      const bad = checkRate(type, basal, 'basal');
      if (bad) return refuse(bad);
    }
    // docs/clinical.md#pca: demand up to 9.9 mL, lockout 5 to 60 min, limit over a 1 to 12 h window.
    if (!inRange(req.demandMl, 0.1, 9.9)) return refuse(err('OUT_OF_RANGE', 'demand must be 0.1 to 9.9 mL'));
    if (!inRange(req.lockoutMin, 5, 60)) return refuse(err('OUT_OF_RANGE', 'lockout must be 5 to 60 min'));
    if (!inRange(req.windowH, 1, 12)) return refuse(err('OUT_OF_RANGE', 'window must be 1 to 12 h'));
    if (!inRange(req.limitMl, req.demandMl, 1000)) return refuse(err('OUT_OF_RANGE', 'limit must be at least one demand dose and at most 1000 mL'));
    program = {
      mode: 'pca',
      rateMlPerH: roundRateMlPerH(type, basal),
      vtbiMl: req.vtbiMl,
      endAction,
      kvoSetMlPerH,
      pca: { demandMl: req.demandMl, lockoutMs: req.lockoutMin * 60_000, limitMl: req.limitMl, windowMs: req.windowH * 3_600_000 },
    };
  } else if (req.drugId !== undefined) {
    if (!ctx.area) return refuse(err('NO_DRUG', 'no care area selected; send AREA id=<area>'));
    const entry = findDrug(ctx.area, req.drugId);
    if (!entry) return refuse(err('NO_DRUG', `drug "${req.drugId}" is not in care area "${ctx.area.id}"`));
    if (entry.pumpTypes && !entry.pumpTypes.includes(type.id)) return refuse(err('NO_DRUG', `drug "${entry.id}" is not allowed on a ${type.id} pump`));
    if (req.rateMlPerH !== undefined) return refuse(err('BAD_ARG', 'a library drug is programmed by dose=, not rate='));
    if (req.dose === undefined) return refuse(err('MISSING_ARG', `dose (${entry.doseUnit}) is required`));
    const r = drugRate(ctx, entry, req.dose, req.weightKg, override, events);
    if (!r.ok) return r;
    const vtbiReply = applyLimits('vtbi', req.vtbiMl, 'mL', entry.limits.vtbiMl, override, ctx.nowMs, events);
    if (vtbiReply) return refuse(vtbiReply);
    program = { mode: 'drug', rateMlPerH: r.value.rateMlPerH, vtbiMl: req.vtbiMl, endAction, kvoSetMlPerH, drug: r.value.drug };
  } else {
    if (req.dose !== undefined || req.weightKg !== undefined) return refuse(err('BAD_ARG', 'dose= and weight= need drug='));
    if (req.rateMlPerH === undefined) return refuse(err('MISSING_ARG', 'rate (mL/h) is required for a basic infusion'));
    const rate = roundRateMlPerH(type, req.rateMlPerH);
    const bad = checkRate(type, rate, 'rate');
    if (bad) return refuse(bad);
    program = { mode: 'basic', rateMlPerH: rate, vtbiMl: req.vtbiMl, endAction, kvoSetMlPerH };
    // ISMP: infusions outside the library are logged as such.
    events.push({ type: 'NO_LIBRARY', tMs: ctx.nowMs, rateMlPerH: rate });
  }

  if (req.load !== undefined) {
    const loadRate = req.loadRateMlPerH ?? type.defaultBolusRateMlPerH;
    const badRate = checkBolusRate(type, loadRate);
    if (badRate) return refuse(badRate);
    const vol = bolusVolume(ctx, program.drug, program.drug ? undefined : req.load, program.drug ? req.load : undefined, override, events);
    if (!vol.ok) return vol;
    if (vol.value > program.vtbiMl) return refuse(err('OUT_OF_RANGE', `loading dose ${fmtNum(vol.value)} mL is more than the VTBI`));
    program.loading = { volumeMl: vol.value, rateMlPerH: loadRate };
  } else if (req.loadRateMlPerH !== undefined) {
    return refuse(err('BAD_ARG', 'loadrate= needs load='));
  }
  return { ok: true, value: program, events };
}
