/**
 * PCD-01 (ORU^R01) from a pump snapshot. The golden message is written by hand from IHE PCD TF-2
 * (segment layout of Appendix B.8, codes of Appendix M.1.2.2, docs/hl7.md) and hand-calculated
 * values; it is compared field by field. The IHE example of TF-2 M.1.2.2 reads into the same fields.
 */
import { describe, expect, it } from 'vitest';
import { buildPcd01, type DecSnapshot } from '../../../src/harness/hl7/pcd01.js';
import { MDC, MDC_UNITS } from '../../../src/harness/hl7/mdc.js';
import { readDec } from '../../../src/harness/hl7/readDec.js';
import { IHE_TF2_E32_OCCLUSION_START, IHE_TF2_M122_DELIVERY_START } from './fixtures/iheInfusionExample.js';
import { TF3_TERMS, contextFree } from './fixtures/mdcSources.js';

// 01:02:03 of virtual time (3,723,000 ms) is 2026-01-01 01:02:03 UTC (HL7_EPOCH_MS).
const T = '20260101010203+0000';
const heparin: DecSnapshot = {
  tMs: 3_723_000,
  pumpId: 'icu-3',
  unit: 'icu',
  bed: '3',
  patientId: 'P-icu-3',
  state: 'RUNNING',
  mode: 'drug',
  rateMlPerH: 12.5,
  vtbiMl: 250,
  viMl: 40.25,
  // 25,000 units in 500 mL = 50 units/mL; 12.5 mL/h x 50 units/mL = 625 units/h.
  drug: { name: 'Heparin', concentration: { amount: 25_000, unit: 'units', volumeMl: 500 }, doseUnit: 'units/h' },
};

const GOLDEN = [
  'MSH|^~\\&|INFUSIM|INFUSIM|||' + T + '||ORU^R01^ORU_R01|INF-1|P|2.6|||AL|NE||UNICODE UTF-8|||IHE_PCD_001^IHE PCD^1.3.6.1.4.1.19376.1.6.1.1.1^ISO',
  'PID|||P-icu-3^^^INFUSIM^PI',
  'PV1||I|icu^^3',
  'OBR|1||INF-1^INFUSIM|69985^MDC_DEV_PUMP_INFUS_MDS^MDC|||' + T,
  'OBX|1||69985^MDC_DEV_PUMP_INFUS_MDS^MDC|1.0.0.0|||||||X|||||||icu-3^INFUSIM',
  'OBX|2||69986^MDC_DEV_PUMP_INFUS_VMD^MDC|1.1.0.0|||||||X',
  'OBX|3||70067^MDC_DEV_PUMP_DELIVERY_INFO^MDC|1.1.1.0|||||||X',
  'OBX|4|CWE|184519^MDC_PUMP_INFUSING_STATUS^MDC|1.1.1.1|^pump-status-infusing||||||R|||' + T,
  'OBX|5|CWE|158016^MDC_DEV_PUMP_ACTIVE_SOURCES^MDC|1.1.1.2|^pump-source-info-primary||||||R|||' + T,
  'OBX|6||70071^MDC_DEV_PUMP_INFUSATE_SOURCE_PRIMARY^MDC|1.1.2.0|||||||X',
  'OBX|7|CWE|158005^MDC_DEV_PUMP_CURRENT_DELIVERY_STATUS^MDC|1.1.2.1|^pump-delivery-status-delivering||||||R|||' + T,
  'OBX|8|CWE|158008^MDC_DEV_PUMP_PROGRAM_DELIVERY_MODE^MDC|1.1.2.2|^pump-program-delivery-mode-continuous||||||R|||' + T,
  'OBX|9|NM|157784^MDC_FLOW_FLUID_PUMP^MDC|1.1.2.3|12.5|265266^MDC_DIM_MILLI_L_PER_HR^MDC^mL/h^mL/h^UCUM|||||R|||' + T,
  'OBX|10|NM|157884^MDC_VOL_FLUID_TBI^MDC|1.1.2.4|250|263762^MDC_DIM_MILLI_L^MDC^mL^mL^UCUM|||||R|||' + T,
  'OBX|11|NM|157993^MDC_VOL_FLUID_DELIV_TOTAL^MDC|1.1.2.5|40.25|263762^MDC_DIM_MILLI_L^MDC^mL^mL^UCUM|||||R|||' + T,
  'OBX|12|NM|157872^MDC_VOL_FLUID_TBI_REMAIN^MDC|1.1.2.6|209.75|263762^MDC_DIM_MILLI_L^MDC^mL^mL^UCUM|||||R|||' + T,
  'OBX|13|ST|184514^MDC_DRUG_NAME_LABEL^MDC|1.1.2.7|Heparin||||||R|||' + T,
  'OBX|14|NM|157760^MDC_CONC_DRUG^MDC|1.1.2.8|50|[iU]/mL^[iU]/mL^UCUM|||||R|||' + T,
  'OBX|15|NM|157924^MDC_RATE_DOSE^MDC|1.1.2.9|625|[iU]/h^[iU]/h^UCUM|||||R|||' + T,
];

const fieldsOf = (text: string): string[][] => text.split('\r').map((seg) => seg.split('|'));

