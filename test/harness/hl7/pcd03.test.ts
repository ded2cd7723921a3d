/**
 * PCD-03 messages: the two RGV^O15 examples of IHE PCD TF-2 Appendix E.2.3 read into the fields
 * their storyboard text states (the oracle: "Order #12345 for Patient ID 98765 ... Dopamine, volume
 * to be infused 250 ml at 10 mcg/kg/min ... patient weight 85.0 kg, Pump ID A0001" and "Normal
 * Saline, volume to be infused 500 ml at rate of 13.3 ml/hr"); infusim's own order reads back the
 * same way; the RRG^O16 answer, golden and written by hand from TF-2 3.3.5 and Appendix B.2/B.3.
 */
import { describe, expect, it } from 'vitest';
import { buildOrder, buildRrg, isVolumeRate, readOrder, type InfusionOrder } from '../../../src/harness/hl7/pcd03.js';
import { IHE_TF2_E23_EXAMPLE_1, IHE_TF2_E23_EXAMPLE_2 } from './fixtures/ihePcd03Example.js';

describe('RGV^O15 read', () => {
  it('TF-2 E.2.3 example 1: dopamine by dose rate, weight 85 kg, pump A0001 (deprecated EI-3 form)', () => {
    const o = readOrder(IHE_TF2_E23_EXAMPLE_1);
    expect(o).toEqual({ controlId: '1', orderId: '12345', patientId: '98765', pumpId: 'A0001', drugCode: '1234', drugText: 'Dopamine', vtbiMl: 250, rate: 10, rateUnits: ['3475', 'ug/kg/min'], weightKg: 85 });
    expect(isVolumeRate((o as InfusionOrder).rateUnits)).toBe(false);
  });

  it('TF-2 E.2.3 example 2: normal saline at 13.3 mL/h', () => {
    const o = readOrder(IHE_TF2_E23_EXAMPLE_2);
    expect(o).toMatchObject({ controlId: '2', patientId: '98765', pumpId: 'A0001', drugText: 'Normal Saline', vtbiMl: 500, rate: 13.3, weightKg: undefined });
    expect(isVolumeRate((o as InfusionOrder).rateUnits)).toBe(true);
  });

  it("infusim's own order reads back into what it was built from", () => {
    const text = buildOrder({ controlId: 'C-9', tMs: 0, orderId: 'ORD-9', patientId: 'MRN-1', pumpId: 'icu-3', drug: 'heparin', vtbiMl: 250, dose: { value: 18, unit: 'units/kg/h' }, weightKg: 70 });
    expect(readOrder(text)).toEqual({ controlId: 'C-9', orderId: 'ORD-9', patientId: 'MRN-1', pumpId: 'icu-3', drugCode: 'heparin', drugText: 'heparin', vtbiMl: 250, rate: 18, rateUnits: ['units/kg/h', 'units/kg/h'], weightKg: 70 });
  });

  it('each missing or wrong field is named', () => {
    const e2 = IHE_TF2_E23_EXAMPLE_2;
    expect(readOrder(e2.replace('98765^^^IHE^PI', ''))).toMatchObject({ reason: 'PID-3 patient identifier is empty' });
    expect(readOrder(e2.replace('|500|', '|five hundred|'))).toMatchObject({ reason: 'RXG-5 give amount (the VTBI, mL) "five hundred" is not a number' });
    expect(readOrder(e2.replace('263762^MDC_DIM_MILLI_L^MDC^mL^mL^UCUM ', 'L^L^UCUM'))).toMatchObject({ reason: expect.stringContaining('RXG-7 give units "L^L" are not mL') });
    expect(readOrder(e2.replace('^^A0001^PUMPVENDOR', ''))).toMatchObject({ reason: expect.stringContaining('OBX-18 of the 69986^MDC_DEV_PUMP_INFUS_VMD row (the pump) is empty') });
    expect(readOrder(e2.replace('RGV^O15^RGV_O15', 'ORU^R01^ORU_R01'))).toMatchObject({ reason: 'MSH-9 is ORU^R01, not RGV^O15' });
    expect(readOrder('hello')).toMatchObject({ reason: expect.stringContaining('not an HL7 message') });
  });
});

describe('RRG^O16 answer', () => {
  it('a refusal, field by field', () => {
    const got = buildRrg({ code: 'AR', ackedId: 'O-7', text: 'unknown pump "icu-9"', errorCode: '204^Unknown key identifier^HL70357', patientId: 'MRN-1', orderId: 'ORD-7' }, 'RRG-1', 0).split('\r').map((s) => s.split('|'));
    const want = [
      'MSH|^~\\&|INFUSIM_IOC|INFUSIM|||20260101000000+0000||RRG^O16^RRG_O16|RRG-1|P|2.6|||AL|NE||UNICODE UTF-8|||IHE_PCD_PIV_001^IHE PCD^1.3.6.1.4.1.19376.1.6.1.3.1^ISO',
      'MSA|AR|O-7|unknown pump "icu-9"',
      'ERR|||204^Unknown key identifier^HL70357|E||||unknown pump "icu-9"',
      'PID|||MRN-1^^^INFUSIM^PI',
      'ORC|RE|ORD-7',
    ].map((s) => s.split('|'));
    expect(got).toEqual(want);
  });
});
