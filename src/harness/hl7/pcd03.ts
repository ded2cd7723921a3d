/**
 * PCD-03 Communicate Infusion Order (IHE PCD TF-2 3.3): the order `RGV^O15^RGV_O15` (MSH, PID,
 * [PV1], ORC, RXG, RXR, OBX: table 3.3.4.2-1) read into plain fields, and built (for `infusim hl7
 * send` and the tests); the answer `RRG^O16^RRG_O16` (MSH, MSA, [ERR]: table 3.3.5-1) built.
 * Fields (TF-2 3.3.4.4.5 RXG, 3.3.4.4.9 OBX): RXG-4 give code (the drug), RXG-5 give amount minimum
 * (the VTBI) with RXG-7 give units (mL), RXG-15 give rate amount with RXG-16 give rate units (a rate
 * in mL/h or a dose rate), the pump in OBX-18 of the 69986 MDC_DEV_PUMP_INFUS_VMD row (EI-1, or EI-3
 * in the deprecated form), the patient's weight in a 68063 MDC_ATTR_PT_WEIGHT row.
 */
import { HL7_ERROR } from './ack.js';
import { MDC, unitComponents } from './mdc.js';
import { hl7Number, newMessage, setField } from './message.js';
import { parseHl7 } from './readDec.js';

/** MSH-21 of PCD-03 (TF-2 3.3.4.4.11: "1.3.6.1.4.1.19376.1.6.1.3.1"). */
export const PCD03_PROFILE = ['IHE_PCD_PIV_001', 'IHE PCD', '1.3.6.1.4.1.19376.1.6.1.3.1', 'ISO'] as const;
/** OBX-3 of the patient's weight (TF-2 3.3.4.4.9). */
export const MDC_ATTR_PT_WEIGHT = { code: 68063, refid: 'MDC_ATTR_PT_WEIGHT' } as const;

export interface InfusionOrder {
  controlId: string;
  /** ORC-2 placer order number ('' when absent). */
  orderId: string;
  patientId: string;
  pumpId: string;
  /** RXG-4: identifier and text. */
  drugCode: string;
  drugText: string;
  vtbiMl: number;
  /** RXG-15 and the first two components of RXG-16 (code or text, and text). */
  rate: number;
  rateUnits: readonly string[];
  weightKg?: number | undefined;
}

export type OrderProblem = { reason: string; errorCode: string };

const RATE_UNITS_ML_PER_H = ['265266', 'MDC_DIM_MILLI_L_PER_HR', 'mL/h', 'ml/h', 'mL/hr', 'ml/hr'];
const VOLUME_UNITS_ML = ['263762', 'MDC_DIM_MILLI_L', 'mL', 'ml'];

/** Is an order's rate in mL/h (a basic infusion) rather than a dose rate? */
export function isVolumeRate(units: readonly string[]): boolean {
  return units.some((u) => RATE_UNITS_ML_PER_H.includes(u));
}

/** Read an RGV^O15; every problem says which segment and field. */
export function readOrder(text: string): InfusionOrder | OrderProblem {
  let m: ReturnType<typeof parseHl7>;
  try {
    m = parseHl7(text);
  } catch (e) {
    return { reason: `not an HL7 message: ${(e as Error).message}`, errorCode: HL7_ERROR.segmentSequence };
  }
  const f = (path: string): string => m.get(path).toString().trim();
  const type = `${f('MSH.9.1')}^${f('MSH.9.2')}`;
  if (type !== 'RGV^O15') return { reason: `MSH-9 is ${type}, not RGV^O15`, errorCode: HL7_ERROR.unsupportedType };
  const missing = (what: string): OrderProblem => ({ reason: `${what} is empty`, errorCode: HL7_ERROR.requiredField });
  for (const seg of ['PID', 'ORC', 'RXG', 'RXR', 'OBX']) {
    if (!new RegExp(`(^|\\r)${seg}\\|`).test(text)) return { reason: `the ${seg} segment is missing (TF-2 table 3.3.4.2-1)`, errorCode: HL7_ERROR.segmentSequence };
  }
  const patientId = f('PID.3.1');
  if (!patientId) return missing('PID-3 patient identifier');
  const drugCode = f('RXG.4.1');
  const drugText = f('RXG.4.2');
  if (!drugCode && !drugText) return missing('RXG-4 give code (the drug)');
  const num = (path: string, what: string): number | OrderProblem => {
    const s = f(path);
    if (!s) return missing(what);
    if (!/^-?\d+(\.\d+)?$/.test(s)) return { reason: `${what} "${s}" is not a number`, errorCode: HL7_ERROR.dataType };
    return Number(s);
  };
  const vtbiMl = num('RXG.5', 'RXG-5 give amount (the VTBI, mL)');
  if (typeof vtbiMl !== 'number') return vtbiMl;
  const volUnits = [f('RXG.7.1'), f('RXG.7.2')];
  if (!volUnits.some((u) => VOLUME_UNITS_ML.includes(u))) return { reason: `RXG-7 give units "${volUnits.filter((u) => u).join('^')}" are not mL (263762^MDC_DIM_MILLI_L^MDC or mL^mL^UCUM)`, errorCode: HL7_ERROR.dataType };
  const rate = num('RXG.15', 'RXG-15 give rate amount');
  if (typeof rate !== 'number') return rate;
  const rateUnits = [f('RXG.16.1'), f('RXG.16.2')].filter((u) => u !== '');
  if (rateUnits.length === 0) return missing('RXG-16 give rate units');
  let pumpId = '';
  let weightKg: number | undefined;
  let weightProblem: OrderProblem | undefined;
  m.get('OBX').forEach((s) => {
    const refid = s.get('3.2').toString().trim();
    const code = s.get('3.1').toString().trim();
    if (refid === MDC.pumpVmd.refid || code === String(MDC.pumpVmd.code)) pumpId ||= s.get('18.1').toString().trim() || s.get('18.3').toString().trim();
    if (refid === MDC_ATTR_PT_WEIGHT.refid || code === String(MDC_ATTR_PT_WEIGHT.code)) {
      const v = s.get('5').toString().trim();
      const unit = [s.get('6.1').toString().trim(), s.get('6.2').toString().trim()];
      if (!/^\d+(\.\d+)?$/.test(v)) weightProblem = { reason: `OBX-5 patient weight "${v}" is not a number`, errorCode: HL7_ERROR.dataType };
      else if (!unit.some((u) => ['kg', '263875', 'MDC_DIM_KILO_G'].includes(u))) weightProblem = { reason: `OBX-6 patient weight unit "${unit.filter((u) => u).join('^')}" is not kg`, errorCode: HL7_ERROR.dataType };
      else weightKg = Number(v);
    }
  });
  if (weightProblem) return weightProblem;
  if (!pumpId) return missing(`OBX-18 of the ${MDC.pumpVmd.code}^${MDC.pumpVmd.refid} row (the pump)`);
  return { controlId: f('MSH.10'), orderId: f('ORC.2.1'), patientId, pumpId, drugCode, drugText, vtbiMl, rate, rateUnits, weightKg };
}

