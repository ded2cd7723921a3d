/**
 * PCD-04 (ORU^R40) alarms: a golden message written by hand from TF-2 Appendix E.3.2 (the infusion
 * pump occlusion example) and compared field by field; the TF-2 example reads into the same fields.
 * The other alarms' MDC codes are written from the sources in fixtures/mdcSources.ts (docs/hl7.md#alarm-codes).
 */
import { describe, expect, it } from 'vitest';
import { buildPcd04, type AlertReport } from '../../../src/harness/hl7/pcd04.js';
import { MDC_ALARMS } from '../../../src/harness/hl7/mdc.js';
import { ALARM_IDS } from '../../../src/sim/alarms/alarmTable.js';
import { readAlert } from '../../../src/harness/hl7/readAlert.js';
import { VALIDATORS } from '../../../src/harness/hl7/listener.js';
import { IHE_TF2_E32_OCCLUSION_START } from './fixtures/iheInfusionExample.js';
import { SDC_DFL_CODES, IHE_PCD_EVENT_NOTE_2011, RTM_PUMP_EVENTS, THO_DEVICEALERT_CONDITION, TF3_TERMS, contextFree } from './fixtures/mdcSources.js';

const T = '20260101020000+0000'; // 2 h of virtual time
const occlusion: AlertReport = { tMs: 7_200_000, pumpId: 'icu-2', unit: 'icu', bed: '2', patientId: 'P-icu-2', alarm: 'OCCLUSION_DOWN', priority: 'high', phase: 'start', instanceId: 'icu-2-A1' };
const GOLDEN = [
  `MSH|^~\\&|INFUSIM|INFUSIM|||${T}||ORU^R40^ORU_R40|C-1|P|2.6|||AL|NE||UNICODE UTF-8|||IHE_PCD_ACM_001^IHE PCD^1.3.6.1.4.1.19376.1.6.4.4.1^ISO`,
  'PID|||P-icu-2^^^INFUSIM^PI',
  'PV1||I|icu^^2',
  `OBR|1|C-1^INFUSIM|icu-2-A1^INFUSIM|196616^MDC_EVT_ALARM^MDC|||${T}`,
  `OBX|1|CWE|196616^MDC_EVT_ALARM^MDC|1.0.0.0.1|196940^MDC_EVT_FLUID_LINE_OCCL^MDC^OCCLUSION_DOWN^occlusion down^INFUSIM|||PH|||F|||${T}||||icu-2^INFUSIM`,
  `OBX|2|CWE|68480^MDC_ATTR_ALERT_SOURCE^MDC|1.0.0.0.2|69985^MDC_DEV_PUMP_INFUS_MDS^MDC||||||F|||${T}`,
  'OBX|3|ST|68481^MDC_ATTR_EVENT_PHASE^MDC|1.0.0.0.3|start||||||F',
  'OBX|4|ST|68482^MDC_ATTR_ALARM_STATE^MDC|1.0.0.0.4|active||||||F',
];

