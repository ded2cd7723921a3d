/**
 * Which pumps' links can have conditions during a run, decided at the start from the scenario:
 * every pump when the `link:` section does anything (latency, jitter, loss, duplicate, reorder),
 * plus every pump a `latency`, `loss`, `duplicate` or `reorder` fault can target (before any
 * `fraction:` draw). Over MQTT these pumps connect through the link proxy.
 */
import { linkConditionsOf } from '../scenario/linkConditions.js';
import { resolveTarget, type FleetPump } from '../scenario/fleet.js';
import type { Scenario } from '../scenario/schema.js';
import { hasConditions } from './messageShaping.js';

const LINK_FAULTS: ReadonlySet<string> = new Set(['latency', 'loss', 'duplicate', 'reorder']);

export function pumpsWithLinkConditions(s: Pick<Scenario, 'link' | 'timeline'>, fleet: readonly FleetPump[]): Set<string> {
  if (hasConditions(linkConditionsOf(s.link))) return new Set(fleet.map((f) => f.id));
  const out = new Set<string>();
  for (const e of s.timeline) {
    if (e.fault === undefined || !LINK_FAULTS.has(e.fault)) continue;
    for (const p of resolveTarget(e.target, fleet)) out.add(p.id);
  }
  return out;
}
