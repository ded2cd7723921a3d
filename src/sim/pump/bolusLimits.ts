/**
 * Extra volume (a bolus by dose or by volume, a loading dose, a PCA demand) held to the drug's
 * limits in the drug's own dose unit, whatever unit the request used (docs/clinical.md, "Bolus and
 * PCA limits"). A library drug with no bolus entry cannot be bolused unless its entry allows a
 * bolus without limits (a fluid); a drug with no PCA entry cannot be given by PCA.
 */
import { doseAmountToMl, mlPerHToDoseRate, mlToDoseAmount, parseDoseAmountUnit } from '../dosing/doseUnits.js';
import type { DrugEntry } from '../druglib/schema.js';
import { err, type Reply } from '../protocol/commands.js';
import { fmtNum, type PumpEvent } from '../trace/events.js';
import { applyLimits, limitRank } from './limitCheck.js';

/** What a bolus check needs of the drug program (a subset of DrugProgram). */
export interface BolusDrug {
  entry: DrugEntry;
  conc: DrugEntry['concentration'];
  weightKg: number | undefined;
}

interface Ctx {
  nowMs: number;
}

/** Refusal when this drug may not be bolused at all. */
export function noBolusReply(entry: DrugEntry): Reply | undefined {
  if (entry.limits.bolusDose && entry.bolusUnit) return undefined;
  if (entry.bolusWithoutLimits) return undefined;
  return err('NO_BOLUS', `drug ${entry.id} has no bolus in the library: it cannot be bolused (change the library to allow it)`);
}

/** The dose `volumeMl` of this drug holds, in its bolus unit. */
export function bolusDoseOf(drug: BolusDrug, volumeMl: number): number | undefined {
  const unitText = drug.entry.bolusUnit;
  if (!unitText) return undefined;
  return mlToDoseAmount(volumeMl, parseDoseAmountUnit(unitText), drug.conc, { weightKg: drug.weightKg });
}

/**
 * A bolus or loading dose: given as `dose` (bolus unit) or `volumeMl`, both judged as a dose
 * against the bolus limits. Returns the volume in mL, or the refusal.
 */
export function limitedBolusMl(
  ctx: Ctx,
  drug: BolusDrug,
  volumeMl: number | undefined,
  dose: number | undefined,
  override: boolean,
): { ml: number; events: readonly PumpEvent[] } | { reply: Reply } {
  const entry = drug.entry;
  const none = noBolusReply(entry);
  if (none) return { reply: none };
  const limits = entry.limits.bolusDose;
  const unitText = entry.bolusUnit;
  if (dose !== undefined) {
    if (!unitText) return { reply: err('BAD_ARG', `drug ${entry.id} has no bolus unit in the library; give volume= in mL`) };
    if (!(dose > 0)) return { reply: err('OUT_OF_RANGE', 'bolus dose must be above 0') };
    const judged = applyLimits('bolus', dose, unitText, limits, override, ctx.nowMs);
    if (!judged.ok) return { reply: judged.reply };
    try {
      return { ml: doseAmountToMl(dose, parseDoseAmountUnit(unitText), drug.conc, { weightKg: drug.weightKg }), events: judged.events };
    } catch (e) {
      return { reply: err('BAD_ARG', `drug ${entry.id}: ${(e as Error).message}`) };
    }
  }
  if (volumeMl === undefined) return { reply: err('MISSING_ARG', 'give volume= (mL) or dose=') };
  // A bolus by volume is the same dose as a bolus by dose: judged in the bolus unit.
  if (limits && unitText) {
    let asDose: number | undefined;
    try {
      asDose = bolusDoseOf(drug, volumeMl);
    } catch (e) {
      return { reply: err('BAD_ARG', `drug ${entry.id}: ${(e as Error).message}`) };
    }
    if (asDose !== undefined) {
      const judged = applyLimits('bolus', asDose, unitText, limits, override, ctx.nowMs);
      if (!judged.ok) return { reply: judged.reply };
      return { ml: volumeMl, events: judged.events };
    }
  }
  return { ml: volumeMl, events: [] };
}

export interface PcaRequest {
  /** The basal that runs (rounded to the rate resolution) and the basal entered (mL/h). */
  basalMlPerH: number;
  basalEnteredMlPerH: number;
  demandMl: number;
  lockoutMin: number;
  limitMl: number;
  windowH: number;
}

/**
 * A PCA program naming a library drug: the demand dose, the lockout and the window limit (as a
 * dose per hour) against the drug's PCA limits, the basal against its dose-rate limits.
 * Returns the basal as a dose rate in the drug's dose unit.
 */
export function checkPcaDrug(
  ctx: Ctx,
  drug: BolusDrug & { unit: Parameters<typeof mlPerHToDoseRate>[1] },
  req: PcaRequest,
  override: boolean,
): { basalDose: number; events: readonly PumpEvent[] } | { reply: Reply } {
  const entry = drug.entry;
  const pca = entry.pca;
  const unitText = entry.bolusUnit;
  if (!pca || !unitText) return { reply: err('NO_BOLUS', `drug ${entry.id} has no PCA entry in the library: it cannot be given by PCA`) };
  let demandDose: number | undefined;
  let limitDose: number | undefined;
  let basalDose = 0;
  let basalJudged = 0;
  const size = { weightKg: drug.weightKg };
  try {
    demandDose = bolusDoseOf(drug, req.demandMl);
    limitDose = bolusDoseOf(drug, req.limitMl);
    if (req.basalMlPerH > 0) {
      // Judged on the worse of the basal entered and the basal that runs (after rounding).
      const entered = mlPerHToDoseRate(req.basalEnteredMlPerH, drug.unit, drug.conc, size);
      const runs = mlPerHToDoseRate(req.basalMlPerH, drug.unit, drug.conc, size);
      basalDose = runs;
      basalJudged = limitRank(entered, entry.limits.doseRate) > limitRank(runs, entry.limits.doseRate) ? entered : runs;
    }
  } catch (e) {
    return { reply: err('BAD_ARG', `drug ${entry.id}: ${(e as Error).message}`) };
  }
  if (demandDose === undefined || limitDose === undefined) return { reply: err('NO_BOLUS', `drug ${entry.id} has no bolus unit in the library`) };
  const checks: [Parameters<typeof applyLimits>[0], number, string, typeof pca.demandDose | undefined][] = [
    ['demand', demandDose, unitText, pca.demandDose],
    ['lockout', req.lockoutMin, 'min', pca.lockoutMin],
    ['pcalimit', limitDose / req.windowH, `${unitText}/h (${fmtNum(limitDose)} ${unitText} in ${fmtNum(req.windowH)} h)`, pca.hourlyLimit],
  ];
  if (req.basalMlPerH > 0) checks.push(['dose', basalJudged, entry.doseUnit, entry.limits.doseRate]);
  const events: PumpEvent[] = [];
  for (const [what, value, unit, limits] of checks) {
    const judged = applyLimits(what, value, unit, limits, override, ctx.nowMs);
    if (!judged.ok) return { reply: judged.reply };
    events.push(...judged.events);
  }
  return { basalDose, events };
}
