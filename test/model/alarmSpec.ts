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
  /** What an ACK does while the cause persists (docs/protocol.md, "Alarms", column "on ACK"). */
  onAck: 'pause' | 'reminder' | 'none';
}

export const REF_ALARMS = {
  OCCLUSION_DOWN: { priority: 'high', latching: true, stopsFlow: true, mayBePaused: true, onAck: 'pause' },
  OCCLUSION_UP: { priority: 'high', latching: true, stopsFlow: true, mayBePaused: true, onAck: 'pause' },
  AIR_IN_LINE: { priority: 'high', latching: true, stopsFlow: true, mayBePaused: true, onAck: 'pause' },
  DOOR_OPEN: { priority: 'high', latching: false, stopsFlow: true, mayBePaused: true, onAck: 'pause' },
  CONTAINER_EMPTY: { priority: 'high', latching: true, stopsFlow: true, mayBePaused: true, onAck: 'pause' },
  BATTERY_DEPLETED: { priority: 'high', latching: true, stopsFlow: true, mayBePaused: false, onAck: 'none' },
  SELF_TEST_FAIL: { priority: 'high', latching: true, stopsFlow: true, mayBePaused: false, onAck: 'none' },
  VTBI_COMPLETE: { priority: 'medium', latching: true, stopsFlow: false, mayBePaused: true, onAck: 'reminder' },
  CALLBACK: { priority: 'medium', latching: false, stopsFlow: false, mayBePaused: true, onAck: 'reminder' },
  NEAR_END: { priority: 'low', latching: false, stopsFlow: false, mayBePaused: true, onAck: 'reminder' },
  NEAR_EMPTY: { priority: 'low', latching: false, stopsFlow: false, mayBePaused: true, onAck: 'reminder' },
  LOW_BATTERY: { priority: 'low', latching: false, stopsFlow: false, mayBePaused: true, onAck: 'reminder' },
  COMM_LOST: { priority: 'low', latching: false, stopsFlow: false, mayBePaused: true, onAck: 'reminder' },
} as const satisfies Record<string, RefAlarmSpec>;

export type RefAlarmId = keyof typeof REF_ALARMS;
export const REF_ALARM_IDS = Object.keys(REF_ALARMS) as RefAlarmId[];

/**
 * Alarms the reference pump does not model, so the suite does not compare them: NEAR_END and
 * CALLBACK depend on lead times and idle timers the protocol page does not define precisely
 * (when the timer starts, whether a pause restarts it), NEAR_EMPTY on "5 min at the present rate"
 * (whether it ends when the rate drops, a pause, a bolus), LOW_BATTERY on the battery energy
 * model. They are low or medium priority and never stop flow.
 */
export const UNMODELLED_ALARMS: ReadonlySet<string> = new Set(['NEAR_END', 'CALLBACK', 'NEAR_EMPTY', 'LOW_BATTERY']);

/** docs/protocol.md: "SILENCE pauses audio for 120 s", and `pause` on ACK pauses it for as long (issue 12, item 5). */
export const AUDIO_PAUSE_MS = 120_000;