describe('PCD-04 builder', () => {
  it('writes the golden occlusion start, field by field', () => {
    const got = buildPcd04(occlusion, 'C-1').split('\r').map((s) => s.split('|'));
    const want = GOLDEN.map((s) => s.split('|'));
    expect(got.length).toBe(want.length);
    want.forEach((seg, i) => expect(got[i], seg[0]).toEqual(seg));
  });

  it('an end is inactive; a change of priority at the pump escalates with the new one; an alarm without a published MDC code uses infusim codes', () => {
    expect(readAlert(buildPcd04({ ...occlusion, phase: 'end' }, 'C-2'))).toMatchObject({ phase: 'end', state: 'inactive', priority: 'PH', escalation: '' });
    expect(readAlert(buildPcd04({ ...occlusion, phase: 'escalate', priority: 'medium' }, 'C-3'))).toMatchObject({ phase: 'escalate', state: 'active', priority: 'PM' });
    expect(readAlert(buildPcd04({ ...occlusion, alarm: 'AIR_IN_LINE', priority: 'low' }, 'C-4'))).toMatchObject({ alarm: 'AIR_IN_LINE^air in line^INFUSIM', priority: 'PL' });
  });

  it('low battery and container empty carry their MDC event codes, infusim\'s id as the alternate code (golden OBX 1.0.0.0.1)', () => {
    const row = (alarm: AlertReport['alarm'], priority: AlertReport['priority']): string[] => buildPcd04({ ...occlusion, alarm, priority }, 'C-9').split('\r')[4]!.split('|');
    // MDC_EVT_BATT_LO 3::194 = 196802 and MDC_EVT_EMPTY 3::26 = 196634 (TF-3 Table 3.2-1; fixtures/mdcSources.ts).
    expect(row('LOW_BATTERY', 'low')).toEqual(`OBX|1|CWE|196616^MDC_EVT_ALARM^MDC|1.0.0.0.1|196802^MDC_EVT_BATT_LO^MDC^LOW_BATTERY^low battery^INFUSIM|||PL|||F|||${T}||||icu-2^INFUSIM`.split('|'));
    expect(row('CONTAINER_EMPTY', 'high')).toEqual(`OBX|1|CWE|196616^MDC_EVT_ALARM^MDC|1.0.0.0.1|196634^MDC_EVT_EMPTY^MDC^CONTAINER_EMPTY^container empty^INFUSIM|||PH|||F|||${T}||||icu-2^INFUSIM`.split('|'));
    expect(readAlert(buildPcd04({ ...occlusion, alarm: 'OCCLUSION_UP' }, 'C-10')).alarm).toBe('196940^MDC_EVT_FLUID_LINE_OCCL^MDC');
    expect(readAlert(buildPcd04({ ...occlusion, alarm: 'COMM_LOST' }, 'C-11')).alarm).toBe('COMM_LOST^comm lost^INFUSIM');
  });

  it('the listener accepts every infusim alarm, under an MDC code or infusim\'s', () => {
    for (const alarm of ALARM_IDS) expect(VALIDATORS['ORU^R40']!(buildPcd04({ ...occlusion, alarm }, `C-${alarm}`)), alarm).toBeUndefined();
  });

  it('the gateway escalation: phase update, still active, and an escalation row with the level and who (golden)', () => {
    const got = buildPcd04({ ...occlusion, tMs: 7_320_000, phase: 'update', escalationLevel: 2 }, 'C-8').split('\r').map((s) => s.split('|'));
    const T2 = '20260101020200+0000';
    expect(got[6]).toEqual('OBX|3|ST|68481^MDC_ATTR_EVENT_PHASE^MDC|1.0.0.0.3|update||||||F'.split('|'));
    expect(got[7]).toEqual('OBX|4|ST|68482^MDC_ATTR_ALARM_STATE^MDC|1.0.0.0.4|active||||||F'.split('|'));
    expect(got[8]).toEqual(`OBX|5|CWE|ESCALATION_LEVEL^escalation level^INFUSIM|1.0.0.0.5|2^rapid response team^INFUSIM||||||F|||${T2}`.split('|'));
    expect(got).toHaveLength(9);
    expect(VALIDATORS['ORU^R40']!(got.map((f) => f.join('|')).join('\r'))).toBeUndefined();
  });

  it('the listener accepts it and refuses a phase TF-2 does not know', () => {
    expect(VALIDATORS['ORU^R40']!(buildPcd04(occlusion, 'C-5'))).toBeUndefined();
    expect(VALIDATORS['ORU^R40']!(buildPcd04(occlusion, 'C-6').replace('|start|', '|begun|'))?.reason).toContain('"begun" is not a phase');
  });
});

describe('the IHE TF-2 E.3.2 occlusion example reads into the same fields', () => {
  it('alarm, source, phase, state, equipment', () => {
    expect(readAlert(IHE_TF2_E32_OCCLUSION_START)).toMatchObject({
      type: 'ORU^R40',
      controlId: '6346172845752460251',
      patientId: 'HO2009003',
      alarm: '196940^MDC_EVT_FLUID_LINE_OCCL^MDC',
      priority: 'ST',
      source: 'MDC_DEV_PUMP_INFUS_MDS',
      phase: 'start',
      state: 'active',
      equipment: 'P6013^0012210000000000',
    });
    const ours = readAlert(buildPcd04(occlusion, 'C-7'));
    expect(ours.alarm.startsWith('196940^MDC_EVT_FLUID_LINE_OCCL^MDC')).toBe(true);
    expect(ours.source).toBe('MDC_DEV_PUMP_INFUS_MDS');
  });
});

describe('each MDC alarm code is an RTM pump event and two independent sources give its number', () => {
  // TF-2 E.3.2's own codes, read from the quoted example.
  const tf2 = Object.fromEntries([...IHE_TF2_E32_OCCLUSION_START.matchAll(/(\d+)\^(MDC_[A-Z_]+)\^MDC/g)].map((m) => [m[2]!, Number(m[1])]));
  const tf3 = Object.fromEntries(Object.entries(TF3_TERMS).map(([refid, pc]) => [refid, contextFree(pc)]));
  const sources: Readonly<Record<string, Readonly<Record<string, number>>>> = {
    'TF-2 E.3.2': tf2,
    'TF-3 Table 3.2-1': tf3,
    'HL7 THO devicealert-condition': THO_DEVICEALERT_CONDITION,
    'SDC DFL CodedValueConstants': SDC_DFL_CODES,
    'IHE PCD event note 2011': IHE_PCD_EVENT_NOTE_2011,
  };
  for (const [alarm, term] of Object.entries(MDC_ALARMS)) {
    it(`${alarm} → ${term!.refid}`, () => {
      expect(RTM_PUMP_EVENTS).toContain(term!.refid);
      const found = Object.entries(sources).filter(([, codes]) => codes[term!.refid] !== undefined).map(([name, codes]) => [name, codes[term!.refid]]);
      expect(found.length, `sources for ${term!.refid}: ${found.map(([n]) => n).join(', ')}`).toBeGreaterThanOrEqual(2);
      for (const [name, code] of found) expect(code, name as string).toBe(term!.code);
    });
  }
});
