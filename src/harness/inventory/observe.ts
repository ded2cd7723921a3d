/**
 * What the gateway observes of the fleet during a run: each pump's identity, firmware slots,
 * library and last reported state (the gateway's last status), and when it was last heard from.
 * Reading the world here changes nothing in it (no events, no scheduling), so a run's trace is
 * the same with or without an inventory.
 */
import type { Gateway } from '../gateway/gateway.js';
import type { FleetPump } from '../scenario/fleet.js';
import { resolveTarget } from '../scenario/fleet.js';
import { parseDurationMs } from '../scenario/duration.js';
import type { Scenario } from '../scenario/schema.js';
import type { World } from '../world/world.js';
import type { PumpObservation } from './inventory.js';

export function observePumps(world: World, gateway: Gateway, fleet: readonly FleetPump[]): Map<string, PumpObservation> {
  const out = new Map<string, PumpObservation>();
  for (const fp of fleet) {
    const pump = world.pump(fp.id).pump;
    const fw = pump.firmwareStatus();
    const running = fw?.running ?? fw?.primary;
    const other = running === 'A' ? 'B' : 'A';
    const runningManifest = running !== undefined ? fw?.slots[running].manifest : undefined;
    const otherManifest = fw?.slots[other].content === 'complete' ? fw.slots[other].manifest : undefined;
    const status = gateway.lastKnown(fp.id);
    const lastSeenMs = gateway.stats(fp.id).lastSeenMs;
    out.set(fp.id, {
      pumpId: fp.id,
      serial: pump.serial,
      firmware: pump.firmwareVersion,
      otherSlot: otherManifest?.version,
      profile: fw ? pump.profile().id : fp.profile,
      manifestSbomSha256: runningManifest?.sbomSha256,
      library: pump.libraryLabel,
      lastSeenMs: lastSeenMs >= 0 ? lastSeenMs : undefined,
      state: status?.state ?? '-',
      drug: status?.drug ?? '-',
    });
  }
  return out;
}

/** Rogue clients of the scenario's timeline: the network shows them on the segment they reach. */
export function rogueClientsOf(s: Scenario, fleet: readonly FleetPump[]): { address: string; segment: string; firstSeenMs: number }[] {
  const bySegment = new Map<string, number>();
  s.timeline.forEach((e) => {
    if (e.fault !== 'rogue-client') return;
    const atMs = parseDurationMs(e.at);
    for (const seg of new Set(resolveTarget(e.target, fleet).map((p) => p.segment))) {
      bySegment.set(seg, Math.min(bySegment.get(seg) ?? Infinity, atMs));
    }
  });
  return [...bySegment].map(([segment, firstSeenMs]) => ({ address: `rogue-client@${segment}`, segment, firstSeenMs }));
}
