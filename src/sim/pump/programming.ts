/**
 * Turning a program request into a program the pump may run: ranges of the pump type, the drug
 * library's four limits (dose error reduction), the one dose-to-rate conversion. Returns the
 * program and the override events to log, or the refusal (effects as data). Changes nothing itself.
 */
import { doseRateToMlPerH, mlPerHToDoseRate, parseDoseRateUnit, type Concentration, type DoseRateUnit } from '../dosing/doseUnits.js';
import type { CareArea, DrugEntry } from '../druglib/schema.js';
import { findDrug } from '../druglib/load.js';
import { err, type EndAction, type ProgramRequest, type Reply } from '../protocol/commands.js';
import { fmtNum, type PumpEvent } from '../trace/events.js';
import { checkPcaDrug, limitedBolusMl } from './bolusLimits.js';
import { applyLimits, limitRank } from './limitCheck.js';
import { roundRateMlPerH, type PumpType } from './pumpTypes.js';
import { roundedCandidates, wasRounded } from './rateRounding.js';

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
  /** The rate the entry asked for before rounding to the resolution (mL/h). */
  exactMlPerH: number;
  vtbiMl: number;
  endAction: EndAction;
  kvoSetMlPerH: number;
  drug?: DrugProgram | undefined;
  loading?: { volumeMl: number; rateMlPerH: number } | undefined;
  pca?: PcaSettings | undefined;
}

export type Built<T> = { ok: true; value: T; events: readonly PumpEvent[] } | { ok: false; reply: Reply };

function refuse<T>(reply: Reply): Built<T> {
  return { ok: false, reply };
}

