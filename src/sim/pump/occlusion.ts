/**
 * The occlusion sensors. Downstream: the volume pumped into a blocked line raises its pressure
 * through the line's compliance (P = P_base + V/C), and the alarm sounds at the limit; upstream:
 * the alarm comes after the mechanism has tried to move a set volume (docs/clinical.md,
 * "Occlusion"; figures in the pump type's `occlusion` group).
 */
import type { AlarmId } from '../alarms/alarmTable.js';
import { NO_EFFECTS, clear, raise, type Effect } from './effects.js';
import { KPA_PER_MMHG } from './pumpTypes.js';

const MS_PER_H = 3_600_000;
const EPS_ML = 1e-9;

export interface OcclusionConfig {
  /** Downstream occlusion limit (mmHg), settable range and default. 1 psi = 51.715 mmHg. */
  limitMmHg: { min: number; max: number; default: number };
  /** Resting line pressure (mmHg). */
  baseLinePressureMmHg: number;
  /** Line (or syringe and line) compliance (mL per kPa): time to alarm ~ ΔP·C/Q. */
  complianceMlPerKPa: number;
  /** Volume the mechanism backs off after an occlusion alarm (mL); bounds the bolus on clearing. */
  backOffMl: number;
  /** Largest bolus released on clearing an occlusion (mL). docs/clinical.md#occlusion: at most 0.5 mL. */
  maxClearingBolusMl: number;
  /** Upstream occlusion is detected after the mechanism tries to move this much (mL). */
  upstreamDetectMl: number;
}

export class Occlusion {
  down = false;
  up = false;
  /** Volume held in the line by a downstream occlusion (mL). */
  storedInLineMl = 0;
  /** Motion tried against an upstream occlusion (mL). */
  upstreamMovedMl = 0;
  /** Largest bolus released on clearing an occlusion (mL). */
  largestClearingBolusMl = 0;
  readonly limitMmHg: number;

  /**
   * `delayFactor`: the running firmware's occlusion alarm defect (1 when it has none; lets more
   * volume build up before the alarm).
   */
  constructor(
    private readonly config: OcclusionConfig,
    limitMmHg: number | undefined,
    private readonly delayFactor: () => number,
  ) {
    limitMmHg ??= config.limitMmHg.default;
    const lim = config.limitMmHg;
    if (!(limitMmHg >= lim.min && limitMmHg <= lim.max)) throw new RangeError(`occlusion limit ${limitMmHg} mmHg is outside ${lim.min} to ${lim.max} mmHg`);
    this.limitMmHg = limitMmHg;
  }

  /** The volume pumped into a blocked line at which the downstream alarm sounds. */
  thresholdMl(): number {
    const kPa = (this.limitMmHg - this.config.baseLinePressureMmHg) * KPA_PER_MMHG;
    return Math.max(0, kPa * this.config.complianceMlPerKPa) * this.delayFactor();
  }

  /** INJECT occlusion=down|up|clear. Clearing releases the pressure in the line into the patient. */
  input(value: 'down' | 'up' | 'clear', nowMs: number): readonly Effect[] {
    if (value === 'down') this.down = true;
    else if (value === 'up') this.up = true;
    else {
      const effects: Effect[] = [];
      if (this.down || this.storedInLineMl > 0) {
        // docs/clinical.md#occlusion: at most 0.5 mL is released on clearing (the back-off relieves the rest).
        const bolus = Math.min(this.storedInLineMl, this.config.maxClearingBolusMl);
        this.largestClearingBolusMl = Math.max(this.largestClearingBolusMl, bolus);
        effects.push({ event: { type: 'CLEAR_BOLUS', tMs: nowMs, volumeMl: bolus } });
      }
      this.down = false;
      this.up = false;
      this.storedInLineMl = 0;
      this.upstreamMovedMl = 0;
      effects.push(clear('OCCLUSION_DOWN'), clear('OCCLUSION_UP'));
      return effects;
    }
    return NO_EFFECTS;
  }

  /** The next instant (unrounded) a threshold is reached at this rate; Infinity if none. */
  wakeMs(nowMs: number, rateMlPerH: number): number {
    if (!(rateMlPerH > 0)) return Infinity;
    let next = Infinity;
    if (this.down) next = nowMs + ((this.thresholdMl() - this.storedInLineMl) * MS_PER_H) / rateMlPerH;
    if (this.up) next = Math.min(next, nowMs + ((this.config.upstreamDetectMl - this.upstreamMovedMl) * MS_PER_H) / rateMlPerH);
    return next;
  }

  /** How long until an alarm at this rate (Infinity when nothing is occluded or nothing flows). */
  alarmDueInMs(rateMlPerH: number): number {
    if (rateMlPerH <= 0) return Infinity;
    let ml = Infinity;
    if (this.down) ml = Math.min(ml, Math.max(0, this.thresholdMl() - this.storedInLineMl));
    if (this.up) ml = Math.min(ml, Math.max(0, this.config.upstreamDetectMl - this.upstreamMovedMl));
    return (ml * MS_PER_H) / rateMlPerH;
  }

  /** The mechanism moved `dvMl` of commanded motion. */
  integrate(dvMl: number): void {
    if (this.down) this.storedInLineMl += dvMl;
    if (this.up) this.upstreamMovedMl += dvMl;
  }

  /** The alarms reached now. After the downstream alarm the mechanism backs off to relieve the line. */
  due(active: { has(id: AlarmId): boolean }): readonly Effect[] {
    let effects = NO_EFFECTS;
    if (this.down && this.storedInLineMl >= this.thresholdMl() - EPS_ML && !active.has('OCCLUSION_DOWN')) {
      this.storedInLineMl = Math.max(0, this.storedInLineMl - this.config.backOffMl);
      effects = [raise('OCCLUSION_DOWN')];
    }
    if (this.up && this.upstreamMovedMl >= this.config.upstreamDetectMl - EPS_ML && !active.has('OCCLUSION_UP')) {
      effects = [...effects, raise('OCCLUSION_UP')];
    }
    return effects;
  }
}
