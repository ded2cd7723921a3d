/**
 * The drug-limit invariants, judged against the library (written here again, so a broken pump
 * check cannot hide): no program runs beyond a hard limit, a soft-limit breach needs a logged
 * override, no bolus, loading dose or PCA demand beyond its hard limit, and every rate is rounded
 * and inside the pump type's range.
 */
import { mlPerHToDoseRate, mlToDoseAmount, parseDoseAmountUnit } from '../dosing/doseUnits.js';
import type { DrugEntry, Limits } from '../druglib/schema.js';
import type { Pump } from '../pump/pump.js';
import { flowing, fmt, LIMIT_REL_EPS, limitVerdict, overridesIn } from './checkKit.js';
import { RULES, type InvariantObserver, type StepView, type Violation } from './observer.js';

/** The limits in force for a drug: the selected care area's entry for it (else the entry programmed). */
function entryInForce(pump: Pump, entry: DrugEntry): { entry: DrugEntry; inArea: boolean } {
  const areaEntry = pump.careArea?.drugs.find((d) => d.id === entry.id);
  return areaEntry ? { entry: areaEntry, inArea: true } : { entry, inArea: false };
}

/** The dose the running program's rate really delivers, in the drug's unit (re-derived from the rate). */
function deliveredDose(pump: Pump): number | undefined {
  const p = pump.currentProgram;
  const d = p?.drug;
  if (!p || !d) return undefined;
  try {
    return mlPerHToDoseRate(p.rateMlPerH, d.unit, d.conc, { weightKg: d.weightKg });
  } catch {
    return undefined;
  }
}

/**
 * The bolus doses an accepted command asks for, with the library entry whose bolus limits bind
 * them: a bolus by dose (the care area's entry in force), a loading dose (the entry programmed).
 * Both the hard-limit and the soft-limit rule judge this list.
 */
function acceptedBolusDoses(pump: Pump, v: StepView): { what: string; dose: number; entry: DrugEntry }[] {
  const c = v.step.cmd;
  const drug = pump.currentProgram?.drug;
  if (!v.step.reply?.ok || !drug) return [];
  if (c?.cmd === 'BOLUS' && c.dose !== undefined) return [{ what: 'bolus dose', dose: c.dose, entry: entryInForce(pump, drug.entry).entry }];
  if (c?.cmd === 'PROGRAM' && c.drugId !== undefined && c.load !== undefined) return [{ what: 'loading dose', dose: c.load, entry: drug.entry }];
  return [];
}

/** No program outside a hard limit ever runs; no bolus or loading dose outside a hard limit is accepted. */
export function checkHardLimits(pump: Pump, v: StepView): Violation[] {
  const out: Violation[] = [];
  const p = pump.currentProgram;
  // A PCA basal of 0 (demand only) is no dose rate to judge.
  if (p?.drug && flowing(v.cur.state) && !(p.mode === 'pca' && p.rateMlPerH === 0)) {
    const d = p.drug;
    const { entry, inArea } = entryInForce(pump, d.entry);
    if (pump.careArea && !inArea) out.push({ rule: RULES.hardLimit, detail: `drug ${d.entry.id} runs but is not in the selected care area ${pump.careArea.id}` });
    const dose = deliveredDose(pump);
    for (const [label, value] of [['programmed dose', d.dose], ['dose delivered by the rate', dose]] as const) {
      if (value === undefined) continue;
      for (const e of [d.entry, entry]) {
        if (limitVerdict(value, e.limits.doseRate) === 'hard') {
          out.push({ rule: RULES.hardLimit, detail: `${label} ${fmt(value)} ${e.doseUnit} of ${e.id} is outside the hard limits ${JSON.stringify(e.limits.doseRate)} and runs (${v.cur.state})` });
          break;
        }
      }
    }
    if (limitVerdict(p.vtbiMl, entry.limits.vtbiMl) === 'hard') out.push({ rule: RULES.hardLimit, detail: `vtbi ${fmt(p.vtbiMl)} mL of ${entry.id} is outside the hard limits and runs` });
  }
  for (const a of acceptedBolusDoses(pump, v)) {
    if (limitVerdict(a.dose, a.entry.limits.bolusDose) === 'hard') out.push({ rule: RULES.hardLimit, detail: `${a.what} ${fmt(a.dose)} of ${a.entry.id} is outside the hard limits but was accepted` });
  }
  return out;
}