describe('PCD-01 builder', () => {
  it('writes the golden message, field by field', () => {
    const got = fieldsOf(buildPcd01(heparin, 'INF-1'));
    const want = fieldsOf(GOLDEN.join('\r'));
    expect(got.length).toBe(want.length);
    want.forEach((segment, i) => {
      segment.forEach((field, j) => expect(got[i]?.[j], `${segment[0]}[${i}]-${j}`).toBe(field));
      expect(got[i]?.length, `${segment[0]}[${i}] field count`).toBe(segment.length);
    });
  });

  it('a paused pump is not infusing and not delivering; PCA shows its source', () => {
    const f = readDec(buildPcd01({ ...heparin, state: 'PAUSED', mode: 'pca', rateMlPerH: 0 }, 'INF-2'));
    expect(f.infusingStatus).toBe('pump-status-not-infusing');
    expect(f.deliveryStatus).toBe('pump-delivery-status-not-delivering');
    expect(f.activeSource).toBe('pump-source-info-pca');
    expect(f.rate).toEqual({ value: 0, unit: 'mL/h' });
  });

  it('KVO is infusing at the KVO delivery status', () => {
    const f = readDec(buildPcd01({ ...heparin, state: 'KVO', rateMlPerH: 1 }, 'INF-3'));
    expect([f.infusingStatus, f.deliveryStatus]).toEqual(['pump-status-infusing', 'pump-delivery-status-kvo']);
  });

  it('a weight-based dose is left out (the gateway does not know the weight); a published unit gets its MDC code', () => {
    // 400 mg in 250 mL = 1.6 mg/mL (the concentration of TF-2 E.2.3 example 1).
    const f = buildPcd01({ ...heparin, drug: { name: 'Dopamine', concentration: { amount: 400, unit: 'mg', volumeMl: 250 }, doseUnit: 'mcg/kg/min' } }, 'INF-4');
    expect(f).not.toContain('MDC_RATE_DOSE');
    expect(f).toContain('|1.6|264306^MDC_DIM_MILLI_G_PER_ML^MDC^mg/mL^mg/mL^UCUM|');
  });

  it('a drug name with HL7 delimiters is escaped and reads back whole', () => {
    const text = buildPcd01({ ...heparin, drug: { ...heparin.drug!, name: 'A|B^C&D~E\\F' } }, 'INF-5');
    expect(text).toContain('|A\\F\\B\\S\\C\\T\\D\\R\\E\\E\\F|');
    expect(readDec(text).drug).toBe('A|B^C&D~E\\F');
  });

  it('an idle pump without a program sends no drug rows', () => {
    const f = readDec(buildPcd01({ ...heparin, state: 'IDLE', mode: '-', rateMlPerH: 0, vtbiMl: 0, viMl: 0, drug: undefined }, 'INF-6'));
    expect([f.drug, f.concentration, f.doseRate]).toEqual([undefined, undefined, undefined]);
    expect(f.remaining).toEqual({ value: 0, unit: 'mL' });
  });
});

describe('the IHE TF-2 infusion example reads into the fields infusim produces', () => {
  it('Appendix M.1.2.2, delivery start', () => {
    const f = readDec(IHE_TF2_M122_DELIVERY_START);
    expect(f).toMatchObject({
      controlId: '6358051206735492253',
      version: '2.6',
      patientId: 'HO2009002',
      pointOfCare: '3 West ICU',
      bed: '1',
      equipment: 'E0002^0012210000000000^EUI-64',
      infusingStatus: 'pump-status-infusing',
      deliveryStatus: 'pump-delivery-status-delivering',
      deliveryMode: 'pump-program-delivery-mode-continuous',
      activeSource: 'pump-source-info-primary',
      rate: { value: 15.4, unit: 'mL/h' },
      vtbi: { value: 250, unit: 'mL' },
      delivered: { value: 0, unit: 'mL' },
      remaining: { value: 250, unit: 'mL' },
      drug: 'Dopamine',
      concentration: { value: 1.6, unit: 'mg/mL' },
      doseRate: { value: 5, unit: 'ug/kg/min' },
    });
  });

  it('every code infusim writes appears with the same number in the IHE example or TF-2 E.2.3/E.3.2', () => {
    // The example's own OBX-3 and OBX-6 codes, read from the quoted text.
    const published = new Map<string, number>();
    for (const text of [IHE_TF2_M122_DELIVERY_START, IHE_TF2_E32_OCCLUSION_START]) for (const m of text.matchAll(/(\d+)\^(MDC_[A-Z_]+)\^MDC/g)) published.set(m[2]!, Number(m[1]));
    // TF-2 E.2.3 (PCD-03 example 1, OBX|1||69986^MDC_DEV_PUMP_INFUS_VMD^MDC), quoted.
    published.set('MDC_DEV_PUMP_INFUS_VMD', 69986);
    for (const term of [...Object.values(MDC), ...Object.values(MDC_UNITS)]) expect(published.get(term.refid), term.refid).toBe(term.code);
  });

  it('the codes TF-3 (Rev. 9.0, Tables 3.2-1 and 7.1.x) also lists have the same number there', () => {
    const ours = new Map([...Object.values(MDC), ...Object.values(MDC_UNITS)].map((t) => [t.refid, t.code]));
    const both = Object.keys(TF3_TERMS).filter((refid) => ours.has(refid));
    // MDS, VMD, rate, VTBI remaining, mL/h, mL and MDC_EVT_ALARM: a second source for each.
    expect(both.sort()).toEqual(['MDC_DEV_PUMP_INFUS_MDS', 'MDC_DEV_PUMP_INFUS_VMD', 'MDC_DIM_MILLI_L', 'MDC_DIM_MILLI_L_PER_HR', 'MDC_EVT_ALARM', 'MDC_FLOW_FLUID_PUMP', 'MDC_VOL_FLUID_TBI_REMAIN']);
    for (const refid of both) expect(ours.get(refid), refid).toBe(contextFree(TF3_TERMS[refid]!));
  });
});
