/**
 * HL7 acknowledgements (original mode, TF-2 Appendix B.2 MSA, B.3 ERR): AA accepted, AE application
 * error (send again later), AR rejected (the message itself is wrong). A refusal carries its reason
 * in MSA-3 and in ERR-8 (user message), so an engine's log says why.
 */
import { hl7Time, newMessage, setField } from './message.js';
import { parseHl7 } from './readDec.js';

export type AckCode = 'AA' | 'AE' | 'AR';

export interface Ack {
  code: AckCode;
  /** MSA-2: the control id of the message acknowledged ('' when it could not be read). */
  ackedId: string;
  reason: string;
}

/** ERR-3 HL7 error codes (HL7 table 0357) infusim uses. */
export const HL7_ERROR = {
  segmentSequence: '100^Segment sequence error^HL70357',
  requiredField: '101^Required field missing^HL70357',
  dataType: '102^Data type error^HL70357',
  unsupportedType: '200^Unsupported message type^HL70357',
  unknownKey: '204^Unknown key identifier^HL70357',
  internal: '207^Application internal error^HL70357',
} as const;

export function buildAck(a: Ack, opts: { controlId: string; tMs: number; trigger?: string; errorCode?: string }): string {
  // MSH-9.2 is three characters (node-hl7-client checks it): the trigger answered, or ACK when unknown.
  const trigger = opts.trigger !== undefined && /^[A-Z0-9]{3}$/.test(opts.trigger) ? opts.trigger : 'ACK';
  const m = newMessage({ type: ['ACK', trigger, 'ACK'], controlId: opts.controlId, tMs: opts.tMs, sendingApp: 'INFUSIM_ENGINE' });
  const msa = m.addSegment('MSA');
  setField(msa, 1, [a.code]);
  setField(msa, 2, [a.ackedId]);
  if (a.reason) setField(msa, 3, [a.reason]);
  if (a.code !== 'AA') {
    const err = m.addSegment('ERR');
    setField(err, 3, (opts.errorCode ?? HL7_ERROR.internal).split('^'));
    setField(err, 4, ['E']);
    setField(err, 8, [a.reason]);
  }
  return m.toString();
}

/** Read an acknowledgement; undefined when the text is not one (the sender then waits on). */
export function readAck(text: string): Ack | undefined {
  try {
    const m = parseHl7(text);
    const code = m.get('MSA.1').toString();
    if (code !== 'AA' && code !== 'AE' && code !== 'AR' && code !== 'CA' && code !== 'CE' && code !== 'CR') return undefined;
    const mapped: AckCode = code === 'AA' || code === 'CA' ? 'AA' : code === 'AE' || code === 'CE' ? 'AE' : 'AR';
    return { code: mapped, ackedId: m.get('MSA.2').toString(), reason: m.get('MSA.3').toString() || m.get('ERR.8').toString() };
  } catch {
    return undefined;
  }
}

export { hl7Time };
