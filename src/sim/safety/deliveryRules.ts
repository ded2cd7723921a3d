/**
 * The delivery invariants: volume only grows and stays within the VTBI (plus KVO), the motor
 * moves what the announced rates integrate to, and nothing flows while flow must stop.
 */
import { ALARM_TABLE } from '../alarms/alarmTable.js';
import type { Pump } from '../pump/pump.js';
import { EPS_ML, fmt, ok } from './checkKit.js';
import { RULES, type InvariantObserver, type StepView, type Violation } from './observer.js';

/** Delivered volume never decreases (a new program starts the count again at 0; STOP clears it with the program). */
export function checkVolumeMonotonic(v: StepView): Violation[] {
  const out: Violation[] = [];
  const { prev, cur, step } = v;
  if (cur.nominalMl < prev.nominalMl - 1e-12) out.push({ rule: RULES.volumeMonotonic, detail: `motor volume went down: ${fmt(prev.nominalMl)} -> ${fmt(cur.nominalMl)} mL` });
  if (ok(step, 'PROGRAM') || ok(step, 'STOP')) {
    if (cur.viMl !== 0) out.push({ rule: RULES.volumeMonotonic, detail: `${step.cmd?.cmd === 'STOP' ? 'after STOP' : 'a new program starts at'} vi=${fmt(cur.viMl)} mL, not 0` });
  } else if (cur.viMl < prev.viMl - 1e-12) {
    out.push({ rule: RULES.volumeMonotonic, detail: `vi went down: ${fmt(prev.viMl)} -> ${fmt(cur.viMl)} mL (step: ${step.cmd?.cmd ?? 'advanceTo'})` });
  }
  return out;
}

/** Delivered volume never exceeds the VTBI entered plus what KVO (or `end=continue`) may add after it. */
export function checkVolumeWithinVtbi(v: StepView, o: InvariantObserver): Violation[] {
  const p = o.program;
  if (!p) return [];
  const bound = p.vtbiMl + p.afterVtbiAllowanceMl + EPS_ML;
  if (v.cur.viMl > bound) {
    return [{ rule: RULES.volumeWithinVtbi, detail: `vi=${fmt(v.cur.viMl)} mL is above vtbi=${fmt(p.vtbiMl)} + after-VTBI allowance ${fmt(p.afterVtbiAllowanceMl)} mL (end=${p.endAction})` }];
  }
  if (v.cur.primaryMl > p.vtbiMl + EPS_ML) return [{ rule: RULES.volumeWithinVtbi, detail: `volume counted toward the VTBI ${fmt(v.cur.primaryMl)} mL is above vtbi=${fmt(p.vtbiMl)} mL` }];
  return [];
}

/**
 * Delivery stays within the configured accuracy of the programmed integral: the motor moved the
 * integral of the rates the pump announced (to within the 1 ms rounding of each change), and the
 * mechanism's output is within the type's tolerance of that motion.
 */
export function checkAccuracy(pump: Pump, v: StepView, o: InvariantObserver): Violation[] {
  const out: Violation[] = [];
  const tel = pump.telemetry();
  const errMl = Math.abs(tel.mechanismOutputMl - tel.motorNominalMl);
  const tol = pump.mechanismToleranceMl(tel.motorNominalMl);
  if (!(errMl <= tol + 1e-12)) out.push({ rule: RULES.accuracy, detail: `mechanism output ${fmt(tel.mechanismOutputMl)} mL vs commanded ${fmt(tel.motorNominalMl)} mL: error ${fmt(errMl)} > tolerance ${fmt(tol)} mL` });
  const hi = o.announcedMl * (1 + 1e-9) + 1e-9;
  const lo = o.announcedMl - o.announcedSlackMl - 1e-9;
  if (tel.motorNominalMl > hi || tel.motorNominalMl < lo) {
    out.push({ rule: RULES.accuracy, detail: `motor moved ${fmt(tel.motorNominalMl)} mL but the announced rates integrate to ${fmt(o.announcedMl)} mL (slack ${fmt(o.announcedSlackMl)} mL) at t=${v.cur.tMs}` });
  }
  const errProg = Math.abs(tel.mechanismOutputMl - o.announcedMl);
  const tolProg = pump.mechanismToleranceMl(o.announcedMl) + o.announcedSlackMl + 1e-9;
  if (!(errProg <= tolProg)) out.push({ rule: RULES.accuracy, detail: `mechanism output ${fmt(tel.mechanismOutputMl)} mL is ${fmt(errProg)} mL from the programmed integral ${fmt(o.announcedMl)} mL (tolerance ${fmt(tolProg)})` });
  return out;
}

/**
 * No flow while a flow-stopping alarm is active: the rate is 0 now, and no volume moved during a
 * step that began with one. Nor while a flow-stopping condition (door open, container empty,
 * self-test failed) that was injected is still present, alarm or not.
 */
export function checkNoFlowInAlarm(pump: Pump, v: StepView, conditionsAtStart: InvariantObserver['conditions']): Violation[] {
  const out: Violation[] = [];
  const stopping = pump.activeAlarms.filter((a) => ALARM_TABLE[a.id].stopsFlow);
  const rate = pump.currentRateMlPerH();
  if (stopping.length > 0 && rate !== 0) out.push({ rule: RULES.noFlowInAlarm, detail: `rate ${fmt(rate)} mL/h with ${stopping.map((a) => a.id).join(',')} active (state ${v.cur.state})` });
  const moved = v.cur.nominalMl - v.prev.nominalMl;
  if (v.prev.flowStopping.length > 0 && moved > 1e-12) {
    out.push({ rule: RULES.noFlowInAlarm, detail: `${fmt(moved)} mL moved from t=${v.prev.tMs} to t=${v.cur.tMs} while ${v.prev.flowStopping.join(',')} was active` });
  }
  const present = Object.entries(conditionsAtStart).filter(([, on]) => on).map(([k]) => k);
  if (present.length > 0 && moved > 1e-12) {
    out.push({ rule: RULES.noFlowInAlarm, detail: `${fmt(moved)} mL moved from t=${v.prev.tMs} to t=${v.cur.tMs} while ${present.join(',')} (injected, not cleared); active alarms: ${pump.activeAlarms.map((a) => a.id).join(',') || 'none'}` });
  }
  return out;
}
