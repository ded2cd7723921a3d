/**
 * Safety invariants of a pump, as pure checkers. The model-based property tests check them after
 * every step; the scenario harness may check them too. Nothing here depends on a test framework.
 *
 * Use: make one `InvariantObserver` per pump right after creating it (it must be the only caller
 * of `pump.takeEvents()`), then after every step (one command, or one direct `advanceTo`) call
 * `checkPumpInvariants(pump, observer, { cmd, reply })`. It returns the violations of that step
 * (empty when all is well) and moves the observer on.
 *
 * The checks lean on what the pump says in public (replies, events, the log, status, telemetry)
 * and on what the observer saw sent to it (the commands), not on the pump's private state, so a
 * broken pump cannot vouch for itself.
 *
 * This file is the step: it moves the observer (observer.ts) on and runs the checkers in CHECKS,
 * which live by subject: deliveryRules.ts (volume, accuracy, no flow in alarm), limitRules.ts
 * (drug library limits, rates), pcaRules.ts, recordRules.ts (latching alarms, the log, ERR) and
 * loadServiceAudio.ts. It returns the violations; the events it took are the caller's to pass in
 * (`StepRecord.events`) when the caller needs them too.
 */
import type { Pump } from '../pump/pump.js';
import type { LogEntry } from '../trace/eventLog.js';
import { EPS_ML, MS_PER_H, ok, overridesIn } from './checkKit.js';
import { checkAccuracy, checkNoFlowInAlarm, checkVolumeMonotonic, checkVolumeWithinVtbi } from './deliveryRules.js';
import { checkBolusLimits, checkHardLimits, checkRateLimits, checkSoftLimitOverride } from './limitRules.js';
import { snapshot, RULES, type InvariantObserver, type StepRecord, type StepView, type Violation } from './observer.js';
import { checkPcaLockout, checkPcaWindowLimit } from './pcaRules.js';
import { checkErrChangesNothing, checkLatchingAlarms, checkLog } from './recordRules.js';

export { InvariantObserver, RULES, snapshot, type ProgramRecord, type PumpSnapshot, type RuleId, type StepRecord, type StepView, type Violation } from './observer.js';
export { limitVerdict } from './checkKit.js';

/** What every checker may read of one step. */
interface CheckInput {
  pump: Pump;
  v: StepView;
  o: InvariantObserver;
  /** The injected flow-stopping conditions as they were when the step began. */
  conditionsAtStart: InvariantObserver['conditions'];
}

/** Every invariant, in the order its violations are reported. */
const CHECKS: readonly ((c: CheckInput) => readonly Violation[])[] = [
  ({ v }) => checkVolumeMonotonic(v),
  ({ v, o }) => checkVolumeWithinVtbi(v, o),
  ({ pump, v, o }) => checkAccuracy(pump, v, o),
  ({ pump, v }) => checkHardLimits(pump, v),
  ({ pump, v, o }) => checkSoftLimitOverride(pump, v, o),
  ({ pump, v, conditionsAtStart }) => checkNoFlowInAlarm(pump, v, conditionsAtStart),
  ({ v, o }) => checkPcaLockout(v, o),
  ({ pump, v, o }) => checkPcaWindowLimit(pump, v, o),
  ({ v }) => checkLatchingAlarms(v),
  ({ pump, v, o }) => checkLog(pump, v, o),
  ({ v }) => checkErrChangesNothing(v),
  ({ v, o }) => o.lsa.step({ cmd: v.step.cmd, reply: v.step.reply, events: v.events, prev: v.prev, cur: v.cur }),
  ({ pump, v, o }) => checkBolusLimits(pump, v, o),
  ({ pump, v }) => checkRateLimits(pump, v),
];

function newLogEntries(pump: Pump, fromSeq: number): LogEntry[] {
  const kept = pump.log.all();
  const out: LogEntry[] = [];
  for (let i = kept.length - 1; i >= 0; i--) {
    const e = kept[i];
    if (!e || e.seq < fromSeq) break;
    out.push(e);
  }
  return out.reverse();
}

