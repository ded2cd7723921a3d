/**
 * The pump's alarms as a table. Priorities follow IEC 60601-1-8 (high: immediate response,
 * medium: prompt, low: awareness); which alarm stops flow follows typical pump practice
 * (docs/clinical.md#alarms). Read everywhere, written only here.
 */
export type AlarmPriority = 'high' | 'medium' | 'low';

/**
 * What ACK does to the audio of an alarm whose condition persists (IEC 60601-1-8 alarm
 * acknowledged; docs/protocol.md, "Alarms"; figures in docs/clinical.md, "Alarm signals"):
 * - `pause`: audio paused for AUDIO_PAUSE_MS, then re-annunciated (and unacknowledged again);
 * - `reminder`: audio off, a reminder signal (`! REMINDER`) every REMINDER_INTERVAL_MS;
 * - `none`: ACK does not silence it (alarms that may not be paused); it only counts for latching.
 * An alarm whose condition has gone ends on ACK whatever its behaviour.
 */
export type AckBehaviour = 'pause' | 'reminder' | 'none';

export const ALARM_IDS = [
  'OCCLUSION_DOWN',
  'OCCLUSION_UP',
  'AIR_IN_LINE',
  'DOOR_OPEN',
  'CONTAINER_EMPTY',
  'BATTERY_DEPLETED',
  'SELF_TEST_FAIL',
  'VTBI_COMPLETE',
  'CALLBACK',
  'NEAR_END',
  'NEAR_EMPTY',
  'LOW_BATTERY',
  'COMM_LOST',
] as const;
export type AlarmId = (typeof ALARM_IDS)[number];

/** What the alarm manager tells the world (part of PumpEvent, src/sim/trace/events.ts). */
export type AlarmEvent =
  | { type: 'ALARM'; tMs: number; id: AlarmId; prio: AlarmPriority; stops: boolean }
  | { type: 'ALARM_END'; tMs: number; id: AlarmId }
  | { type: 'ESCALATE'; tMs: number; id: AlarmId; prio: AlarmPriority }
  | { type: 'AUDIO'; tMs: number; prio: AlarmPriority | 'off' }
  /** The reminder signal of an acknowledged alarm whose cause persists (docs/protocol.md, "Alarms"). */
  | { type: 'REMINDER'; tMs: number; id: AlarmId };

/** Where the alarm manager puts its events: the caller's list of pump events (any list that takes alarm events). */
export interface AlarmEventSink {
  push(e: AlarmEvent): unknown;
}

export interface AlarmSpec {
  id: AlarmId;
  priority: AlarmPriority;
  /** Latching: stays until a person acknowledges it, even after the cause ends (IEC 60601-1-8). */
  latching: boolean;
  stopsFlow: boolean;
  /** May its audio be paused? Software/hardware failures may not be (IEC 60601-1-8 6.8). */
  pausable: boolean;
  /** What ACK does to its audio while the condition persists. */
  ack: AckBehaviour;
  /** An unanswered alarm rises to this priority after escalateAfterMs. */
  escalatesTo?: AlarmPriority;
  escalateAfterMs?: number;
  text: string;
}

export const ALARM_TABLE: Readonly<Record<AlarmId, AlarmSpec>> = {
  OCCLUSION_DOWN: { id: 'OCCLUSION_DOWN', priority: 'high', latching: true, stopsFlow: true, pausable: true, ack: 'pause', text: 'Downstream occlusion' },
  OCCLUSION_UP: { id: 'OCCLUSION_UP', priority: 'high', latching: true, stopsFlow: true, pausable: true, ack: 'pause', text: 'Upstream occlusion' },
  AIR_IN_LINE: { id: 'AIR_IN_LINE', priority: 'high', latching: true, stopsFlow: true, pausable: true, ack: 'pause', text: 'Air in line' },
  DOOR_OPEN: { id: 'DOOR_OPEN', priority: 'high', latching: false, stopsFlow: true, pausable: true, ack: 'pause', text: 'Door open' },
  CONTAINER_EMPTY: { id: 'CONTAINER_EMPTY', priority: 'high', latching: true, stopsFlow: true, pausable: true, ack: 'pause', text: 'Container empty' },
  // docs/clinical.md#battery-and-power: a depleted battery stops the infusion with a high-priority alarm that cannot be silenced.
  BATTERY_DEPLETED: { id: 'BATTERY_DEPLETED', priority: 'high', latching: true, stopsFlow: true, pausable: false, ack: 'none', text: 'Battery depleted' },
  SELF_TEST_FAIL: { id: 'SELF_TEST_FAIL', priority: 'high', latching: true, stopsFlow: true, pausable: false, ack: 'none', text: 'Self-test failure' },
  VTBI_COMPLETE: { id: 'VTBI_COMPLETE', priority: 'medium', latching: true, stopsFlow: false, pausable: true, ack: 'reminder', text: 'VTBI complete' },
  CALLBACK: { id: 'CALLBACK', priority: 'medium', latching: false, stopsFlow: false, pausable: true, ack: 'reminder', text: 'Pump left unattended' },
  // The syringe or container will be empty within nearEmptyLeadMs at the present rate (docs/clinical.md).
  NEAR_EMPTY: { id: 'NEAR_EMPTY', priority: 'low', latching: false, stopsFlow: false, pausable: true, ack: 'reminder', text: 'Container near empty' },
  NEAR_END: { id: 'NEAR_END', priority: 'low', latching: false, stopsFlow: false, pausable: true, ack: 'reminder', text: 'Near end of infusion' },
  // docs/clinical.md#battery-and-power: low battery at least 30 min before depletion, low priority, escalating.
  LOW_BATTERY: { id: 'LOW_BATTERY', priority: 'low', latching: false, stopsFlow: false, pausable: true, ack: 'reminder', escalatesTo: 'medium', escalateAfterMs: 10 * 60_000, text: 'Low battery' },
  // The infusion goes on when the network is lost.
  COMM_LOST: { id: 'COMM_LOST', priority: 'low', latching: false, stopsFlow: false, pausable: true, ack: 'reminder', text: 'Communication lost' },
};

export const PRIORITY_RANK: Readonly<Record<AlarmPriority, number>> = { high: 3, medium: 2, low: 1 };

/** Audio pause (SILENCE, or ACK of a `pause` alarm): 120 s, then the signal returns if the cause persists (docs/clinical.md). */
export const AUDIO_PAUSE_MS = 120_000;
/** Reminder signal interval for an acknowledged `reminder` alarm whose cause persists (docs/clinical.md). */
export const REMINDER_INTERVAL_MS = 180_000;

export function isAlarmId(s: string): s is AlarmId {
  return (ALARM_IDS as readonly string[]).includes(s);
}
