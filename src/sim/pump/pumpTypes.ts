/**
 * Pump types as data. A syringe pump and a large-volume pump differ here, not in code.
 * Every figure and its source: docs/clinical.md (vendor manuals, ECRI, FDA; "typical" where no primary source).
 * Each peripheral has its group of figures (`mechanism`, `occlusion`, `air`, `container`,
 * `battery`), read by its own unit; the door has no figures.
 */
import type { BatteryConfig } from '../power/battery.js';
import type { AirConfig } from './air.js';
import type { ContainerConfig } from './container.js';
import type { MechanismConfig } from './mechanism.js';
import type { OcclusionConfig } from './occlusion.js';

export interface RateResolutionStep {
  /** The resolution applies to rates below this bound (mL/h). */
  belowMlPerH: number;
  resolutionMlPerH: number;
}

/**
 * Where the accuracy claim holds. From `fromRateMlPerH` to the type's maximum rate, the overall
 * error A and every 31-min window of the trumpet curve are within ±accuracyFraction. Below it,
 * whole strokes dominate short windows (at 0.1 mL/h a 0.05 mL stroke comes every 30 min), so only
 * the overall error A is claimed, within ±belowFraction (docs/clinical.md#accuracy).
 */
export interface AccuracyRange {
  /** Lowest rate of the claim (mL/h); it holds up to maxRateMlPerH. */
  fromRateMlPerH: number;
  /** Below `fromRateMlPerH`: the claim on the overall error A only, as a fraction. */
  belowFraction: number;
}

export interface PumpType {
  id: 'lvp' | 'syringe';
  name: string;
  minRateMlPerH: number;
  maxRateMlPerH: number;
  /** Programmed rates are rounded to these steps (first matching bound wins). */
  rateResolution: RateResolutionStep[];
  minVtbiMl: number;
  maxVtbiMl: number;
  /** Claimed accuracy as a fraction (0.05 = ±5%) over the long term (IEC 60601-2-24 overall error A). */
  accuracyFraction: number;
  /** The rate range over which `accuracyFraction` is claimed, and the claim below it (docs/clinical.md#accuracy). */
  accuracyRange: AccuracyRange;
  /** The stepper and its stroke (mechanism.ts). */
  mechanism: MechanismConfig;
  /** Bolus range (mL, mL/h). */
  minBolusMl: number;
  maxBolusMl: number;
  minBolusRateMlPerH: number;
  maxBolusRateMlPerH: number;
  defaultBolusRateMlPerH: number;
  /** KVO rate range and default (mL/h). */
  minKvoMlPerH: number;
  maxKvoMlPerH: number;
  defaultKvoMlPerH: number;
  /** Downstream and upstream occlusion sensing (occlusion.ts; docs/clinical.md, "Occlusion"). */
  occlusion: OcclusionConfig;
  /** The air-in-line detector (air.ts; docs/clinical.md, "Air in line"). */
  air: AirConfig;
  /** Battery and mains (power/battery.ts; docs/clinical.md, "Battery and mains"). */
  battery: BatteryConfig;
  /** Near-end alarm lead time (ms) before VTBI complete. docs/clinical.md#alarms: default about 5 min. */
  nearEndLeadMs: number;
  /** Callback alarm after this long left in programming without a start (ms). */
  callbackAfterMs: number;
  /** What is loaded: the near-empty lead and, on a syringe pump, the syringes (container.ts). */
  container: ContainerConfig;
}

export const LARGE_VOLUME_PUMP: PumpType = {
  id: 'lvp',
  name: 'Large-volume (volumetric) pump',
  minRateMlPerH: 0.1,
  maxRateMlPerH: 999,
  rateResolution: [
    { belowMlPerH: 100, resolutionMlPerH: 0.1 },
    { belowMlPerH: Infinity, resolutionMlPerH: 1 },
  ],
  minVtbiMl: 0.1,
  maxVtbiMl: 9999,
  accuracyFraction: 0.05,
  accuracyRange: { fromRateMlPerH: 10, belowFraction: 0.3 },
  mechanism: { strokeMl: 0.05, strokeJitterFraction: 0.4 },
  minBolusMl: 0.1,
  maxBolusMl: 100,
  minBolusRateMlPerH: 10,
  maxBolusRateMlPerH: 999,
  defaultBolusRateMlPerH: 500,
  minKvoMlPerH: 0.1,
  maxKvoMlPerH: 20,
  defaultKvoMlPerH: 1,
  occlusion: {
    // 6 psi default: about 5 min to alarm at 5 mL/h, 50 min at 0.5 mL/h (docs/clinical.md#occlusion).
    limitMmHg: { min: 103, max: 1034, default: 310 },
    baseLinePressureMmHg: 10,
    complianceMlPerKPa: 0.01,
    backOffMl: 0.3,
    maxClearingBolusMl: 0.5,
    upstreamDetectMl: 0.15,
  },
  air: { singleBubbleAlarmMl: 0.1, accumulatedAlarmMl: 1, accumulatedWindowMs: 15 * 60_000 },
  battery: {
    // At least 4 h at 25 mL/h (docs/clinical.md#battery-and-power); this gives about 6 h.
    capacityMWh: 12_000,
    idleDrawMW: 1_500,
    motorDrawMWPerMlPerH: 20,
    chargeMW: 6_000,
    lowWarningMs: 30 * 60_000,
    depletedShutdownMs: 180_000,
  },
  nearEndLeadMs: 5 * 60_000,
  callbackAfterMs: 2 * 60_000,
  container: { nearEmptyLeadMs: 5 * 60_000 },
};

