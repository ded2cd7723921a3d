/**
 * Rounding a rate to the pump's resolution without crossing a limit the entry did not cross:
 * the nearest step first, then the step on the other side (docs/clinical.md, "Rate resolution").
 */
import { roundRateMlPerH, type PumpType } from './pumpTypes.js';

function resolutionAt(type: PumpType, rateMlPerH: number): number {
  const step = type.rateResolution.find((s) => rateMlPerH < s.belowMlPerH) ?? type.rateResolution.at(-1);
  return step ? step.resolutionMlPerH : 0.01;
}

/** The rates on the resolution grid around `exactMlPerH`: the nearest first, then the other neighbour (if any). */
export function roundedCandidates(type: PumpType, exactMlPerH: number): number[] {
  const nearest = roundRateMlPerH(type, exactMlPerH);
  const res = resolutionAt(type, exactMlPerH);
  const floor = Number((Math.floor(exactMlPerH / res + 1e-9) * res).toFixed(6));
  const ceil = Number((Math.ceil(exactMlPerH / res - 1e-9) * res).toFixed(6));
  const other = nearest === floor ? ceil : floor;
  return other === nearest ? [nearest] : [nearest, other];
}

/** Did rounding change the rate (beyond float noise)? */
export function wasRounded(exactMlPerH: number, rateMlPerH: number): boolean {
  return Math.abs(exactMlPerH - rateMlPerH) > 1e-6;
}
