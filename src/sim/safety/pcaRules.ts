/** The PCA invariants: no dose inside the lockout, none beyond the window limit. */
import type { Pump } from '../pump/pump.js';
import { EPS_ML, fmt, MS_PER_H, ok } from './checkKit.js';
import { RULES, type InvariantObserver, type StepView, type Violation } from './observer.js';

/** PCA never doses inside the lockout. */
export function checkPcaLockout(v: StepView, o: InvariantObserver): Violation[] {
  const pca = o.program?.pca;
  if (!pca || !ok(v.step, 'DEMAND')) return [];
  const prevStart = o.demandStarts[o.demandStarts.length - 1];
  if (prevStart !== undefined && v.cur.tMs - prevStart < pca.lockoutMs) {
    return [{ rule: RULES.pcaLockout, detail: `demand granted at t=${v.cur.tMs}, ${v.cur.tMs - prevStart} ms after the one at t=${prevStart}; lockout is ${pca.lockoutMs} ms` }];
  }
  return [];
}

/** A lower bound of the PCA volume in the window ending at `nowMs`, from the observer's own record. */
export function pcaWindowLowerBoundMl(o: InvariantObserver, nowMs: number): number {
  const pca = o.program?.pca;
  if (!pca) return 0;
  let ml = 0;
  for (const s of o.pcaSegments) if (s.startMs >= nowMs - pca.windowMs) ml += s.ml;
  return ml;
}

/** PCA never doses beyond its window limit (the pump's own count, and the observer's lower bound). */
export function checkPcaWindowLimit(pump: Pump, v: StepView, o: InvariantObserver): Violation[] {
  const pca = o.program?.pca;
  if (!pca || !pump.currentProgram?.pca) return [];
  const out: Violation[] = [];
  const tel = pump.telemetry();
  if (tel.pcaWindowMl > pca.limitMl + EPS_ML) out.push({ rule: RULES.pcaWindowLimit, detail: `pump counts ${fmt(tel.pcaWindowMl)} mL in the window, limit ${fmt(pca.limitMl)} mL` });
  const lb = pcaWindowLowerBoundMl(o, v.cur.tMs);
  if (lb > pca.limitMl + EPS_ML) out.push({ rule: RULES.pcaWindowLimit, detail: `at least ${fmt(lb)} mL of basal and demand delivered in the ${pca.windowMs / MS_PER_H} h window ending t=${v.cur.tMs}; limit ${fmt(pca.limitMl)} mL` });
  if (ok(v.step, 'DEMAND') && pcaWindowLowerBoundMl(o, v.prev.tMs) >= pca.limitMl - EPS_ML) {
    out.push({ rule: RULES.pcaWindowLimit, detail: `demand granted at t=${v.cur.tMs} with the window already at its limit` });
  }
  return out;
}
