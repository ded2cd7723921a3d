/**
 * What every infusim HL7 message shares: the MSH header (HL7 v2.6 as IHE PCD requires), the
 * patient and visit (PID, PV1) and observation request (OBR) of the ORU reports, the time format,
 * and setting a field from its components through node-hl7-client, which escapes each component (a
 * drug name with `|` or `^` cannot break a segment).
 */
import { Message, type Segment } from 'node-hl7-client';
import { HL7_2_6 } from 'node-hl7-client/hl7';

/** The wall-clock instant of virtual time 0 (a run's clock starts at 0): 2026-01-01T00:00:00Z. */
export const HL7_EPOCH_MS = Date.UTC(2026, 0, 1);

/** DTM with seconds and a UTC offset (TF-2 Appendix C.4), from a run's virtual ms. */
export function hl7Time(tMs: number): string {
  const d = new Date(HL7_EPOCH_MS + Math.floor(tMs));
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${p(d.getUTCFullYear(), 4)}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}+0000`;
}

export interface HeaderFields {
  /** MSH-9: message code, trigger event, structure. */
  type: readonly [string, string, string];
  controlId: string;
  tMs: number;
  sendingApp?: string;
  sendingFacility?: string;
  receivingApp?: string;
  receivingFacility?: string;
  /** MSH-21 message profile (EI): id, namespace, universal id, its type. */
  profile?: readonly string[];
}

export const INFUSIM_APP = 'INFUSIM';

export function newMessage(h: HeaderFields): Message {
  const m = new Message({ specification: new HL7_2_6(), messageHeader: { msh_9_1: h.type[0], msh_9_2: h.type[1], msh_9_3: h.type[2], msh_10: h.controlId, msh_11_1: 'P' } });
  m.set('MSH.3', h.sendingApp ?? INFUSIM_APP);
  m.set('MSH.4', h.sendingFacility ?? 'INFUSIM');
  if (h.receivingApp) m.set('MSH.5', h.receivingApp);
  if (h.receivingFacility) m.set('MSH.6', h.receivingFacility);
  m.set('MSH.7', hl7Time(h.tMs));
  // MSH-15 accept acknowledgement AL, MSH-16 application acknowledgement NE (TF-2 Appendix B.1, G.1).
  m.set('MSH.15', 'AL');
  m.set('MSH.16', 'NE');
  m.set('MSH.18', 'UNICODE UTF-8');
  if (h.profile) h.profile.forEach((c, i) => m.set(`MSH.21.${i + 1}`, c));
  return m;
}

/** Where the pump is and whose it is: PID-3 the patient id (PI), PV1-2 inpatient, PV1-3 point of care and bed. */
/** Where a pump is and whose it is (PV1-3 point of care and bed, PID-3 and PID-5), at one instant. */
export interface PumpPlace {
  tMs: number;
  pumpId: string;
  /** The pump's unit (PV1-3.1 point of care) and bed (PV1-3.3). */
  unit: string;
  bed: string;
  /** PID-3 patient identifier (PI). */
  patientId: string;
  /** PID-5 family^given, when the scenario names the patient. */
  patientName?: string | undefined;
}

export function addPatientVisit(m: Message, where: Pick<PumpPlace, 'patientId' | 'patientName' | 'unit' | 'bed'>): void {
  writePid(m.addSegment('PID'), where.patientId, where.patientName);
  const pv1 = m.addSegment('PV1');
  setField(pv1, 2, ['I']);
  setField(pv1, 3, [where.unit, '', where.bed]);
}

/** The OBR of an ORU report: OBR-1 set id 1, OBR-2 placer number (if any), OBR-3 filler number, OBR-4 the MDC term observed, OBR-7 when. */
export function addObservationRequest(m: Message, r: { placer?: string; filler: string; term: { code: number; refid: string }; tMs: number }): void {
  const obr = m.addSegment('OBR');
  setField(obr, 1, ['1']);
  if (r.placer !== undefined) setField(obr, 2, [r.placer, 'INFUSIM']);
  setField(obr, 3, [r.filler, 'INFUSIM']);
  setField(obr, 4, [String(r.term.code), r.term.refid, 'MDC']);
  setField(obr, 7, [hl7Time(r.tMs)]);
}

/** Set field `n` of a segment from its components (each escaped by the library). */
export function setField(seg: Segment, n: number, components: readonly (string | number | undefined)[]): void {
  components.forEach((c, i) => {
    if (c !== undefined && c !== '') seg.set(`${n}.${i + 1}`, typeof c === 'number' ? String(c) : c);
  });
}

/** Numbers in OBX-5: no exponent, at most 3 decimals, no trailing zeros. */
export function hl7Number(v: number): string {
  const r = Math.round(v * 1000) / 1000;
  return Object.is(r, -0) ? '0' : String(r);
}

/** PID-3 the patient identifier (PI, TF-2 Appendix B.5), PID-5 the name `family^given` when known. */
export function writePid(pid: Segment, patientId: string, name?: string): void {
  setField(pid, 3, [patientId, '', '', 'INFUSIM', 'PI']);
  if (name) setField(pid, 5, name.split('^'));
}
