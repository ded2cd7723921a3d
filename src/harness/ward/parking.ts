/**
 * Parked pumps (docs/inventory.md, "The scenario's inventory: block"): from `from` until `until`
 * a parked pump is off the network and powered off, and its unit's patients and nurses leave it
 * alone. It is powered off as by INJECT power=off (docs/protocol.md, "Power"): an infusion it was
 * running stops with its program kept (a pump is taken off its patient before it is stored). When
 * it comes back it is powered on, reconnected, and the unit's activity uses it again. The inventory
 * shows it as `off-network` with the reason meanwhile (inventory.ts).
 *
 * The trace says `parked` (start, end) with the pump and the reason. At the end of the run the
 * parked pumps' links heal like every fault's, so their outboxes drain (events exactly once);
 * they stay powered off.
 */
import type { PumpCommand } from '../../sim/protocol/commands.js';
import { parkedSpans } from '../inventory/inventory.js';
import type { Network } from '../link/network.js';
import type { FleetPump } from '../scenario/fleet.js';
import type { InventoryConfig } from '../scenario/inventorySchema.js';
import type { Trace } from '../trace/trace.js';
import type { WardActivity } from '../world/wardActivity.js';
import type { World } from '../world/world.js';

const POWER_OFF: PumpCommand = { cmd: 'INJECT', input: { sensor: 'power', value: 'off' } };
const POWER_ON: PumpCommand = { cmd: 'INJECT', input: { sensor: 'power', value: 'on' } };

export interface ParkingWard {
  world: World;
  trace: Trace;
  network: Network;
  fleet: readonly FleetPump[];
  activities: ReadonlyMap<string, WardActivity>;
}

/** Schedule every park and return what heals the parked pumps' links at the end of the run. */
export function scheduleParking(ward: ParkingWard, config: InventoryConfig | undefined): () => void {
  const parkedNow = new Map<string, number>();
  if (!config || config.parked.length === 0) return () => undefined;
  const { world, trace, network } = ward;
  const park = (pumpId: string, reason: string): void => {
    const depth = parkedNow.get(pumpId) ?? 0;
    parkedNow.set(pumpId, depth + 1);
    if (depth > 0) return; // already parked (overlapping spans)
    trace.add({ tMs: world.nowMs, kind: 'fault', fault: 'parked', phase: 'start', target: `${pumpId} reason=${reason}`, pumps: 1 });
    ward.activities.get(pumpId)?.hold();
    world.command(pumpId, POWER_OFF, 'scenario');
    network.partitionPump(pumpId, true);
  };
  const unpark = (pumpId: string, reason: string): void => {
    const depth = parkedNow.get(pumpId) ?? 0;
    if (depth <= 0) return;
    if (depth > 1) {
      parkedNow.set(pumpId, depth - 1);
      return;
    }
    parkedNow.delete(pumpId);
    network.partitionPump(pumpId, false);
    world.command(pumpId, POWER_ON, 'scenario');
    ward.activities.get(pumpId)?.release();
    trace.add({ tMs: world.nowMs, kind: 'fault', fault: 'parked', phase: 'end', target: `${pumpId} reason=${reason}`, pumps: 1 });
  };
  for (const [pumpId, spans] of parkedSpans(config, ward.fleet)) {
    for (const s of spans) {
      world.at(s.fromMs, () => park(pumpId, s.reason));
      if (s.untilMs !== undefined) world.at(s.untilMs, () => unpark(pumpId, s.reason));
    }
  }
  return () => {
    for (const pumpId of parkedNow.keys()) network.partitionPump(pumpId, false);
    parkedNow.clear();
  };
}
