/**
 * The IEEE 11073-10101 (MDC) terms infusim writes in IHE PCD messages, each with the place in IHE's
 * published text where it was checked (docs/hl7.md#codes lists them). A term not found in those
 * sources is not invented: units without a published MDC code travel as UCUM only.
 *
 * TF-2 = IHE PCD Technical Framework Vol. 2, Rev. 9.0 Final Text, 2019-12-12.
 *   M.1.2.2 = Appendix M.1.2.2 "Infusion Event Sample Message" (an infusion pump, ORU_R01 structure)
 *   E.2.3   = Appendix E.2.3, PCD-03 example messages
 *   E.3.2   = Appendix E.3.2, PCD-04 infusion pump occlusion alarm example
 * TF-3 = IHE PCD Technical Framework Vol. 3 (Semantic Content), Rev. 9.0 Final Text, 2019-12-12;
 *   T3.2-1 = Table 3.2-1, Device Alert Event Semantics (<partition>::<term code>).
 * Alarm event codes (MDC_ALARMS) are taken only where two independent public sources give the
 * same number (docs/hl7.md#alarm-codes lists both).
 */
import type { AlarmId } from '../../sim/alarms/alarmTable.js';

export interface MdcTerm {
  code: number;
  refid: string;
  source: string;
}

const t = (code: number, refid: string, source: string): MdcTerm => ({ code, refid, source });

/** Containment (device-related OBX, OBX-11 = X) and metrics (metric-related OBX). */
export const MDC = {
  pumpMds: t(69985, 'MDC_DEV_PUMP_INFUS_MDS', 'TF-2 E.3.2'),
  pumpVmd: t(69986, 'MDC_DEV_PUMP_INFUS_VMD', 'TF-2 E.2.3'),
  deliveryInfo: t(70067, 'MDC_DEV_PUMP_DELIVERY_INFO', 'TF-2 M.1.2.2'),
  sourcePrimary: t(70071, 'MDC_DEV_PUMP_INFUSATE_SOURCE_PRIMARY', 'TF-2 M.1.2.2'),
  infusingStatus: t(184519, 'MDC_PUMP_INFUSING_STATUS', 'TF-2 M.1.2.2'),
  activeSources: t(158016, 'MDC_DEV_PUMP_ACTIVE_SOURCES', 'TF-2 M.1.2.2'),
  deliveryStatus: t(158005, 'MDC_DEV_PUMP_CURRENT_DELIVERY_STATUS', 'TF-2 M.1.2.2'),
  deliveryMode: t(158008, 'MDC_DEV_PUMP_PROGRAM_DELIVERY_MODE', 'TF-2 M.1.2.2'),
  flowFluidPump: t(157784, 'MDC_FLOW_FLUID_PUMP', 'TF-2 M.1.2.2'),
  rateDose: t(157924, 'MDC_RATE_DOSE', 'TF-2 M.1.2.2'),
  volTbi: t(157884, 'MDC_VOL_FLUID_TBI', 'TF-2 M.1.2.2'),
  volDelivTotal: t(157993, 'MDC_VOL_FLUID_DELIV_TOTAL', 'TF-2 M.1.2.2'),
  volTbiRemain: t(157872, 'MDC_VOL_FLUID_TBI_REMAIN', 'TF-2 M.1.2.2'),
  drugNameLabel: t(184514, 'MDC_DRUG_NAME_LABEL', 'TF-2 M.1.2.2'),
  concDrug: t(157760, 'MDC_CONC_DRUG', 'TF-2 M.1.2.2'),
  // PCD-04 (Report Alert): TF-2 E.3.2, the infusion pump occlusion alarm example.
  evtAlarm: t(196616, 'MDC_EVT_ALARM', 'TF-2 E.3.2'),
  evtFluidLineOccl: t(196940, 'MDC_EVT_FLUID_LINE_OCCL', 'TF-2 E.3.2'),
  alertSource: t(68480, 'MDC_ATTR_ALERT_SOURCE', 'TF-2 E.3.2'),
  eventPhase: t(68481, 'MDC_ATTR_EVENT_PHASE', 'TF-2 E.3.2'),
  alarmState: t(68482, 'MDC_ATTR_ALARM_STATE', 'TF-2 E.3.2'),
} as const;

/**
 * infusim's alarms that have an MDC event term (partition 3: 196608 + term code) in the RTM's list
 * of pump events (IHE wiki "PCD Event Nomenclature from Rosetta") whose number two independent
 * sources agree on. The others travel under infusim's own code system (docs/hl7.md#alarm-codes).
 */
export const MDC_ALARMS: Readonly<Partial<Record<AlarmId, MdcTerm>>> = {
  // The RTM has one fluid-line occlusion event, no upstream/downstream pair.
  OCCLUSION_DOWN: MDC.evtFluidLineOccl,
  OCCLUSION_UP: MDC.evtFluidLineOccl,
  CONTAINER_EMPTY: t(196634, 'MDC_EVT_EMPTY', 'TF-3 T3.2-1 (3::26); HL7 THO ValueSet devicealert-condition'),
  LOW_BATTERY: t(196802, 'MDC_EVT_BATT_LO', 'TF-3 T3.2-1 (3::194); SDC DFL CodedValueConstants'),
};

/** Units with a published MDC code: UCUM text → MDC term (TF-2 M.1.2.2 and E.2.3). */
export const MDC_UNITS: Readonly<Record<string, MdcTerm>> = {
  'mL/h': t(265266, 'MDC_DIM_MILLI_L_PER_HR', 'TF-2 M.1.2.2'),
  mL: t(263762, 'MDC_DIM_MILLI_L', 'TF-2 M.1.2.2'),
  'ug/kg/min': t(265619, 'MDC_DIM_MICRO_G_PER_KG_PER_MIN', 'TF-2 M.1.2.2'),
  'mg/mL': t(264306, 'MDC_DIM_MILLI_G_PER_ML', 'TF-2 M.1.2.2'),
};

/** Enumerated values (OBX-5 of CWE metrics), as TF-2 Appendix M writes them. */
export const MDC_ENUMS = {
  infusing: 'pump-status-infusing',
  notInfusing: 'pump-status-not-infusing',
  delivering: 'pump-delivery-status-delivering',
  notDelivering: 'pump-delivery-status-not-delivering',
  kvo: 'pump-delivery-status-kvo',
  continuous: 'pump-program-delivery-mode-continuous',
  sourcePrimary: 'pump-source-info-primary',
  sourcePca: 'pump-source-info-pca',
} as const;

/** OBX-3 / OBX-6 as an HL7 CWE: code^refid^MDC, or UCUM only for a unit without an MDC code. */
export function unitComponents(ucum: string): string[] {
  const mdc = MDC_UNITS[ucum];
  return mdc ? [String(mdc.code), mdc.refid, 'MDC', ucum, ucum, 'UCUM'] : [ucum, ucum, 'UCUM'];
}
