/**
 * PCD-04 Report Alert (ORU^R40^ORU_R40, IHE PCD TF-2 3.4), shaped as TF-2 Appendix E.3.2 (an
 * infusion pump's occlusion alarm): the alarm (OBX-3 MDC_EVT_ALARM, OBX-5 the alarm's code, OBX-8
 * priority PH/PM/PL), its source (the pump MDS), its phase and its state (active, inactive). Phases
 * (TF-2 Appendix B.8.5, table B.8.5-3 and the text after it): start, end; escalate when the pump
 * raises the alarm's priority ("changes in alert priority as assessed by the patient care
 * device"); update, with an escalation row, when the gateway escalates an unanswered alarm to the
 * next responder ("a change other than a state transition in a previously reported alert"). An
 * alarm with an MDC event code confirmed by two sources (MDC_ALARMS) is sent as that code with
 * infusim's id as the alternate code; every other infusim alarm is sent under infusim's own code
 * system (`<ALARM_ID>^<text>^INFUSIM`) rather than with a code not checked against a source.
 */
import type { AlarmId, AlarmPriority } from '../../sim/alarms/alarmTable.js';
import { MDC, MDC_ALARMS } from './mdc.js';
import { addObservationRequest, addPatientVisit, hl7Time, newMessage, setField, type PumpPlace } from './message.js';

export type AlertPhase = 'start' | 'end' | 'escalate' | 'update';

/** Who the gateway escalates an unanswered high-priority alarm to, by level (src/harness/gateway). */
export const ESCALATION_RECIPIENTS: Readonly<Record<number, string>> = { 1: 'charge nurse', 2: 'rapid response team' };
/** OBX-3 of the escalation row: infusim's own code (PCD-04 has no attribute for it, docs/hl7.md). */
export const ESCALATION_ROW = ['ESCALATION_LEVEL', 'escalation level', 'INFUSIM'] as const;

export interface AlertReport extends PumpPlace {
  alarm: AlarmId;
  priority: AlarmPriority;
  phase: AlertPhase;
  /** The alarm's instance: the same from start to end (OBR-3). */
  instanceId: string;
  /** The gateway escalated the unanswered alarm to this level (1, 2): phase update and an escalation row. */
  escalationLevel?: number | undefined;
}

export const PCD04_PROFILE = ['IHE_PCD_ACM_001', 'IHE PCD', '1.3.6.1.4.1.19376.1.6.4.4.1', 'ISO'] as const;

/** OBX-8 alarm priority (TF-2 3.4, "Alarm Condition Priority"). */
const PRIORITY_FLAG: Readonly<Record<AlarmPriority, string>> = { high: 'PH', medium: 'PM', low: 'PL' };

/** OBX-5 of the MDC_EVT_ALARM row: the MDC event with infusim's id as the alternate code, or infusim's id alone. */
export function alarmCode(alarm: AlarmId): string[] {
  const own = [alarm, alarm.toLowerCase().replace(/_/g, ' '), 'INFUSIM'];
  const term = MDC_ALARMS[alarm];
  return term ? [String(term.code), term.refid, 'MDC', ...own] : own;
}

export function buildPcd04(a: AlertReport, controlId: string): string {
  const t = hl7Time(a.tMs);
  const m = newMessage({ type: ['ORU', 'R40', 'ORU_R40'], controlId, tMs: a.tMs, profile: PCD04_PROFILE });
  addPatientVisit(m, a);
  addObservationRequest(m, { placer: controlId, filler: a.instanceId, term: MDC.evtAlarm, tMs: a.tMs });
  const row = (n: number, type: string, term: { code: number; refid: string }, value: readonly string[]): ReturnType<typeof m.addSegment> => {
    const s = m.addSegment('OBX');
    setField(s, 1, [String(n)]);
    setField(s, 2, [type]);
    setField(s, 3, [String(term.code), term.refid, 'MDC']);
    setField(s, 4, [`1.0.0.0.${n}`]);
    setField(s, 5, value);
    setField(s, 11, ['F']);
    return s;
  };
  const alarm = row(1, 'CWE', MDC.evtAlarm, alarmCode(a.alarm));
  // OBX-8: the alarm priority (TF-2 3.4.4.1.4; its kind, ST technical, is not repeated here).
  setField(alarm, 8, [PRIORITY_FLAG[a.priority]]);
  setField(alarm, 14, [t]);
  setField(alarm, 18, [a.pumpId, 'INFUSIM']);
  const source = row(2, 'CWE', MDC.alertSource, [String(MDC.pumpMds.code), MDC.pumpMds.refid, 'MDC']);
  setField(source, 14, [t]);
  row(3, 'ST', MDC.eventPhase, [a.phase]);
  row(4, 'ST', MDC.alarmState, [a.phase === 'end' ? 'inactive' : 'active']);
  if (a.escalationLevel !== undefined) {
    const e = m.addSegment('OBX');
    setField(e, 1, ['5']);
    setField(e, 2, ['CWE']);
    setField(e, 3, ESCALATION_ROW);
    setField(e, 4, ['1.0.0.0.5']);
    setField(e, 5, [String(a.escalationLevel), ESCALATION_RECIPIENTS[a.escalationLevel] ?? `level ${a.escalationLevel}`, 'INFUSIM']);
    setField(e, 11, ['F']);
    setField(e, 14, [t]);
  }
  return m.toString();
}
