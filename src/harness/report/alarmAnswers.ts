/**
 * What "answered" and "unanswered" mean per alarm kind. A latching alarm stays until a person
 * acknowledges it; a non-latching one ends with its cause (IEC 60601-1-8; docs/clinical.md,
 * "Alarm signals"). So an alarm that nobody answered is one of two things: it ended by itself (its
 * cause went: the link came back, mains returned, the infusion reached its end) or it was still
 * sounding when the run stopped. Only the second waits for a person. docs/scenarios.md, "Reports".
 */
import { ALARM_TABLE, isAlarmId, type AlarmId } from '../../sim/alarms/alarmTable.js';
import type { AlarmRecord } from '../run/result.js';

/** answered: a person acknowledged or silenced it; ended: it ended with nobody answering; active: still on at the end of the run. */
export type AlarmOutcome = 'answered' | 'ended' | 'active';

export function alarmOutcome(a: AlarmRecord): AlarmOutcome {
  if (a.answeredMs !== undefined) return 'answered';
  return a.endedMs !== undefined ? 'ended' : 'active';
}

/** How each alarm ends, in a reader's words (docs/clinical.md, the alarm table). */
export const ALARM_ENDS_WHEN: Readonly<Record<AlarmId, string>> = {
  OCCLUSION_DOWN: 'a person acknowledges it (latching)',
  OCCLUSION_UP: 'a person acknowledges it (latching)',
  AIR_IN_LINE: 'a person acknowledges it (latching)',
  DOOR_OPEN: 'the door is closed',
  CONTAINER_EMPTY: 'a person acknowledges it (latching)',
  BATTERY_DEPLETED: 'a person acknowledges it (latching, cannot be paused)',
  SELF_TEST_FAIL: 'a person acknowledges it (latching, cannot be paused)',
  VTBI_COMPLETE: 'a person acknowledges it (latching)',
  CALLBACK: 'someone comes back to the pump',
  NEAR_END: 'the infusion reaches its end (VTBI complete follows); advisory',
  NEAR_EMPTY: 'the container is changed or runs empty; advisory',
  LOW_BATTERY: 'mains power is back; rises to medium after 10 min unanswered',
  COMM_LOST: 'the network is back; the infusion goes on',
};

export function alarmEndsWhen(id: string): string {
  return isAlarmId(id) ? ALARM_ENDS_WHEN[id] : '';
}

/** True when the kind needs a person to end it (latching): one left unanswered is a real gap. */
export function needsAPerson(id: string): boolean {
  return isAlarmId(id) && ALARM_TABLE[id].latching;
}
