/**
 * Time in the reference pump: between two thresholds every quantity is linear (docs/architecture.md,
 * "How the pump moves"), so time moves threshold to threshold in closed form: the VTBI, the end of
 * a bolus, the occlusion limit (line compliance, "Occlusion model"), the upstream detection volume,
 * an empty container (syringe or bag).
 */
import type { RefProgram } from './refProgram.js';
import type { RefPump } from './refPump.js';

const MS_PER_H = 3_600_000;
/** 1 mmHg in kPa (physical constant). */
const KPA_PER_MMHG = 0.133322;
/** Bound on the threshold loop of one advance (TIGER_STYLE: a limit on everything). */
const MAX_STEPS_PER_ADVANCE = 10_000;

/** Volume of the occluded line at the occlusion limit (architecture.md, "Occlusion model"). */
export function occlusionThresholdMl(pump: RefPump): number {
  return (pump.type.occlusion.limitMmHg.default - pump.type.occlusion.baseLinePressureMmHg) * KPA_PER_MMHG * pump.type.occlusion.complianceMlPerKPa;
}

/** Milliseconds from now to the next change the pump makes by itself (Infinity if none). */
export function nextThresholdInMs(pump: RefPump): number {
  const rate = pump.rateMlPerH();
  if (rate <= 0) return Infinity;
  const p = pump.program;
  let ml = Infinity;
  if (p && pump.state === 'RUNNING' && !pump.vtbiDone) ml = Math.min(ml, p.vtbiMl - pump.towardVtbiMl);
  if (pump.bolus) ml = Math.min(ml, pump.bolus.leftMl);
  if (pump.occludedDown) ml = Math.min(ml, occlusionThresholdMl(pump) - pump.storedInLineMl);
  if (pump.occludedUp) ml = Math.min(ml, pump.type.occlusion.upstreamDetectMl - pump.upstreamMovedMl);
  ml = Math.min(ml, pump.containerLeftMl);
  return (Math.max(0, ml) * MS_PER_H) / rate;
}

/**
 * The instants in (now, now + ms] at which something happens, each with how uncertain it is:
 * the pump acts at whole milliseconds, so its volumes may differ from the reference's by a few
 * µL, which at a low rate moves a threshold by much more than a millisecond.
 */
export function thresholdsWithin(pump: RefPump, ms: number, volumeSlackMl: number, minMarginMs: number): { tMs: number; marginMs: number }[] {
  const copy = pump.clone();
  const out: { tMs: number; marginMs: number }[] = [];
  const end = copy.nowMs + ms;
  for (let i = 0; i < MAX_STEPS_PER_ADVANCE; i++) {
    const dt = nextThresholdInMs(copy);
    for (const t of copy.alarms.audioChangesAfter(copy.nowMs)) if (t <= end) out.push({ tMs: t, marginMs: minMarginMs });
    if (!(copy.nowMs + dt <= end)) break;
    const rate = copy.rateMlPerH();
    step(copy, dt);
    out.push({ tMs: copy.nowMs, marginMs: minMarginMs + (volumeSlackMl * MS_PER_H) / rate });
  }
  return out.sort((a, b) => a.tMs - b.tMs);
}

export function advanceTo(pump: RefPump, targetMs: number): void {
  for (let i = 0; i < MAX_STEPS_PER_ADVANCE; i++) {
    const dt = nextThresholdInMs(pump);
    if (pump.nowMs + dt > targetMs) break;
    step(pump, dt);
  }
  flow(pump, targetMs - pump.nowMs);
  pump.nowMs = targetMs;
}

/** Move `dt` ms, then act on the threshold reached there. */
function step(pump: RefPump, dt: number): void {
  flow(pump, dt);
  pump.nowMs += dt;
  const eps = 1e-9;
  const p = pump.program;
  if (pump.bolus && pump.bolus.leftMl <= eps) pump.bolus = undefined;
  // Flow-stopping conditions first: at the same instant as the VTBI, the alarm stops the pump.
  if (pump.occludedDown && pump.storedInLineMl >= occlusionThresholdMl(pump) - eps) {
    pump.raise('OCCLUSION_DOWN');
    pump.storedInLineMl = Math.max(0, pump.storedInLineMl - pump.type.occlusion.backOffMl);
  }
  if (pump.occludedUp && pump.upstreamMovedMl >= pump.type.occlusion.upstreamDetectMl - eps) pump.raise('OCCLUSION_UP');
  if (p && pump.state === 'RUNNING' && !pump.vtbiDone && pump.towardVtbiMl >= p.vtbiMl - eps) vtbiComplete(pump, p);
  // Empty while the motor would go on drawing. A VTBI with end=stop that ends exactly as the container
  // empties (VTBI = what is loaded) stops the motor first: VTBI_COMPLETE, no CONTAINER_EMPTY (the
  // protocol page does not say which comes first; the reference's reading).
  if (pump.containerLeftMl <= eps && pump.rateMlPerH() > 0) pump.raise('CONTAINER_EMPTY');
}

function vtbiComplete(pump: RefPump, p: RefProgram): void {
  pump.vtbiDone = true;
  pump.towardVtbiMl = p.vtbiMl;
  pump.bolus = undefined;
  pump.alarms.raise('VTBI_COMPLETE');
  if (p.end === 'stop') pump.state = 'COMPLETE';
  else if (p.end === 'kvo') pump.state = 'KVO';
}

/** Deliver for `dt` ms at the present rate, counting where the volume goes. */
function flow(pump: RefPump, dt: number): void {
  const ml = (pump.rateMlPerH() * dt) / MS_PER_H;
  if (ml <= 0) return;
  if (pump.vtbiDone || pump.state === 'KVO') pump.afterVtbiMl += ml;
  else pump.towardVtbiMl += ml;
  // PCA: the window counts basal and demands, not a clinician bolus (docs/clinical.md, "PCA").
  if (pump.program?.pca && pump.bolus?.kind !== 'bolus') pump.pcaFlow.push({ t0: pump.nowMs, t1: pump.nowMs + dt, rateMlPerH: pump.rateMlPerH() });
  if (pump.bolus) pump.bolus.leftMl -= ml;
  if (pump.occludedDown) pump.storedInLineMl += ml;
  if (pump.occludedUp) pump.upstreamMovedMl += ml;
  pump.containerLeftMl -= ml;
}
