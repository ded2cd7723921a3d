/**
 * The gateway's asset inventory (docs/inventory.md): one row per pump from what the pump reports
 * (identity, firmware in both slots, drug library, state) and what the network shows (last seen),
 * joined with the scenario's facts (unit, location, segment, owner, parked pumps) and the support
 * status read from the running firmware's SBOM. Devices the network shows that are not pumps of
 * the fleet are listed as unknown. Pure: the run (observe.ts) or a test gives the observations.
 */
import { PROFILES, isProfileId } from '../../sim/firmware/profiles.js';
import { bandOf } from '../sbom/components.js';
import { buildSbomJson, sbomSha256 } from '../sbom/build.js';
import type { FleetPump } from '../scenario/fleet.js';
import { resolveTarget } from '../scenario/fleet.js';
import { parseDurationMs } from '../scenario/duration.js';
import { dateAt } from './dates.js';
import type { InventoryConfig, Owner, ParkReason } from '../scenario/inventorySchema.js';

/** What the gateway knows of one pump at an instant (observe.ts). */
export interface PumpObservation {
  pumpId: string;
  serial: string;
  /** The firmware version the pump reports running. */
  firmware: string;
  /** The version in the other slot, or undefined when it is empty. */
  otherSlot: string | undefined;
  /** The behaviour profile of the running firmware (docs/firmware.md). */
  profile: string;
  /** The running image's manifest `sbomSha256`, when it carries one. */
  manifestSbomSha256: string | undefined;
  library: string;
  /** When the gateway last heard from the pump (ms); undefined if never. */
  lastSeenMs: number | undefined;
  /** The pump's last reported state and drug. */
  state: string;
  drug: string;
}

export type Use = 'in-use' | 'idle' | 'off-network';
export type SupportStatus = 'supported' | 'end-of-support';

export interface InventoryRow {
  pumpId: string;
  serial: string;
  type: 'lvp' | 'syringe';
  model: string;
  firmware: string;
  otherSlot: string;
  library: string;
  unit: string;
  location: string;
  segment: string;
  owner: Owner;
  supportStatus: SupportStatus;
  endOfSupport: string;
  /** Components of the running image past their end of support. */
  componentsPastSupport: string[];
  /** 'checked': the SBOM's hash is under the running image's signed manifest; 'unsigned': no manifest carries it. */
  sbom: 'checked' | 'unsigned';
  credentials: 'legacy' | 'current';
  profile: string;
  lastSeenMs: number | undefined;
  use: Use;
  /** Why the pump is off the network: parked (storage, cleaning, repair) or not heard from. */
  offReason: ParkReason | 'not-seen' | '';
  drug: string;
}

export interface UnknownDevice {
  address: string;
  segment: string;
  firstSeenMs: number;
  source: 'scenario' | 'rogue-client';
  note: string;
}

export interface Inventory {
  tMs: number;
  /** The calendar date at tMs. */
  date: string;
  pumps: InventoryRow[];
  unknown: UnknownDevice[];
}

/** States in which a pump holds an infusion (running, in KVO, paused or alarming with a program). */
const IN_USE_STATES: ReadonlySet<string> = new Set(['RUNNING', 'KVO', 'PAUSED', 'ALARM']);

/** A pump not heard from for this many telemetry periods is off the network. */
export const SILENT_PERIODS = 3;

/** Profiles whose credentials are legacy: a default credential, or commands without authentication. */
export function isLegacyProfile(profile: string): boolean {
  if (profile === 'legacy-unauthenticated') return true;
  if (!isProfileId(profile)) return false;
  const p = PROFILES[profile];
  return p.defaultCredential !== undefined || p.acceptUnauthenticatedCommands || p.acceptUnsignedImages;
}

const MODEL_NAMES: Readonly<Record<'lvp' | 'syringe', string>> = { lvp: 'infusim LVP', syringe: 'infusim Syringe' };

