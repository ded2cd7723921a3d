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

/** The pumps a target selector names (not `gateway`), in fleet order. */
export function resolveTarget(target: string, fleet: readonly FleetPump[]): FleetPump[] {
  if (target === 'all' || target === 'site') return [...fleet];
  if (target === 'gateway') return [];
  const colon = target.indexOf(':');
  if (colon < 0) return fleet.filter((p) => p.id === target);
  const kind = target.slice(0, colon);
  const value = target.slice(colon + 1);
  switch (kind) {
    case 'pump':
      return fleet.filter((p) => p.id === value);
    case 'unit':
      return fleet.filter((p) => p.unit === value);
    case 'segment':
      return fleet.filter((p) => p.segment === value);
    case 'type':
      return fleet.filter((p) => p.type === value);
    case 'firmware':
      return fleet.filter((p) => p.firmware === value);
    default:
      return [];
  }
}
