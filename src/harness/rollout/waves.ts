/**
 * Which pumps a rollout targets and in which waves (docs/rollout.md): a target filter, then the
 * canary spread evenly over the targets, then waves by percent (cumulative), count or unit.
 */
import type { RolloutPlan, TargetFilter } from './types.js';

export interface FleetMember {
  id: string;
  unit: string;
  segment: string;
  type: 'lvp' | 'syringe';
  version: string;
}

export function matchesFilter(p: FleetMember, f: TargetFilter): boolean {
  const ok = <T>(list: readonly T[] | undefined, v: T): boolean => !list || list.length === 0 || list.includes(v);
  return ok(f.units, p.unit) && ok(f.types, p.type) && ok(f.versions, p.version) && ok(f.segments, p.segment) && ok(f.pumpIds, p.id);
}

/** Split the targets into waves: the canary spread evenly over the list, then percents (cumulative) or units. */
export function planWaves(plan: RolloutPlan, targets: readonly FleetMember[]): string[][] {
  let left = [...targets];
  const out: string[][] = [];
  let assigned = 0;
  plan.waves.forEach((w, i) => {
    let chosen: FleetMember[];
    if (w.unit !== undefined) {
      chosen = left.filter((p) => p.unit === w.unit);
    } else if (w.count !== undefined || (i === 0 && w.percent !== undefined)) {
      const n = Math.min(left.length, w.count ?? Math.max(1, Math.ceil((targets.length * (w.percent ?? 0)) / 100)));
      // The canary: evenly spaced over the targets, so it spans units and pump types.
      const idx = new Set<number>();
      for (let k = 0; k < n; k++) idx.add(Math.floor(((k + 0.5) * left.length) / n));
      chosen = left.filter((_, j) => idx.has(j));
    } else {
      const upTo = Math.min(targets.length, Math.ceil((targets.length * (w.percent ?? 100)) / 100));
      chosen = left.slice(0, Math.max(0, upTo - assigned));
    }
    // One pass, not a search of the list per chosen pump (issue 20).
    const taken = new Set(chosen);
    left = left.filter((p) => !taken.has(p));
    assigned += chosen.length;
    out.push(chosen.map((c) => c.id));
  });
  return out;
}