export const SYRINGE_PUMP: PumpType = {
  id: 'syringe',
  name: 'Syringe pump (50 mL syringe)',
  minRateMlPerH: 0.01,
  maxRateMlPerH: 200,
  rateResolution: [{ belowMlPerH: Infinity, resolutionMlPerH: 0.01 }],
  minVtbiMl: 0.1,
  maxVtbiMl: 50,
  accuracyFraction: 0.02,
  accuracyRange: { fromRateMlPerH: 1, belowFraction: 0.15 },
  mechanism: { strokeMl: 0.002, strokeJitterFraction: 0.3 },
  minBolusMl: 0.1,
  maxBolusMl: 50,
  minBolusRateMlPerH: 10,
  maxBolusRateMlPerH: 200,
  defaultBolusRateMlPerH: 100,
  minKvoMlPerH: 0.1,
  maxKvoMlPerH: 5,
  defaultKvoMlPerH: 0.5,
  occlusion: {
    limitMmHg: { min: 103, max: 1034, default: 310 },
    baseLinePressureMmHg: 10,
    complianceMlPerKPa: 0.006,
    backOffMl: 0.2,
    maxClearingBolusMl: 0.5,
    upstreamDetectMl: 0.05,
  },
  air: { singleBubbleAlarmMl: 0.1, accumulatedAlarmMl: 1, accumulatedWindowMs: 15 * 60_000 },
  battery: {
    capacityMWh: 8_000,
    idleDrawMW: 1_000,
    motorDrawMWPerMlPerH: 15,
    chargeMW: 4_000,
    lowWarningMs: 30 * 60_000,
    depletedShutdownMs: 180_000,
  },
  nearEndLeadMs: 5 * 60_000,
  callbackAfterMs: 2 * 60_000,
  container: {
    nearEmptyLeadMs: 5 * 60_000,
    // Luer-lock syringes a 50 mL syringe pump takes (docs/clinical.md, "Syringes and containers").
    syringe: { sizesMl: [5, 10, 20, 30, 50], defaultSizeMl: 50 },
  },
};

export const PUMP_TYPES: Readonly<Record<PumpType['id'], PumpType>> = {
  lvp: LARGE_VOLUME_PUMP,
  syringe: SYRINGE_PUMP,
};

export function pumpTypeById(id: string): PumpType {
  const t = (PUMP_TYPES as Record<string, PumpType | undefined>)[id];
  if (!t) throw new RangeError(`unknown pump type "${id}" (known: ${Object.keys(PUMP_TYPES).join(', ')})`);
  return t;
}

/** Round a rate to the pump type's resolution (nearest step). */
export function roundRateMlPerH(type: PumpType, rateMlPerH: number): number {
  const step = type.rateResolution.find((s) => rateMlPerH < s.belowMlPerH) ?? type.rateResolution.at(-1);
  const res = step ? step.resolutionMlPerH : 0.01;
  // Half up on the decimal value (0.15 → 0.2), not on its binary approximation (0.1499…).
  const rounded = Math.round(rateMlPerH / res + 1e-9) * res;
  return Number(rounded.toFixed(6));
}

export const KPA_PER_MMHG = 0.133322;

/** The accuracy claimed at a rate: ±fraction, and whether short windows (31 min) are part of it. */
export function accuracyAt(type: PumpType, rateMlPerH: number): { fraction: number; inRange: boolean } {
  const inRange = rateMlPerH >= type.accuracyRange.fromRateMlPerH;
  return { fraction: inRange ? type.accuracyFraction : type.accuracyRange.belowFraction, inRange };
}
