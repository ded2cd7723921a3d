/** Read a PCD-04 (ORU^R40) back into plain fields, by MDC reference id (any sender's, TF-2 E.3.2 too). */
import type { HL7Node } from 'node-hl7-client';
import { MDC } from './mdc.js';
import { parseHl7 } from './readDec.js';

export interface AlertFields {
  type: string;
  controlId: string;
  patientId: string;
  /** OBX-5 of the MDC_EVT_ALARM row: code^text^system. */
  alarm: string;
  priority: string;
  source: string;
  phase: string;
  state: string;
  equipment: string;
  /** OBX-5 of the escalation row (level^recipient), '' without one. */
  escalation: string;
}

export function readAlert(text: string): AlertFields {
  const m = parseHl7(text);
  const rows = new Map<string, HL7Node>();
  m.get('OBX').forEach((s) => {
    const refid = s.get('3.2').toString().trim();
    if (!rows.has(refid)) rows.set(refid, s);
  });
  const v = (refid: string, path = '5'): string => rows.get(refid)?.get(path).toString().trim() ?? '';
  const alarmRow = rows.get(MDC.evtAlarm.refid);
  let escalation = '';
  m.get('OBX').forEach((s) => {
    if (s.get('3.1').toString().trim() === 'ESCALATION_LEVEL') escalation = [s.get('5.1').toString(), s.get('5.2').toString()].join('^');
  });
  return {
    type: `${m.get('MSH.9.1').toString()}^${m.get('MSH.9.2').toString()}`,
    controlId: m.get('MSH.10').toString(),
    patientId: m.get('PID.3.1').toString(),
    alarm: alarmRow ? [alarmRow.get('5.1').toString(), alarmRow.get('5.2').toString(), alarmRow.get('5.3').toString()].join('^') : '',
    priority: v(MDC.evtAlarm.refid, '8'),
    source: v(MDC.alertSource.refid, '5.2'),
    phase: v(MDC.eventPhase.refid),
    state: v(MDC.alarmState.refid),
    equipment: alarmRow ? [alarmRow.get('18.1').toString(), alarmRow.get('18.3').toString()].filter((x) => x !== '').join('^') : '',
    escalation,
  };
}