export interface ParkedSpan {
  reason: ParkReason;
  fromMs: number;
  untilMs: number | undefined;
}

/** Which pumps the scenario parks, and when. */
export function parkedSpans(config: InventoryConfig, fleet: readonly FleetPump[]): Map<string, ParkedSpan[]> {
  const out = new Map<string, ParkedSpan[]>();
  for (const p of config.parked) {
    const span = { reason: p.reason, fromMs: parseDurationMs(p.from), untilMs: p.until !== undefined ? parseDurationMs(p.until) : undefined };
    for (const fp of resolveTarget(p.target, fleet)) out.set(fp.id, [...(out.get(fp.id) ?? []), span]);
  }
  return out;
}

export interface InventoryInput {
  config: InventoryConfig;
  fleet: readonly FleetPump[];
  unitNames: ReadonlyMap<string, string>;
  observations: ReadonlyMap<string, PumpObservation>;
  tMs: number;
  telemetryEveryMs: number;
  /** Rogue clients the network showed: address, segment, first seen. */
  rogueClients: readonly { address: string; segment: string; firstSeenMs: number }[];
}

export function buildInventory(input: InventoryInput): Inventory {
  const { config, fleet, tMs } = input;
  const today = dateAt(config.date, tMs);
  const parked = parkedSpans(config, fleet);
  const pumps = fleet.map((fp): InventoryRow => {
    const o = input.observations.get(fp.id);
    const firmware = o?.firmware ?? fp.firmware;
    const profile = o?.profile ?? fp.profile;
    const band = bandOf(firmware);
    // The SBOM is the one built for the running image; "checked" only when the signed manifest carries its hash.
    const sbomHash = sbomSha256(buildSbomJson({ model: fp.type, version: firmware, profile }));
    const park = (parked.get(fp.id) ?? []).find((s) => s.fromMs <= tMs && (s.untilMs === undefined || tMs < s.untilMs));
    const lastSeenMs = o?.lastSeenMs;
    const silent = lastSeenMs === undefined || tMs - lastSeenMs > SILENT_PERIODS * input.telemetryEveryMs;
    const use: Use = park || silent ? 'off-network' : IN_USE_STATES.has(o?.state ?? '') ? 'in-use' : 'idle';
    return {
      pumpId: fp.id,
      serial: o?.serial ?? fp.id,
      type: fp.type,
      model: MODEL_NAMES[fp.type],
      firmware,
      otherSlot: o?.otherSlot ?? '-',
      library: o?.library ?? '-',
      unit: fp.unit,
      location: config.locations[fp.unit] ?? input.unitNames.get(fp.unit) ?? fp.unit,
      segment: fp.segment,
      owner: config.unitOwners[fp.unit] ?? config.owner,
      supportStatus: band.endOfSupport < today ? 'end-of-support' : 'supported',
      endOfSupport: band.endOfSupport,
      componentsPastSupport: band.components.filter((c) => c.endOfSupport < today).map((c) => `${c.name}@${c.version}`),
      sbom: o?.manifestSbomSha256 !== undefined && o.manifestSbomSha256 === sbomHash ? 'checked' : 'unsigned',
      credentials: isLegacyProfile(profile) ? 'legacy' : 'current',
      profile,
      lastSeenMs,
      use,
      offReason: park ? park.reason : silent ? 'not-seen' : '',
      drug: use === 'in-use' ? (o?.drug ?? '-') : '-',
    };
  });
  const unknown: UnknownDevice[] = [
    ...config.unknownDevices.filter((d) => parseDurationMs(d.seen) <= tMs).map((d) => ({ address: d.address, segment: d.segment, firstSeenMs: parseDurationMs(d.seen), source: 'scenario' as const, note: d.note })),
    ...input.rogueClients.filter((r) => r.firstSeenMs <= tMs).map((r) => ({ ...r, source: 'rogue-client' as const, note: 'a client that is neither a pump nor the gateway' })),
  ];
  return { tMs, date: today, pumps, unknown };
}
