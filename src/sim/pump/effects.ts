/**
 * Effects as data, the one convention of src/sim: a unit returns what it caused (events, alarms
 * to raise or end, a change of the pump's power) as an array, and performs none of it. The pump
 * performs its units' effects in the order given and keeps its events for `takeEvents()`. An empty
 * result is the shared `NO_EFFECTS`, so a check that finds nothing allocates nothing.
 */
import type { AlarmId } from '../alarms/alarmTable.js';
import type { DrugLibrary } from '../druglib/schema.js';
import type { PumpEvent } from '../trace/events.js';

export type Effect =
  | { readonly raise: AlarmId }
  | { readonly clear: AlarmId }
  | { readonly event: PumpEvent }
  /** The power goes (a depleted battery's shutdown): off, the program kept, the update agent told. */
  | { readonly powerDown: string }
  /** Off for a reboot (a firmware switch, a failed self-test). */
  | { readonly reboot: string }
  /** The boot is done: on again unless the power is off. */
  | { readonly boot: string }
  /** A drug library was activated: it replaces the pump's (same care area if it has it). */
  | { readonly library: DrugLibrary };

export const NO_EFFECTS: readonly Effect[] = Object.freeze([]);

/** The same as NO_EFFECTS, for units that return plain events. */
export const NO_EVENTS: readonly PumpEvent[] = Object.freeze([]);

export const raise = (id: AlarmId): Effect => ({ raise: id });
export const clear = (id: AlarmId): Effect => ({ clear: id });
