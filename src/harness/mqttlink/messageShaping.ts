/**
 * What a pump's link conditions do to one message on a real connection, decided on the virtual
 * clock with the run's seed: lost, or written once or twice (duplicated), each copy at a due
 * instant (latency, jitter, held back when reordered). The same rules as the in-process Network
 * (`src/harness/link/network.ts`): random or Gilbert-Elliott burst loss, and a link that is FIFO
 * (as TCP is) unless a message is reordered.
 */
import { Prng } from '../../sim/time/prng.js';
import { loseNext } from '../link/lossModel.js';
import type { LinkConditions } from '../link/network.js';

export type Direction = 'up' | 'down';

/**
 * Per pump and direction: the last due instant, the burst-loss state and its own random stream.
 * Frames of one pump and direction reach the proxy in a fixed order (one TCP connection), but
 * frames of different pumps interleave as the sockets please; a stream per pump and direction
 * keeps each draw independent of that interleaving, so the same seed gives the same run.
 */
export interface LinkShapeState {
  lastMs: number;
  burstBad: boolean;
  prng: Prng;
}

export function newLinkShapeState(seed: number, pumpId: string, dir: Direction): LinkShapeState {
  return { lastMs: 0, burstBad: false, prng: new Prng((seed ^ fnv1a32(`${dir}:${pumpId}`)) >>> 0) };
}

/** FNV-1a, 32 bits: a stable number for a pump id. */
function fnv1a32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/** Lost, or the due instant of each copy (two when duplicated). */
export type TransmissionPlan = { lost: true } | { lost: false; dueMs: number[] };

/** Whether these conditions do anything at all. */
export function hasConditions(c: LinkConditions): boolean {
  return c.latencyMs > 0 || c.jitterMs > 0 || c.lossRate > 0 || c.duplicateRate > 0 || c.reorderRate > 0;
}

export function planTransmission(c: LinkConditions, s: LinkShapeState, nowMs: number): TransmissionPlan {
  const prng = s.prng;
  if (loseNext(c, s, prng)) return { lost: true };
  const copies = c.duplicateRate > 0 && prng.next() < c.duplicateRate ? 2 : 1;
  const dueMs: number[] = [];
  for (let i = 0; i < copies; i++) {
    const delayMs = c.latencyMs + (c.jitterMs > 0 ? prng.uniform(0, c.jitterMs) : 0);
    let atMs = nowMs + Math.max(0, Math.round(delayMs));
    if (c.reorderRate > 0 && prng.next() < c.reorderRate) {
      // Held back: later messages overtake it.
      atMs += Math.round(c.latencyMs * 2 + 50);
    } else {
      atMs = Math.max(atMs, s.lastMs);
      s.lastMs = atMs;
    }
    dueMs.push(atMs);
  }
  return { lost: false, dueMs };
}
