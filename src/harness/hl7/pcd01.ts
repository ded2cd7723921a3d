/**
 * PCD-01 Communicate PCD Data (ORU^R01^ORU_R01, IHE PCD TF-2 3.1): one message per pump with the
 * pump's state and mode, rate, volumes, drug, concentration and dose rate as OBX rows in the
 * MDS / VMD / channel containment of TF-2 Appendix B.8 (OBX-4 = mds.vmd.channel.metric), and the
 * pump's equipment id in OBX-18 of the MDS row. Codes: ./mdc.ts (docs/hl7.md#codes).
 */
import type { Segment } from 'node-hl7-client';
import { mlPerHToDoseRate, parseDoseRateUnit, type AmountUnit, type Concentration } from '../../sim/dosing/doseUnits.js';
import type { PumpState } from '../../sim/trace/events.js';
import { MDC, MDC_ENUMS, unitComponents, type MdcTerm } from './mdc.js';
import { addObservationRequest, addPatientVisit, hl7Number, hl7Time, newMessage, setField, type PumpPlace } from './message.js';

/** What the gateway knows of one pump at one instant, and where the pump is. */
export interface DecSnapshot extends PumpPlace {
  state: PumpState;
  mode: 'basic' | 'drug' | 'pca' | '-';
  rateMlPerH: number;
  vtbiMl: number;
  viMl: number;
  drug?: { name: string; concentration: Concentration; doseUnit: string } | undefined;
}

/** Amounts as UCUM (an infusim amount unit → its UCUM code). */
const UCUM_AMOUNT: Readonly<Record<AmountUnit, string>> = { g: 'g', mg: 'mg', mcg: 'ug', ng: 'ng', units: '[iU]', mU: 'm[iU]', mEq: 'meq', mmol: 'mmol', kcal: 'kcal', mL: 'mL' };
const UCUM_TIME = { min: 'min', h: 'h', '24h': 'd' } as const;

/** Infusing status and delivery status by pump state (TF-2 Appendix M enumerations). */
const STATE_ENUMS: Readonly<Record<PumpState, readonly [string, string]>> = {
  RUNNING: [MDC_ENUMS.infusing, MDC_ENUMS.delivering],
  KVO: [MDC_ENUMS.infusing, MDC_ENUMS.kvo],
  IDLE: [MDC_ENUMS.notInfusing, MDC_ENUMS.notDelivering],
  PROGRAMMED: [MDC_ENUMS.notInfusing, MDC_ENUMS.notDelivering],
  PAUSED: [MDC_ENUMS.notInfusing, MDC_ENUMS.notDelivering],
  COMPLETE: [MDC_ENUMS.notInfusing, MDC_ENUMS.notDelivering],
  ALARM: [MDC_ENUMS.notInfusing, MDC_ENUMS.notDelivering],
  OFF: [MDC_ENUMS.notInfusing, MDC_ENUMS.notDelivering],
};

export const PCD01_PROFILE = ['IHE_PCD_001', 'IHE PCD', '1.3.6.1.4.1.19376.1.6.1.1.1', 'ISO'] as const;

export function ucumDoseUnit(text: string): string {
  const u = parseDoseRateUnit(text);
  return [UCUM_AMOUNT[u.amount], ...(u.body ? [u.body] : []), UCUM_TIME[u.time]].join('/');
}

/** The dose rate the pump delivers now, when it needs no body size (weight-based doses are left out). */
export function doseRateOf(s: DecSnapshot): { value: number; ucum: string } | undefined {
  if (!s.drug) return undefined;
  const unit = parseDoseRateUnit(s.drug.doseUnit);
  if (unit.body !== null) return undefined;
  return { value: mlPerHToDoseRate(s.rateMlPerH, unit, s.drug.concentration, {}), ucum: ucumDoseUnit(s.drug.doseUnit) };
}

class ObxWriter {
  private n = 0;
  constructor(private readonly add: () => Segment, private readonly tMs: number) {}
  device(term: MdcTerm, sub: string, equipment?: readonly string[]): void {
    const s = this.row('', term, sub);
    setField(s, 11, ['X']);
    if (equipment) setField(s, 18, equipment);
  }
  metric(type: 'NM' | 'ST' | 'CWE', term: MdcTerm, sub: string, value: readonly string[], unit?: readonly string[]): void {
    const s = this.row(type, term, sub);
    setField(s, 5, value);
    if (unit) setField(s, 6, unit);
    setField(s, 11, ['R']);
    setField(s, 14, [hl7Time(this.tMs)]);
  }
  private row(type: string, term: MdcTerm, sub: string): Segment {
    const s = this.add();
    setField(s, 1, [String(++this.n)]);
    setField(s, 2, [type]);
    setField(s, 3, [String(term.code), term.refid, 'MDC']);
    setField(s, 4, [sub]);
    return s;
  }
}

export function buildPcd01(s: DecSnapshot, controlId: string): string {
  const m = newMessage({ type: ['ORU', 'R01', 'ORU_R01'], controlId, tMs: s.tMs, profile: PCD01_PROFILE });
  addPatientVisit(m, s);
  addObservationRequest(m, { filler: controlId, term: MDC.pumpMds, tMs: s.tMs });

  const [infusing, delivery] = STATE_ENUMS[s.state];
  const o = new ObxWriter(() => m.addSegment('OBX'), s.tMs);
  o.device(MDC.pumpMds, '1.0.0.0', [s.pumpId, 'INFUSIM']);
  o.device(MDC.pumpVmd, '1.1.0.0');
  o.device(MDC.deliveryInfo, '1.1.1.0');
  o.metric('CWE', MDC.infusingStatus, '1.1.1.1', ['', infusing]);
  o.metric('CWE', MDC.activeSources, '1.1.1.2', ['', s.mode === 'pca' ? MDC_ENUMS.sourcePca : MDC_ENUMS.sourcePrimary]);
  o.device(MDC.sourcePrimary, '1.1.2.0');
  o.metric('CWE', MDC.deliveryStatus, '1.1.2.1', ['', delivery]);
  o.metric('CWE', MDC.deliveryMode, '1.1.2.2', ['', MDC_ENUMS.continuous]);
  o.metric('NM', MDC.flowFluidPump, '1.1.2.3', [hl7Number(s.rateMlPerH)], unitComponents('mL/h'));
  o.metric('NM', MDC.volTbi, '1.1.2.4', [hl7Number(s.vtbiMl)], unitComponents('mL'));
  o.metric('NM', MDC.volDelivTotal, '1.1.2.5', [hl7Number(s.viMl)], unitComponents('mL'));
  o.metric('NM', MDC.volTbiRemain, '1.1.2.6', [hl7Number(Math.max(0, s.vtbiMl - s.viMl))], unitComponents('mL'));
  if (s.drug) {
    const c = s.drug.concentration;
    o.metric('ST', MDC.drugNameLabel, '1.1.2.7', [s.drug.name]);
    o.metric('NM', MDC.concDrug, '1.1.2.8', [hl7Number(c.amount / c.volumeMl)], unitComponents(`${UCUM_AMOUNT[c.unit]}/mL`));
    const dose = doseRateOf(s);
    if (dose) o.metric('NM', MDC.rateDose, '1.1.2.9', [hl7Number(dose.value)], unitComponents(dose.ucum));
  }
  return m.toString();
}
