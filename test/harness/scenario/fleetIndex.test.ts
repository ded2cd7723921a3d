import { describe, expect, it } from 'vitest';
import { fleetIndex, resolveTarget, type FleetPump } from '../../../src/harness/scenario/fleet.js';

/** A fleet in code: units a (seg-1) and b (seg-2), lvp and syringe pumps, two firmware versions. */
function fleetOf(n: number): FleetPump[] {
  const out: FleetPump[] = [];
  for (let i = 0; i < n; i++) {
    const unit = i % 3 === 0 ? 'b' : 'a';
    out.push({ id: `${unit}-${i}`, unit, careArea: 'icu', segment: unit === 'a' ? 'seg-1' : 'seg-2', type: i % 4 === 0 ? 'syringe' : 'lvp', firmware: i % 5 === 0 ? '2.0.0' : '1.0.0', profile: 'secure' });
  }
  return out;
}

/** The selector read the plain way (docs/scenarios.md, "Targets"): a filter over the whole fleet. */
function byScan(target: string, fleet: readonly FleetPump[]): FleetPump[] {
  if (target === 'all' || target === 'site') return [...fleet];
  if (target === 'gateway') return [];
  const [kind, value] = target.includes(':') ? [target.slice(0, target.indexOf(':')), target.slice(target.indexOf(':') + 1)] : ['pump', target];
  const field = { pump: 'id', unit: 'unit', segment: 'segment', type: 'type', firmware: 'firmware' }[kind] as keyof FleetPump | undefined;
  return field ? fleet.filter((p) => p[field] === value) : [];
}

/** Counts the elements of `fleet` read through it (index reads by the array's own methods included). */
function counted(fleet: FleetPump[]): { fleet: FleetPump[]; reads: () => number } {
  let reads = 0;
  const proxy = new Proxy(fleet, {
    get(target, key, receiver) {
      if (typeof key === 'string' && /^\d+$/.test(key)) reads++;
      return Reflect.get(target, key, receiver) as unknown;
    },
  });
  return { fleet: proxy, reads: () => reads };
}

describe('fleet index (issue 20)', () => {
  const fleet = fleetOf(60);
  const targets = ['all', 'site', 'gateway', 'unit:a', 'unit:b', 'unit:none', 'segment:seg-2', 'type:syringe', 'firmware:2.0.0', 'pump:a-7', 'a-7', 'pump:none', 'ward:a'];

  it.each(targets)('%s names the pumps a scan of the fleet names, in fleet order', (t) => {
    expect(resolveTarget(t, fleet)).toEqual(byScan(t, fleet));
  });

  it('hands out a new array each time (a caller may shuffle it)', () => {
    const a = resolveTarget('unit:a', fleet);
    a.reverse();
    expect(resolveTarget('unit:a', fleet)).toEqual(byScan('unit:a', fleet));
  });

  it('finds a pump and its place in fleet order', () => {
    const ix = fleetIndex(fleet);
    expect(ix.get('b-30')).toBe(fleet[30]);
    expect(ix.get('nobody')).toBeUndefined();
    expect(ix.indexOf(fleet[41]!)).toBe(41);
    expect(ix.indexOf({ ...fleet[41]! })).toBe(-1);
  });

  it('is rebuilt when the fleet array grows', () => {
    const f = fleetOf(6);
    expect(resolveTarget('unit:b', f).map((p) => p.id)).toEqual(['b-0', 'b-3']);
    f.push({ ...f[0]!, id: 'b-99' });
    expect(resolveTarget('unit:b', f).map((p) => p.id)).toEqual(['b-0', 'b-3', 'b-99']);
  });

  it('after the index is built, naming one pump reads no pump of the fleet and a unit reads none either', () => {
    const c = counted(fleetOf(2000));
    resolveTarget('pump:a-1', c.fleet); // builds the index: one pass
    const built = c.reads();
    expect(built).toBeLessThanOrEqual(2000 * 2);
    for (let i = 0; i < 100; i++) resolveTarget(`pump:a-${1 + 3 * i + 1}`, c.fleet);
    resolveTarget('unit:b', c.fleet);
    expect(c.reads() - built).toBe(0);
  });
});