/** A soft-limit breach runs only after an override logged with the command that set it. */
export function checkSoftLimitOverride(pump: Pump, v: StepView, o: InvariantObserver): Violation[] {
  const out: Violation[] = [];
  const p = pump.currentProgram;
  const rec = o.program;
  if (p?.drug && rec && flowing(v.cur.state) && !(p.mode === 'pca' && p.rateMlPerH === 0)) {
    const { entry } = entryInForce(pump, p.drug.entry);
    const dose = deliveredDose(pump) ?? p.drug.dose;
    if (limitVerdict(dose, entry.limits.doseRate) === 'soft' && !rec.doseOverrideLogged) {
      out.push({ rule: RULES.softLimitOverride, detail: `dose ${fmt(dose)} ${entry.doseUnit} of ${entry.id} is beyond a soft limit ${JSON.stringify(entry.limits.doseRate)} and runs with no logged OVERRIDE what=dose` });
    }
    if (limitVerdict(p.vtbiMl, entry.limits.vtbiMl) === 'soft' && !rec.vtbiOverrideLogged) {
      out.push({ rule: RULES.softLimitOverride, detail: `vtbi ${fmt(p.vtbiMl)} mL of ${entry.id} is beyond a soft limit and runs with no logged OVERRIDE what=vtbi` });
    }
  }
  const accepted = acceptedBolusDoses(pump, v);
  if (accepted.length > 0 && !overridesIn(v.newEntries).has('bolus')) {
    for (const a of accepted) {
      if (limitVerdict(a.dose, a.entry.limits.bolusDose) === 'soft') out.push({ rule: RULES.softLimitOverride, detail: `${a.what} ${fmt(a.dose)} of ${a.entry.id} beyond a soft limit was accepted with no logged OVERRIDE what=bolus` });
    }
  }
  return out;
}

// ------------------------------------------------------------------ bolus and rate limits

/** The library entry the observed program named, in the selected care area (public). */
function observedEntry(pump: Pump, o: InvariantObserver): DrugEntry | undefined {
  const id = o.program?.drugId;
  return id === undefined ? undefined : pump.careArea?.drugs.find((d) => d.id === id);
}

/** `volumeMl` of this drug as a dose in its bolus unit (undefined when it has none or it does not convert). */
function bolusDose(entry: DrugEntry, volumeMl: number, weightKg: number | undefined): number | undefined {
  if (!entry.bolusUnit) return undefined;
  try {
    return mlToDoseAmount(volumeMl, parseDoseAmountUnit(entry.bolusUnit), entry.concentration, { weightKg });
  } catch {
    return undefined;
  }
}

/**
 * No bolus, loading dose or PCA demand above the drug's hard limit, in any unit: what was asked
 * (the command, or the program's demand) and what was delivered (BOLUS_END) are both turned into
 * the drug's bolus unit. A drug with no bolus entry gets no bolus or loading dose (unless the
 * library allows a bolus without limits) and a drug with no PCA entry no demand.
 */
