/**
 * The fleet a scenario declares: units with their care area and segment, and their pumps, named
 * `<unit>-<n>` (or `<prefix>-<n>`), numbered from 1 across the unit's pump groups.
 */
import type { Scenario } from './schema.js';

export interface FleetPump {
  id: string;
  unit: string;
  careArea: string;
  segment: string;
  type: 'lvp' | 'syringe';
  firmware: string;
  /** 'secure', 'legacy-unauthenticated', or a firmware behaviour profile id (docs/firmware.md). */
  profile: Scenario['site']['units'][number]['pumps'][number]['profile'];
}

export function fleetPumps(s: Scenario): FleetPump[] {
  const out: FleetPump[] = [];
  for (const u of s.site.units) {
    let n = 0;
    const perPrefix = new Map<string, number>();
    for (const g of u.pumps) {
      for (let i = 0; i < g.count; i++) {
        let id: string;
        if (g.prefix) {
          const k = (perPrefix.get(g.prefix) ?? 0) + 1;
          perPrefix.set(g.prefix, k);
          id = `${g.prefix}-${k}`;
        } else {
          id = `${u.id}-${++n}`;
        }
        out.push({ id, unit: u.id, careArea: u.careArea, segment: u.segment, type: g.type, firmware: g.firmware, profile: g.profile });
      }
    }
  }
  return out;
}

/**
 * The fleet's indexes: a pump by id, its place in fleet order, and the pumps of each unit,
 * segment, type and firmware, so a lookup or a target costs O(1) plus the size of its answer
 * instead of a scan of the whole fleet (issue 20). Built once per fleet array, on first use;
 * rebuilt if the array grew or shrank since.
 */
export class FleetIndex {
  private readonly byId = new Map<string, FleetPump[]>();
  private readonly place = new Map<FleetPump, number>();
  private readonly groups = new Map<string, FleetPump[]>();

  /** How many pumps the fleet had when the index was built. */
  readonly size: number;

  constructor(fleet: readonly FleetPump[]) {
    this.size = fleet.length;
    fleet.forEach((p, i) => {
      const same = this.byId.get(p.id);
      if (same) same.push(p);
      else this.byId.set(p.id, [p]);
      this.place.set(p, i);
      for (const key of [`unit:${p.unit}`, `segment:${p.segment}`, `type:${p.type}`, `firmware:${p.firmware}`]) {
        const g = this.groups.get(key);
        if (g) g.push(p);
        else this.groups.set(key, [p]);
      }
    });
  }

  /** The pump with this id (the first, should two share it), or undefined. */
  get(id: string): FleetPump | undefined {
    return this.byId.get(id)?.[0];
  }

  /** Every pump with this id, in fleet order (one in a valid fleet). */
  withId(id: string): readonly FleetPump[] {
    return this.byId.get(id) ?? [];
  }

  /** Where this pump stands in fleet order (-1 if it is not in the fleet). */
  indexOf(p: FleetPump): number {
    return this.place.get(p) ?? -1;
  }

  /** The pumps of `kind:value` (unit, segment, type, firmware), in fleet order; empty if none. */
  group(kind: 'unit' | 'segment' | 'type' | 'firmware', value: string): readonly FleetPump[] {
    return this.groups.get(`${kind}:${value}`) ?? [];
  }
}

const indexes = new WeakMap<readonly FleetPump[], FleetIndex>();

/** The index of this fleet array (cached; rebuilt when the array's length changed). */
export function fleetIndex(fleet: readonly FleetPump[]): FleetIndex {
  let ix = indexes.get(fleet);
  if (!ix || ix.size !== fleet.length) {
    ix = new FleetIndex(fleet);
    indexes.set(fleet, ix);
  }
  return ix;
}

const GROUP_KINDS: ReadonlySet<string> = new Set(['unit', 'segment', 'type', 'firmware']);

/** The pumps a target selector names (not `gateway`), in fleet order; a new array each call. */
export function resolveTarget(target: string, fleet: readonly FleetPump[]): FleetPump[] {
  if (target === 'all' || target === 'site') return [...fleet];
  if (target === 'gateway') return [];
  const colon = target.indexOf(':');
  const kind = colon < 0 ? 'pump' : target.slice(0, colon);
  const value = colon < 0 ? target : target.slice(colon + 1);
  const ix = fleetIndex(fleet);
  if (kind === 'pump') return [...ix.withId(value)];
  if (GROUP_KINDS.has(kind)) return [...ix.group(kind as 'unit' | 'segment' | 'type' | 'firmware', value)];
  return [];
}
