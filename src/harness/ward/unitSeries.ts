/**
 * The unit series of a run: every `everyMs` the sum of delivery rates and of volume infused, and
 * the pumps running and alarming, per unit (the report's charts). One sample costs O(fleet): each
 * pump is found in its unit's accumulator through a map built once (issue 20), and the
 * accumulators are reused from sample to sample.
 */
import type { FleetPump } from '../scenario/fleet.js';
import type { World } from '../world/world.js';
import type { SeriesPoint } from './state.js';

interface Acc {
  unit: string;
  rate: number;
  vi: number;
  running: number;
  alarming: number;
  /** Did a pump of this unit count in the present sample? */
  seen: boolean;
}

export class UnitSeries {
  /** Pump id → its unit's accumulator. */
  private readonly accOf = new Map<string, Acc>();
  /** The accumulators in the order the present sample first met their unit. */
  private readonly order: Acc[] = [];

  constructor(
    private readonly world: World,
    fleet: readonly FleetPump[],
    /** Where the points go: one array per unit of the site (filled here). */
    private readonly series: Record<string, SeriesPoint[]>,
  ) {
    const byUnit = new Map<string, Acc>();
    for (const fp of fleet) {
      if (this.accOf.has(fp.id)) continue; // the first pump of an id counts, as a search of the fleet would find it
      let a = byUnit.get(fp.unit);
      if (!a) {
        a = { unit: fp.unit, rate: 0, vi: 0, running: 0, alarming: 0, seen: false };
        byUnit.set(fp.unit, a);
      }
      this.accOf.set(fp.id, a);
    }
  }

  /** Bring every pump to now and add one point per unit that has pumps in the world. */
  sample(): void {
    this.order.length = 0;
    for (const slot of this.world.pumps()) {
      this.world.touch(slot);
      const a = this.accOf.get(slot.id);
      if (!a) continue;
      if (!a.seen) {
        a.seen = true;
        a.rate = 0;
        a.vi = 0;
        a.running = 0;
        a.alarming = 0;
        this.order.push(a);
      }
      const st = slot.pump.status();
      a.rate += st.rateMlPerH;
      // All the volume the pump's motor moved this run, across programs.
      a.vi += slot.pump.motorNominalMl;
      if (st.state === 'RUNNING' || st.state === 'KVO') a.running++;
      if (st.alarm !== '-') a.alarming++;
    }
    const tMs = this.world.nowMs;
    for (const a of this.order) {
      a.seen = false;
      this.series[a.unit]?.push({ tMs, rateMlPerH: a.rate, viMl: a.vi, running: a.running, alarming: a.alarming });
    }
  }
}
