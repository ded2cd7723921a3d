/**
 * Whether a link loses the next message: random loss at the link's rate, or burst loss by the
 * Gilbert-Elliott model (a bad state that loses everything, with transitions that keep the mean
 * loss rate). One model for the in-process network and for the MQTT link proxy.
 */
import type { Prng } from '../../sim/time/prng.js';
import type { LinkConditions } from './network.js';

/** The burst-loss state a link carries from one message to the next. */
export interface BurstState {
  burstBad: boolean;
}

export function loseNext(c: LinkConditions, s: BurstState, prng: Prng): boolean {
  if (c.lossRate <= 0) return false;
  if (!c.burstLoss) return prng.next() < c.lossRate;
  const leaveBad = 0.2;
  const enterBad = (c.lossRate * leaveBad) / Math.max(1e-9, 1 - c.lossRate);
  s.burstBad = s.burstBad ? prng.next() >= leaveBad : prng.next() < enterBad;
  return s.burstBad;
}
