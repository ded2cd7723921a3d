/** The scenario's `link:` section read into the link's own units (the link knows no scenario files). */
import type { LinkConditions } from '../link/network.js';
import { parseDurationMs } from './duration.js';

/** A scenario's `link:` section as link conditions (docs/scenarios.md, "The link"). */
export function linkConditionsOf(link: { latency: string | number; jitter: string | number; loss: number; duplicate: number; reorder: number }): LinkConditions {
  return {
    latencyMs: parseDurationMs(link.latency),
    jitterMs: parseDurationMs(link.jitter),
    lossRate: link.loss,
    burstLoss: false,
    duplicateRate: link.duplicate,
    reorderRate: link.reorder,
  };
}