/** Check every invariant after one step and move the observer on. Returns the violations (empty if none). */
export function checkPumpInvariants(pump: Pump, o: InvariantObserver, step: StepRecord = {}): Violation[] {
  const prev = o.last;
  const cur = snapshot(pump);
  const events = step.events ?? pump.takeEvents();
  const newEntries = newLogEntries(pump, prev.logLength);
  const v: StepView = { step, prev, cur, events, newEntries };
  const c = step.cmd;
  const conditionsAtStart = { ...o.conditions };

  // Integral of the announced rates over the step (piecewise constant between RATE events).
  const announcedBefore = o.announcedMl;
  let rate = prev.rateMlPerH;
  let t = prev.tMs;
  let maxRate = rate;
  let changes = 0;
  for (const e of events) {
    if (e.type === 'RATE') {
      o.announcedMl += (rate * Math.max(0, e.tMs - t)) / MS_PER_H;
      rate = e.rateMlPerH;
      t = Math.max(t, e.tMs);
      maxRate = Math.max(maxRate, rate);
    }
    if (e.type === 'RATE' || e.type === 'STATE' || e.type === 'BOLUS_END' || e.type === 'VTBI_DONE') changes++;
  }
  o.announcedMl += (rate * Math.max(0, cur.tMs - t)) / MS_PER_H;
  // Each change may land up to 1 ms late (wakes are whole ms, the overrun is cut); a PCA window at
  // its limit cuts every wake by up to 1 ms too, which is 1e-5 of the volume at most.
  if (cur.tMs > prev.tMs) o.announcedSlackMl += ((changes + 1) * maxRate) / MS_PER_H + 1e-5 * (o.announcedMl - announcedBefore);

  // The program as entered.
  if (ok(step, 'PROGRAM') && c?.cmd === 'PROGRAM') {
    const logged = overridesIn(newEntries);
    o.program = {
      vtbiMl: c.vtbiMl ?? 0,
      endAction: c.endAction ?? 'kvo',
      kvoMlPerH: c.kvoMlPerH ?? pump.type.defaultKvoMlPerH,
      hasLoad: c.load !== undefined,
      doseOverrideLogged: logged.has('dose'),
      vtbiOverrideLogged: logged.has('vtbi'),
      afterVtbiAllowanceMl: 0,
      pca:
        c.mode === 'pca' && c.lockoutMin !== undefined && c.limitMl !== undefined && c.windowH !== undefined
          ? { lockoutMs: c.lockoutMin * 60_000, limitMl: c.limitMl, windowMs: c.windowH * MS_PER_H, demandMl: c.demandMl ?? 0 }
          : undefined,
      drugId: c.drugId,
      weightKg: c.weightKg,
    };
    o.demandStarts = [];
    o.pcaSegments = [];
    o.nonPcaBolusActive = false;
  }
  if (ok(step, 'TITRATE') && o.program) o.program.doseOverrideLogged = overridesIn(newEntries).has('dose');

  // Volume allowed after the VTBI (KVO at most the KVO rate and never above the programmed rate; continue at the programmed rate).
  const p = o.program;
  if (p && cur.tMs > prev.tMs && cur.primaryMl >= p.vtbiMl - EPS_ML) {
    const afterRate = p.endAction === 'stop' ? 0 : p.endAction === 'kvo' ? Math.min(p.kvoMlPerH, prev.programRateMlPerH) : prev.programRateMlPerH;
    o.program = { ...p, afterVtbiAllowanceMl: p.afterVtbiAllowanceMl + (afterRate * (cur.tMs - prev.tMs)) / MS_PER_H };
  }

  // PCA volume record: a step with no clinician or loading bolus counts all its VTBI volume.
  let bolusDuringStep = o.nonPcaBolusActive;
  if (ok(step, 'BOLUS') || (ok(step, 'START') && o.program?.hasLoad)) {
    o.nonPcaBolusActive = true;
    bolusDuringStep = true;
  }
  for (const e of events) if (e.type === 'BOLUS_END' && e.kind !== 'demand') o.nonPcaBolusActive = false;
  const dPrimary = ok(step, 'PROGRAM') ? 0 : cur.primaryMl - prev.primaryMl;
  if (o.program?.pca && !bolusDuringStep && dPrimary > 0) o.pcaSegments.push({ startMs: prev.tMs, endMs: cur.tMs, ml: dPrimary });

  const violations = CHECKS.flatMap((check) => check({ pump, v, o, conditionsAtStart }));

  // Move on.
  if (ok(step, 'DEMAND')) o.demandStarts.push(cur.tMs);
  if (o.program?.pca) {
    const w = o.program.pca.windowMs;
    o.pcaSegments = o.pcaSegments.filter((s) => s.endMs > cur.tMs - w);
    const lockout = o.program.pca.lockoutMs;
    o.demandStarts = o.demandStarts.filter((d, i, a) => i === a.length - 1 || d > cur.tMs - lockout);
  }
  if (c?.cmd === 'INJECT' && step.reply?.ok) {
    const i = c.input;
    if (i.sensor === 'door') o.conditions.doorOpen = i.value === 'open';
    if (i.sensor === 'container') o.conditions.containerEmpty = i.value === 'empty';
    if (i.sensor === 'selftest') o.conditions.selfTestFailed = i.value === 'fail';
  }
  o.last = cur;
  o.steps++;
  return violations;
}

/** The checks worth doing once at the end of a run when `fullLogVerify` is off. */
export function finalCheck(pump: Pump): Violation[] {
  const bad = pump.log.verify();
  return bad === -1 ? [] : [{ rule: RULES.logChain, detail: `log.verify() fails at seq ${bad}` }];
}

export function formatViolations(vs: readonly Violation[]): string {
  return vs.map((x) => `[${x.rule}] ${x.detail}`).join('\n');
}