export function checkBolusLimits(pump: Pump, v: StepView, o: InvariantObserver): Violation[] {
  const c = v.step.cmd;
  const accepted = v.step.reply?.ok === true;
  const bolusCmd = accepted && c?.cmd === 'BOLUS';
  const loadCmd = accepted && c?.cmd === 'PROGRAM' && c.load !== undefined;
  const demandCmd = accepted && c?.cmd === 'DEMAND';
  const pcaProgram = accepted && c?.cmd === 'PROGRAM' && c.mode === 'pca';
  let ends = false;
  for (const e of v.events) if (e.type === 'BOLUS_END') ends = true;
  if (!bolusCmd && !loadCmd && !demandCmd && !pcaProgram && !ends) return [];
  const entry = observedEntry(pump, o);
  if (!entry) return [];
  const out: Violation[] = [];
  const w = o.program?.weightKg;
  const noBolus = !(entry.limits.bolusDose && entry.bolusUnit) && entry.bolusWithoutLimits !== true;
  const judge = (label: string, dose: number | undefined, limits: Limits | undefined): void => {
    if (dose !== undefined && limitVerdict(dose, limits) === 'hard') out.push({ rule: RULES.bolusLimit, detail: `${label}: ${fmt(dose)} ${entry.bolusUnit ?? ''} of ${entry.id} is beyond the hard limits ${JSON.stringify(limits)}` });
  };
  if ((bolusCmd || loadCmd) && noBolus) out.push({ rule: RULES.bolusLimit, detail: `${c?.cmd === 'BOLUS' ? 'bolus' : 'loading dose'} of ${entry.id}, which has no bolus entry in the library, was accepted` });
  if (bolusCmd && c.cmd === 'BOLUS') judge(`bolus ${c.dose !== undefined ? `dose=${fmt(c.dose)}` : `volume=${fmt(c.volumeMl ?? 0)} mL`} accepted`, c.dose ?? bolusDose(entry, c.volumeMl ?? 0, w), entry.limits.bolusDose);
  if (loadCmd && c.cmd === 'PROGRAM') judge('loading dose accepted', c.load, entry.limits.bolusDose);
  const pca = o.program?.pca;
  if ((demandCmd || pcaProgram) && pca) {
    if (!entry.pca) out.push({ rule: RULES.bolusLimit, detail: `PCA of ${entry.id}, which has no PCA entry in the library, was accepted` });
    else judge(`demand of ${fmt(pca.demandMl)} mL ${demandCmd ? 'granted' : 'programmed'}`, bolusDose(entry, pca.demandMl, w), entry.pca.demandDose);
  }
  for (const e of v.events) {
    if (e.type !== 'BOLUS_END' || e.volumeMl <= 0) continue;
    const limits = e.kind === 'demand' ? entry.pca?.demandDose : entry.limits.bolusDose;
    judge(`${e.kind} delivered (${fmt(e.volumeMl)} mL)`, bolusDose(entry, e.volumeMl, w), limits);
  }
  return out;
}

/** Is `rate` a step of the pump type's rate resolution? */
function onGrid(pump: Pump, rateMlPerH: number): boolean {
  const steps = pump.type.rateResolution;
  const step = steps.find((s) => rateMlPerH < s.belowMlPerH) ?? steps[steps.length - 1];
  const n = rateMlPerH / (step?.resolutionMlPerH ?? 0.01);
  return Math.abs(n - Math.round(n)) < 1e-6;
}

/**
 * Every rate a program runs is a rounded rate (a step of the resolution) inside the pump type's
 * range (a PCA basal may be 0). For a library drug, the dose that rounded rate delivers is held to
 * the hard limits by `checkHardLimits` (re-derived from the rate, so after rounding).
 */
export function checkRateLimits(pump: Pump, v: StepView): Violation[] {
  const p = pump.currentProgram;
  if (!p || !(v.cur.state === 'RUNNING' || v.cur.state === 'KVO' || v.cur.state === 'PAUSED' || v.cur.state === 'PROGRAMMED')) return [];
  const r = p.rateMlPerH;
  if (p.mode === 'pca' && r === 0) return [];
  const out: Violation[] = [];
  const t = pump.type;
  if (!onGrid(pump, r)) out.push({ rule: RULES.rateLimit, detail: `rate ${r} mL/h of the ${p.mode} program is not a step of the ${t.id} rate resolution (not rounded)` });
  if (!(r >= t.minRateMlPerH * (1 - LIMIT_REL_EPS) && r <= t.maxRateMlPerH * (1 + LIMIT_REL_EPS))) out.push({ rule: RULES.rateLimit, detail: `rate ${fmt(r)} mL/h is outside the ${t.id} range ${t.minRateMlPerH} to ${t.maxRateMlPerH} mL/h (${v.cur.state})` });
  return out;
}
