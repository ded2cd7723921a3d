/**
 * The alarm table as docs/protocol.md ("Alarms") writes it, copied here on purpose: the reference
 * pump must not share the pump's own table (src/sim/alarms/alarmTable.ts), or a wrong row would
 * be wrong in both and never disagree.
 */
export type RefPriority = 'high' | 'medium' | 'low';

export interface RefAlarmSpec {
  priority: RefPriority;
  latching: boolean;
  stopsFlow: boolean;
  mayBePaused: boolean;
}

export const REF_ALARMS = {
  OCCLUSION_DOWN: { priority: 'high', latching: true, stopsFlow: true, mayBePaused: true },
  OCCLUSION_UP: { priority: 'high', latching: true, stopsFlow: true, mayBePaused: true },
  AIR_IN_LINE: { priority: 'high', latching: true, stopsFlow: true, mayBePaused: true },
  DOOR_OPEN: { priority: 'high', latching: false, stopsFlow: true, mayBePaused: true },
  CONTAINER_EMPTY: { priority: 'high', latching: true, stopsFlow: true, mayBePaused: true },
  BATTERY_DEPLETED: { priority: 'high', latching: true, stopsFlow: true, mayBePaused: false },
  SELF_TEST_FAIL: { priority: 'high', latching: true, stopsFlow: true, mayBePaused: false },
  VTBI_COMPLETE: { priority: 'medium', latching: true, stopsFlow: false, mayBePaused: true },
  CALLBACK: { priority: 'medium', latching: false, stopsFlow: false, mayBePaused: true },
  NEAR_END: { priority: 'low', latching: false, stopsFlow: false, mayBePaused: true },
  LOW_BATTERY: { priority: 'low', latching: false, stopsFlow: false, mayBePaused: true },
  COMM_LOST: { priority: 'low', latching: false, stopsFlow: false, mayBePaused: true },
} as const satisfies Record<string, RefAlarmSpec>;

export type RefAlarmId = keyof typeof REF_ALARMS;
export const REF_ALARM_IDS = Object.keys(REF_ALARMS) as RefAlarmId[];

/**
 * Alarms the reference pump does not model, so the suite does not compare them: NEAR_END and
 * CALLBACK depend on lead times and idle timers the protocol page does not define precisely
 * (when the timer starts, whether a pause restarts it), LOW_BATTERY on the battery energy model.
 * They are low or medium priority and never stop flow.
 */
export const UNMODELLED_ALARMS: ReadonlySet<string> = new Set(['NEAR_END', 'CALLBACK', 'LOW_BATTERY']);

/** docs/protocol.md: "SILENCE pauses audio for 120 s". The same interval after an ACK (issue 12, item 5). */
export const AUDIO_PAUSE_MS = 120_000;