export interface OrderSpec {
  controlId: string;
  tMs: number;
  orderId: string;
  patientId: string;
  pumpId: string;
  /** A library drug id (or any name, for an infusion without the library). */
  drug: string;
  vtbiMl: number;
  /** A rate in mL/h, or a dose rate in `doseUnit` (the library's text or UCUM). */
  rateMlPerH?: number | undefined;
  dose?: { value: number; unit: string } | undefined;
  weightKg?: number | undefined;
}

/** Build an RGV^O15 (TF-2 3.3.4.2, shaped as the examples of TF-2 Appendix E.2.3). */
export function buildOrder(o: OrderSpec): string {
  const m = newMessage({ type: ['RGV', 'O15', 'RGV_O15'], controlId: o.controlId, tMs: o.tMs, sendingApp: 'INFUSIM_IOP', profile: PCD03_PROFILE });
  m.set('MSH.16', 'AL');
  setField(m.addSegment('PID'), 3, [o.patientId, '', '', 'INFUSIM', 'PI']);
  const orc = m.addSegment('ORC');
  setField(orc, 1, ['RE']);
  setField(orc, 2, [o.orderId]);
  const rxg = m.addSegment('RXG');
  setField(rxg, 1, ['1']);
  setField(rxg, 4, [o.drug, o.drug]);
  setField(rxg, 5, [hl7Number(o.vtbiMl)]);
  setField(rxg, 7, unitComponents('mL'));
  if (o.dose) {
    setField(rxg, 15, [hl7Number(o.dose.value)]);
    setField(rxg, 16, [o.dose.unit, o.dose.unit, 'UCUM']);
  } else {
    setField(rxg, 15, [hl7Number(o.rateMlPerH ?? 0)]);
    setField(rxg, 16, unitComponents('mL/h'));
  }
  setField(m.addSegment('RXR'), 1, ['', 'IV', 'HL70162']);
  const vmd = m.addSegment('OBX');
  setField(vmd, 1, ['1']);
  setField(vmd, 3, [String(MDC.pumpVmd.code), MDC.pumpVmd.refid, 'MDC']);
  setField(vmd, 11, ['X']);
  setField(vmd, 18, [o.pumpId, 'INFUSIM']);
  if (o.weightKg !== undefined) {
    const w = m.addSegment('OBX');
    setField(w, 1, ['2']);
    setField(w, 2, ['NM']);
    setField(w, 3, [String(MDC_ATTR_PT_WEIGHT.code), MDC_ATTR_PT_WEIGHT.refid, 'MDC']);
    setField(w, 5, [hl7Number(o.weightKg)]);
    setField(w, 6, ['kg', 'kg', 'UCUM']);
    setField(w, 11, ['R']);
  }
  return m.toString();
}

export interface OrderAnswer {
  code: 'AA' | 'AE' | 'AR';
  ackedId: string;
  /** Why (AE, AR), or what happened (AA). */
  text: string;
  errorCode?: string | undefined;
  orderId?: string | undefined;
  patientId?: string | undefined;
}

/** RRG^O16 (TF-2 3.3.5): MSA with the result in MSA-3; ERR on a refusal; PID and ORC as answered. */
export function buildRrg(a: OrderAnswer, controlId: string, tMs: number): string {
  const m = newMessage({ type: ['RRG', 'O16', 'RRG_O16'], controlId, tMs, sendingApp: 'INFUSIM_IOC', profile: PCD03_PROFILE });
  const msa = m.addSegment('MSA');
  setField(msa, 1, [a.code]);
  setField(msa, 2, [a.ackedId]);
  if (a.text) setField(msa, 3, [a.text]);
  if (a.code !== 'AA') {
    const err = m.addSegment('ERR');
    setField(err, 3, (a.errorCode ?? HL7_ERROR.internal).split('^'));
    setField(err, 4, ['E']);
    setField(err, 8, [a.text]);
  }
  if (a.patientId) setField(m.addSegment('PID'), 3, [a.patientId, '', '', 'INFUSIM', 'PI']);
  if (a.orderId) {
    const orc = m.addSegment('ORC');
    setField(orc, 1, ['RE']);
    setField(orc, 2, [a.orderId]);
  }
  return m.toString();
}
