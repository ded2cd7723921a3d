/**
 * Rates as the pump type data defines them (src/sim/pump/pumpTypes.ts figures;
 * docs/clinical.md#rate-resolution): rounded to the type's resolution, then held to its range.
 */
import type { PumpType } from '../../src/sim/pump/pumpTypes.js';

/** The resolution (mL/h) that applies at a rate. */
export function refRateStep(type: PumpType, rateMlPerH: number): number {
  return type.rateResolution.find((s) => rateMlPerH < s.belowMlPerH)?.resolutionMlPerH ?? 0.01;
}

/** Nearest step of the resolution that applies (half up on the decimal value). */
export function refRoundRate(type: PumpType, rateMlPerH: number): number {
  const step = refRateStep(type, rateMlPerH);
  const steps = Math.floor(rateMlPerH / step + 0.5 + 1e-9);
  return Number((steps * step).toFixed(6));
}

export function rateInRange(type: PumpType, rateMlPerH: number): boolean {
  return rateMlPerH >= type.minRateMlPerH && rateMlPerH <= type.maxRateMlPerH;
}
