/**
 * The infusion in progress: the program, the volume counted toward the VTBI and after it, the
 * bolus (clinician, loading or PCA demand) and the PCA window. It gives the rate the motor runs
 * at, the next instant one of its thresholds is reached, and the volume a stretch of motion adds
 * to its counters; the pump's state machine acts on what falls due (pump.ts, `processRunning`).
 */
import { PcaWindow } from '../dosing/pcaWindow.js';
import type { PumpState } from '../trace/events.js';
import type { Program } from './programming.js';

const MS_PER_H = 3_600_000;

export interface ActiveBolus {
  kind: 'bolus' | 'loading' | 'demand';
  volumeMl: number;
  remainingMl: number;
  rateMlPerH: number;
  /** Less than asked from the start (a PCA demand cut at the window limit or the VTBI). */
  cut?: boolean | undefined;
}

export class Infusion {
  program: Program | undefined;
  /** Volume counted toward the VTBI (primary, boluses, loading, PCA). */
  primaryMl = 0;
  /** Volume after the VTBI (KVO or continue). */
  afterVtbiMl = 0;
  vtbiDone = false;
  bolus: ActiveBolus | undefined;
  loadingPending = false;
  nearEndRaised = false;
  pca: PcaWindow | undefined;
  pcaSuspended = false;
  lastDemandStartMs = -Infinity;

  /** A new program replaces the old one: every counter starts again. */
  load(p: Program): void {
    this.program = p;
    this.primaryMl = 0;
    this.afterVtbiMl = 0;
    this.vtbiDone = false;
    this.nearEndRaised = false;
    this.bolus = undefined;
    this.loadingPending = p.loading !== undefined;
    this.pca = p.pca ? new PcaWindow(p.pca.windowMs) : undefined;
    this.pcaSuspended = false;
    this.lastDemandStartMs = -Infinity;
  }

  /** STOP: the program and its volume counter go (docs/protocol.md, STOP). */
  clear(): void {
    this.program = undefined;
    this.primaryMl = 0;
    this.afterVtbiMl = 0;
  }

  get viMl(): number {
    return this.primaryMl + this.afterVtbiMl;
  }

  /** The rate the motor runs at in this state (mL/h). */
  rateMlPerH(state: PumpState): number {
    const p = this.program;
    if (!p) return 0;
    if (state === 'KVO') return kvoRate(p);
    if (state !== 'RUNNING') return 0;
    if (this.bolus) return this.bolus.rateMlPerH;
    if (p.pca && this.pcaSuspended) return 0;
    return p.rateMlPerH;
  }

  /** The earliest instant (unrounded) one of the infusion's thresholds is reached; Infinity if none. */
  wakeMs(nowMs: number, state: PumpState, rate: number, nearEndLeadMs: number): number {
    const p = this.program;
    let next = Infinity;
    const at = (ml: number, r: number): number => (r > 0 ? nowMs + (ml * MS_PER_H) / r : Infinity);
    if (p && state === 'RUNNING' && rate > 0 && !this.vtbiDone) {
      next = Math.min(next, at(p.vtbiMl - this.primaryMl, rate));
      if (this.bolus) next = Math.min(next, at(this.bolus.remainingMl, rate));
      if (!this.nearEndRaised && !this.bolus) {
        const leadMl = (p.rateMlPerH * nearEndLeadMs) / MS_PER_H;
        next = Math.min(next, at(p.vtbiMl - this.primaryMl - leadMl, rate));
      }
      // Only delivery that counts toward the PCA window (basal, demand) can reach its limit.
      const countsForPca = !this.pcaSuspended && (!this.bolus || this.bolus.kind === 'demand');
      if (p.pca && this.pca && countsForPca) next = Math.min(next, at(p.pca.limitMl - pcaMarginMl(rate) - this.pca.totalMl(nowMs), rate));
    }
    if (p?.pca && this.pca && this.pcaSuspended && state === 'RUNNING') {
      next = Math.min(next, this.pca.msWhenTotalFallsTo(nowMs, pcaResumeBelowMl(p)));
    }
    return next;
  }

  /**
   * Count `dvMl` of motion from `fromMs` to `toMs`: toward the VTBI while running (never past the
   * VTBI, the bolus or the PCA limit), after it otherwise. Returns the volume counted.
   */
  integrate(fromMs: number, toMs: number, dvMl: number, state: PumpState): number {
    const p = this.program;
    if (!p) return 0;
    let dv = dvMl;
    if (state === 'RUNNING' && !this.vtbiDone) {
      dv = Math.min(dv, Math.max(0, p.vtbiMl - this.primaryMl));
      if (this.bolus) dv = Math.min(dv, this.bolus.remainingMl);
      const countsForPca = p.pca && this.pca && (!this.bolus || this.bolus.kind === 'demand');
      if (countsForPca && this.pca && p.pca) dv = Math.min(dv, Math.max(0, p.pca.limitMl - this.pca.totalMl(fromMs)));
      this.primaryMl += dv;
      if (this.bolus) this.bolus.remainingMl -= dv;
      if (countsForPca && this.pca) this.pca.add(fromMs, toMs, dv);
    } else {
      this.afterVtbiMl += dv;
    }
    return dv;
  }
}

/** KVO is never above the programmed rate (docs/clinical.md#kvo-and-end-of-infusion). */
export function kvoRate(p: Program): number {
  return Math.min(p.kvoSetMlPerH, p.rateMlPerH);
}

/**
 * The PCA limit counts as reached within one millisecond of delivery at this rate: old volume
 * leaves the window as new comes in, so the total can hover just under the limit forever.
 */
export function pcaMarginMl(rateMlPerH: number): number {
  return Math.max(1e-6, (rateMlPerH * 2) / MS_PER_H);
}

/** Resume basal once the window has room for 15 min of it (or one demand dose). */
export function pcaResumeBelowMl(p: Program): number {
  const pca = p.pca;
  if (!pca) return 0;
  return Math.max(0, pca.limitMl - Math.max((p.rateMlPerH * 15) / 60, 0.01));
}
