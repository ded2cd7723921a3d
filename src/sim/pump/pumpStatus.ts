/**
 * What the pump is built from (`PumpOptions`) and what it shows: the STATUS fields
 * (docs/protocol.md, "Status fields") and the counters the property tests and the harness read.
 */
import type { ActiveAlarm } from '../alarms/alarmManager.js';
import type { AlarmId } from '../alarms/alarmTable.js';
import type { DrugLibrary } from '../druglib/schema.js';
import type { LibraryUpdater } from '../firmware/libraryUpdate.js';
import type { FirmwareUpdater } from '../firmware/updater.js';
import type { Battery } from '../power/battery.js';
import type { EventLog } from '../trace/eventLog.js';
import { fmtNum, type PumpState } from '../trace/events.js';
import type { Infusion } from './infusion.js';
import type { Program } from './programming.js';
import type { PumpType } from './pumpTypes.js';
import type { RemoteOptions } from './remoteIntent.js';

export interface PumpOptions {
  type: PumpType;
  seed: number;
  library?: DrugLibrary | undefined;
  areaId?: string | undefined;
  firmwareVersion?: string | undefined;
  serial?: string | undefined;
  /** Initial battery charge (0 to 1). */
  batteryFraction?: number | undefined;
  /** Downstream occlusion limit (mmHg); defaults to the type's. */
  occlusionLimitMmHg?: number | undefined;
  /** Keep at most this many log entries in memory. */
  maxLogEntries?: number | undefined;
  /** Append to this event log (a RESET's fresh pump goes on with the old one's log); default a new one. */
  log?: EventLog | undefined;
  startMs?: number | undefined;
  /** Firmware slots and updates; without it the pump runs `firmwareVersion` on the secure profile. */
  firmware?: FirmwareUpdater | undefined;
  /** Signed drug library updates; its active library replaces `library`. */
  libraryUpdates?: LibraryUpdater | undefined;
  /** Remote commands: the gateway key to trust. Without it every remote command is refused (deny by default). */
  remote?: RemoteOptions | undefined;
}

export interface PumpStatus {
  tMs: number;
  state: PumpState;
  mode: Program['mode'] | '-';
  drug: string;
  rateMlPerH: number;
  viMl: number;
  vtbiMl: number;
  alarm: AlarmId | '-';
  prio: string;
  batteryPercent: number;
  onMains: boolean;
}

/** Counters the property tests and the harness read; not part of the protocol. */
export interface PumpTelemetry {
  /** Volume counted toward the VTBI (primary, boluses, loading, PCA). */
  primaryMl: number;
  /** Volume after the VTBI (KVO or continue). */
  afterVtbiMl: number;
  /** All commanded motor motion since power-on (mL). */
  motorNominalMl: number;
  /** Physical output of the mechanism for that motion (mL). */
  mechanismOutputMl: number;
  /** Volume held in the line by a downstream occlusion (mL). */
  storedInLineMl: number;
  /** Largest bolus released on clearing an occlusion (mL). */
  largestClearingBolusMl: number;
  pcaWindowMl: number;
  lastDemandStartMs: number;
}

export function statusOf(tMs: number, state: PumpState, inf: Infusion, rateMlPerH: number, top: ActiveAlarm | undefined, battery: Battery): PumpStatus {
  const p = inf.program;
  return {
    tMs,
    state,
    mode: p ? p.mode : '-',
    drug: p?.drug ? p.drug.entry.id : '-',
    rateMlPerH,
    viMl: inf.primaryMl + inf.afterVtbiMl,
    vtbiMl: p ? p.vtbiMl : 0,
    alarm: top ? top.id : '-',
    prio: top ? top.priority : '-',
    batteryPercent: battery.percent,
    onMains: battery.onMains,
  };
}

export function statusFields(s: PumpStatus): Record<string, string | number> {
  return {
    t: s.tMs,
    state: s.state,
    mode: s.mode,
    drug: s.drug,
    rate: fmtNum(s.rateMlPerH),
    vi: fmtNum(s.viMl),
    vtbi: fmtNum(s.vtbiMl),
    alarm: s.alarm,
    prio: s.prio,
    batt: s.batteryPercent,
    mains: s.onMains ? 1 : 0,
  };
}