function inRange(v: number, min: number, max: number): boolean {
  return Number.isFinite(v) && v >= min - 1e-9 && v <= max + 1e-9;
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

/**
 * Resolve a library drug's dose into a rounded rate, checking the limits on the dose entered and
 * on the dose the rounded rate delivers (what will run); rounding never crosses a limit the entry
 * did not cross when the step on the other side stays inside it.
 */
export function drugRate(
  ctx: ProgramContext,
  entry: DrugEntry,
  dose: number,
  weightKg: number | undefined,
  override: boolean,
): Built<{ rateMlPerH: number; exactMlPerH: number; drug: DrugProgram }> {
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
  const limits = entry.limits.doseRate;
  const enteredRank = limitRank(dose, limits);
  // The nearest step runs; the step on the other side only when the nearest crosses a limit the
  // entry did not cross and the other does not. The pump's rate range is no reason to move: a
  // nearest step outside it is refused (docs/protocol.md, "Limits, rounding and boluses").
  const [nearest = roundRateMlPerH(ctx.type, exactMlPerH), other] = roundedCandidates(ctx.type, exactMlPerH);
  const rankAt = (r: number): number => limitRank(mlPerHToDoseRate(r, unit, conc, size), limits);
  const rateMlPerH = other !== undefined && other > 0 && rankAt(nearest) > enteredRank && rankAt(other) <= enteredRank ? other : nearest;
  const bad = checkRate(ctx.type, rateMlPerH, `dose ${fmtNum(dose)} ${entry.doseUnit} needs a rate of`);
  if (bad) return refuse(bad);
  // The limits are judged on the worse of the dose entered and the dose the rounded rate delivers.
  const effectiveDose = mlPerHToDoseRate(rateMlPerH, unit, conc, size);
  const judged = limitRank(effectiveDose, limits) >= enteredRank ? effectiveDose : dose;
  const limit = applyLimits('dose', judged, entry.doseUnit, limits, override, ctx.nowMs);
  if (!limit.ok) return refuse(limit.reply);
  return { ok: true, value: { rateMlPerH, exactMlPerH, drug: { entry, unit, conc, weightKg, dose: effectiveDose } }, events: limit.events };
}

/** A bolus or loading dose in mL: a library drug's bolus limits (in its unit), then the pump's range. */
export function bolusVolume(
  ctx: ProgramContext,
  drug: DrugProgram | undefined,
  volumeMl: number | undefined,
  dose: number | undefined,
  override: boolean,
): Built<number> {
  let ml: number;
  let events: readonly PumpEvent[] = [];
  if (drug) {
    const r = limitedBolusMl(ctx, drug, volumeMl, dose, override);
    if ('reply' in r) return refuse(r.reply);
    ml = r.ml;
    events = r.events;
  } else if (dose !== undefined) {
    return refuse(err('BAD_ARG', 'a bolus dose needs a library drug; give volume= in mL'));
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

/** The library entry a program names, or why it cannot be used. */
function libraryEntry(ctx: ProgramContext, drugId: string): { entry: DrugEntry } | { reply: Reply } {
  if (!ctx.area) return { reply: err('NO_DRUG', 'no care area selected; send AREA id=<area>') };
  const entry = findDrug(ctx.area, drugId);
  if (!entry) return { reply: err('NO_DRUG', `drug "${drugId}" is not in care area "${ctx.area.id}"`) };
  if (entry.pumpTypes && !entry.pumpTypes.includes(ctx.type.id)) return { reply: err('NO_DRUG', `drug "${entry.id}" is not allowed on a ${ctx.type.id} pump`) };
  return { entry };
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
    if (req.dose !== undefined) return refuse(err('BAD_ARG', 'a PCA program takes basal=, demand=, lockout=, limit=, window= in mL, mL/h, min and h (and drug= [weight=])'));
    const basalEntered = req.rateMlPerH ?? 0;
    if (req.demandMl === undefined || req.lockoutMin === undefined || req.limitMl === undefined || req.windowH === undefined) {
      return refuse(err('MISSING_ARG', 'PCA needs demand (mL), lockout (min), limit (mL) and window (h)'));
    }
    const basal = roundRateMlPerH(type, basalEntered);
    if (basalEntered !== 0) {
      const bad = checkRate(type, basalEntered, 'basal') ?? checkRate(type, basal, 'basal');
      if (bad) return refuse(bad);
    }
    // docs/clinical.md#pca: demand up to 9.9 mL, lockout 5 to 60 min, limit over a 1 to 12 h window.
    if (!inRange(req.demandMl, 0.1, 9.9)) return refuse(err('OUT_OF_RANGE', 'demand must be 0.1 to 9.9 mL'));
    if (!inRange(req.lockoutMin, 5, 60)) return refuse(err('OUT_OF_RANGE', 'lockout must be 5 to 60 min'));
    if (!inRange(req.windowH, 1, 12)) return refuse(err('OUT_OF_RANGE', 'window must be 1 to 12 h'));
    if (!inRange(req.limitMl, req.demandMl, 1000)) return refuse(err('OUT_OF_RANGE', 'limit must be at least one demand dose and at most 1000 mL'));
    let drug: DrugProgram | undefined;
    if (req.drugId !== undefined) {
      const found = libraryEntry(ctx, req.drugId);
      if ('reply' in found) return refuse(found.reply);
      const entry = found.entry;
      const unit = parseDoseRateUnit(entry.doseUnit);
      if (unit.body === 'm2') return refuse(err('NOT_SUPPORTED', 'doses per m2 need a body surface area, which this protocol does not take yet'));
      const needsWeight = unit.body === 'kg' || (entry.bolusUnit ?? '').includes('/');
      if (needsWeight && req.weightKg === undefined) return refuse(err('MISSING_ARG', `weight (kg) is needed for ${entry.id}`));
      if (req.weightKg !== undefined) {
        const w = ctx.area?.weightKg ?? { min: 0.2, max: 350 };
        if (!inRange(req.weightKg, w.min, w.max)) return refuse(err('OUT_OF_RANGE', `weight ${fmtNum(req.weightKg)} kg is outside ${fmtNum(w.min)} to ${fmtNum(w.max)} kg`));
      }
      const d = { entry, unit, conc: entry.concentration, weightKg: req.weightKg };
      const checked = checkPcaDrug(ctx, d, { basalMlPerH: basal, basalEnteredMlPerH: basalEntered, demandMl: req.demandMl, lockoutMin: req.lockoutMin, limitMl: req.limitMl, windowH: req.windowH }, override);
      if ('reply' in checked) return refuse(checked.reply);
      events.push(...checked.events);
      const vtbi = applyLimits('vtbi', req.vtbiMl, 'mL', entry.limits.vtbiMl, override, ctx.nowMs);
      if (!vtbi.ok) return refuse(vtbi.reply);
      events.push(...vtbi.events);
      drug = { ...d, dose: checked.basalDose };
    } else {
      if (req.weightKg !== undefined) return refuse(err('BAD_ARG', 'weight= needs drug='));
      // ISMP: infusions outside the library are logged as such (a PCA program too).
      events.push({ type: 'NO_LIBRARY', tMs: ctx.nowMs, rateMlPerH: basal });
    }
    program = {
      mode: 'pca',
      rateMlPerH: basal,
      exactMlPerH: basalEntered,
      vtbiMl: req.vtbiMl,
      endAction,
      kvoSetMlPerH,
      drug,
      pca: { demandMl: req.demandMl, lockoutMs: req.lockoutMin * 60_000, limitMl: req.limitMl, windowMs: req.windowH * 3_600_000 },
    };
  } else if (req.drugId !== undefined) {
    const found = libraryEntry(ctx, req.drugId);
    if ('reply' in found) return refuse(found.reply);
    const entry = found.entry;
    if (req.rateMlPerH !== undefined) return refuse(err('BAD_ARG', 'a library drug is programmed by dose=, not rate='));
    if (req.dose === undefined) return refuse(err('MISSING_ARG', `dose (${entry.doseUnit}) is required`));
    const r = drugRate(ctx, entry, req.dose, req.weightKg, override);
    if (!r.ok) return r;
    events.push(...r.events);
    const vtbi = applyLimits('vtbi', req.vtbiMl, 'mL', entry.limits.vtbiMl, override, ctx.nowMs);
    if (!vtbi.ok) return refuse(vtbi.reply);
    events.push(...vtbi.events);
    program = { mode: 'drug', rateMlPerH: r.value.rateMlPerH, exactMlPerH: r.value.exactMlPerH, vtbiMl: req.vtbiMl, endAction, kvoSetMlPerH, drug: r.value.drug };
  } else {
    if (req.dose !== undefined || req.weightKg !== undefined) return refuse(err('BAD_ARG', 'dose= and weight= need drug='));
    if (req.rateMlPerH === undefined) return refuse(err('MISSING_ARG', 'rate (mL/h) is required for a basic infusion'));
    const rate = roundRateMlPerH(type, req.rateMlPerH);
    const bad = checkRate(type, rate, 'rate');
    if (bad) return refuse(bad);
    program = { mode: 'basic', rateMlPerH: rate, exactMlPerH: req.rateMlPerH, vtbiMl: req.vtbiMl, endAction, kvoSetMlPerH };
    // ISMP: infusions outside the library are logged as such.
    events.push({ type: 'NO_LIBRARY', tMs: ctx.nowMs, rateMlPerH: rate });
  }

  if (req.load !== undefined) {
    const loadRate = req.loadRateMlPerH ?? type.defaultBolusRateMlPerH;
    const badRate = checkBolusRate(type, loadRate);
    if (badRate) return refuse(badRate);
    const vol = bolusVolume(ctx, program.drug, program.drug ? undefined : req.load, program.drug ? req.load : undefined, override);
    if (!vol.ok) return vol;
    events.push(...vol.events);
    if (vol.value > program.vtbiMl) return refuse(err('OUT_OF_RANGE', `loading dose ${fmtNum(vol.value)} mL is more than the VTBI`));
    program.loading = { volumeMl: vol.value, rateMlPerH: loadRate };
  } else if (req.loadRateMlPerH !== undefined) {
    return refuse(err('BAD_ARG', 'loadrate= needs load='));
  }
  return { ok: true, value: program, events };
}

/** The rate a TITRATE asks for (by rate or by dose), checked as a program's would be. */
export function titrateRate(
  ctx: ProgramContext,
  p: Program,
  c: { rateMlPerH?: number | undefined; dose?: number | undefined; override?: boolean | undefined },
): Built<{ rateMlPerH: number; exactMlPerH: number; drug: DrugProgram | undefined }> {
  const override = c.override === true;
  if ((c.rateMlPerH === undefined) === (c.dose === undefined)) return refuse(err('MISSING_ARG', 'give one of rate= (mL/h) or dose='));
  if (c.dose !== undefined) {
    if (!p.drug) return refuse(err('BAD_ARG', 'dose= needs a library drug program; give rate='));
    return drugRate(ctx, p.drug.entry, c.dose, p.drug.weightKg, override);
  }
  const exact = c.rateMlPerH ?? 0;
  // A PCA basal may be titrated to 0 (demand only).
  if (p.pca && exact === 0) return { ok: true, value: { rateMlPerH: 0, exactMlPerH: 0, drug: p.drug && { ...p.drug, dose: 0 } }, events: [] };
  if (p.drug) {
    // A rate change of a library drug is checked as the dose it asks for and the dose that will run.
    const d = p.drug;
    const asked = exact > 0 ? mlPerHToDoseRate(exact, d.unit, d.conc, { weightKg: d.weightKg }) : 0;
    const r = drugRate(ctx, d.entry, asked, d.weightKg, override);
    return r.ok ? { ok: true, value: { ...r.value, exactMlPerH: exact }, events: r.events } : r;
  }
  const rate = roundRateMlPerH(ctx.type, exact);
  const bad = checkRate(ctx.type, rate, 'rate');
  if (bad) return refuse(bad);
  return { ok: true, value: { rateMlPerH: rate, exactMlPerH: exact, drug: undefined }, events: [] };
}

/** Reply fields that say what will run when rounding changed the entry: the exact rate asked, the dose that runs. */
export function roundingFields(rateMlPerH: number, exactMlPerH: number, drug: DrugProgram | undefined): Record<string, string> {
  if (!wasRounded(exactMlPerH, rateMlPerH)) return {};
  return drug ? { exact: fmtNum(exactMlPerH), dose: fmtNum(drug.dose) } : { exact: fmtNum(exactMlPerH) };
}
