/**
 * Read the observations of a PCD-01 (or an IHE PCD infusion event: the same ORU_R01 structure) back
 * into plain fields, through node-hl7-client's parser. Rows are found by their MDC reference id in
 * OBX-3, not by position, so a message from another sender (the IHE TF-2 example) reads the same way.
 */
import { Message, type HL7Node } from 'node-hl7-client';
import { MDC } from './mdc.js';

export interface Quantity {
  value: number;
  /** The unit's UCUM text (OBX-6.5 when the unit has an MDC code, else OBX-6.1). */
  unit: string;
}

export interface DecFields {
  type: string;
  controlId: string;
  version: string;
  patientId: string;
  pointOfCare: string;
  bed: string;
  /** OBX-18 of the MDS row: entity id and namespace. */
  equipment: string;
  mds: string;
  infusingStatus?: string | undefined;
  deliveryStatus?: string | undefined;
  deliveryMode?: string | undefined;
  activeSource?: string | undefined;
  rate?: Quantity | undefined;
  vtbi?: Quantity | undefined;
  delivered?: Quantity | undefined;
  remaining?: Quantity | undefined;
  drug?: string | undefined;
  concentration?: Quantity | undefined;
  doseRate?: Quantity | undefined;
  /** OBX-4 of every row, in order. */
  subIds: string[];
}

/** Parse an HL7 text; a clear error (never a partial message) when it is not one. */
export function parseHl7(text: string): Message {
  if (!text.startsWith('MSH|')) throw new RangeError(`not an HL7 message: starts with ${JSON.stringify(text.slice(0, 8))}, not "MSH|"`);
  return new Message({ text: text.replace(/\r?\n/g, '\r').replace(/\r+$/, '') });
}

const str = (n: HL7Node): string => n.toString();

/** OBX-18 of the MDS row: entity id, namespace, universal id, its type (those present). */
function equipmentOf(mds: HL7Node | undefined): string {
  return mds ? [str(mds.get('18.1')), str(mds.get('18.2')), str(mds.get('18.3')), str(mds.get('18.4'))].filter((x) => x !== '').join('^') : '';
}

/**
 * Only what the listener checks of a PCD-01 (PID-3, the MDS row, its OBX-18): reading every row
 * through the library costs about 8 times as much, and the listener does it for every message.
 */
export function readDecIdentity(text: string): Pick<DecFields, 'patientId' | 'mds' | 'equipment'> {
  const m = parseHl7(text);
  let mds: HL7Node | undefined;
  m.get('OBX').forEach((s) => {
    if (!mds && str(s.get('3.2')).endsWith('_MDS')) mds = s;
  });
  return { patientId: str(m.get('PID.3.1')), mds: mds ? str(mds.get('3.2')) : '', equipment: equipmentOf(mds) };
}

export function readDec(text: string): DecFields {
  const m = parseHl7(text);
  const rows = new Map<string, HL7Node>();
  const subIds: string[] = [];
  let mds: HL7Node | undefined;
  m.get('OBX').forEach((s) => {
    const refid = str(s.get('3.2'));
    subIds.push(str(s.get('4')));
    if (refid.endsWith('_MDS') && !mds) mds = s;
    if (!rows.has(refid)) rows.set(refid, s);
  });
  const row = (refid: string): HL7Node | undefined => rows.get(refid);
  const coded = (refid: string): string | undefined => {
    const s = row(refid);
    return s ? str(s.get('5.2')) || str(s.get('5.1')) : undefined;
  };
  const qty = (refid: string): Quantity | undefined => {
    const s = row(refid);
    if (!s) return undefined;
    const sys = str(s.get('6.3'));
    return { value: Number(str(s.get('5'))), unit: sys === 'UCUM' ? str(s.get('6.1')) : str(s.get('6.5')) };
  };
  const equipment = equipmentOf(mds);
  const drugRow = row(MDC.drugNameLabel.refid);
  return {
    type: [str(m.get('MSH.9.1')), str(m.get('MSH.9.2')), str(m.get('MSH.9.3'))].join('^'),
    controlId: str(m.get('MSH.10')),
    version: str(m.get('MSH.12')),
    patientId: str(m.get('PID.3.1')),
    pointOfCare: str(m.get('PV1.3.1')),
    bed: str(m.get('PV1.3.3')),
    equipment,
    mds: mds ? str(mds.get('3.2')) : '',
    infusingStatus: coded(MDC.infusingStatus.refid),
    deliveryStatus: coded(MDC.deliveryStatus.refid),
    deliveryMode: coded(MDC.deliveryMode.refid),
    activeSource: coded(MDC.activeSources.refid),
    rate: qty(MDC.flowFluidPump.refid),
    vtbi: qty(MDC.volTbi.refid),
    delivered: qty(MDC.volDelivTotal.refid),
    remaining: qty(MDC.volTbiRemain.refid),
    drug: drugRow ? str(drugRow.get('5')) : undefined,
    concentration: qty(MDC.concDrug.refid),
    doseRate: qty(MDC.rateDose.refid),
    subIds,
  };
}
