/**
 * The scenario's beds and patients in HL7 (docs/hl7.md, "Patients and beds"): PCD-01 and PCD-04 of a
 * pump at a listed bed carry its patient (PID-3, PID-5) and bed (PV1-3); a PCD-03 order names that
 * patient and takes the patient's weight from the scenario. Real MLLP on loopback: the run sends to
 * a listener of this test. Expected values are the scenario text's and a hand calculation: heparin
 * is 25,000 units in 250 mL (100 units/mL), so 18 units/kg/h for 70 kg is 1,260 units/h = 12.6 mL/h.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Hl7Listener, type Received } from '../../../src/harness/hl7/listener.js';
import { buildOrder } from '../../../src/harness/hl7/pcd03.js';
import { sendHl7, type SentOrderAnswer } from '../../../src/harness/hl7/sendOrder.js';
import { runScenario, type ScenarioRun } from '../../../src/harness/run/runScenario.js';
import { parseScenarioText } from '../../../src/harness/scenario/load.js';
import { waitFor as until } from '../../support/waitFor.js';

const SCENARIO = `
name: hl7-beds
seed: 77
duration: 20m
site:
  segments: [{ id: seg-a }]
  units:
    - id: icu
      careArea: icu
      segment: seg-a
      pumps: [{ type: lvp, count: 3 }]
      beds:
        - { id: 12A, pumps: [icu-1], patient: { id: MRN-1001, name: Doe^Jane, weightKg: 70 } }
hl7: { decEvery: 5m }
timeline:
  - { at: 5m, fault: occlusion, target: icu-1, end: 15m, args: { side: down } }
`;

/** Field n (1-based, HL7 numbering) of the first segment `name` of a message. */
function field(text: string, name: string, n: number): string {
  const seg = text.split('\r').find((s) => s.startsWith(`${name}|`)) ?? '';
  return seg.split('|')[n] ?? '';
}

describe('beds and patients reach PID/PV1 and resolve PCD-03 orders', () => {
  const got: Received[] = [];
  const engine = new Hl7Listener({ onMessage: (r) => got.push(r) });
  let run: ScenarioRun;
  let answer: SentOrderAnswer;
  let wallMs = 0;

  beforeAll(async () => {
    const enginePort = await engine.listen();
    let port = 0;
    const log: string[] = [];
    const running = runScenario(parseScenarioText(SCENARIO, 'hl7-beds.yaml'), { speed: 1, wallNowMs: () => wallMs, hl7: { engine: { host: '127.0.0.1', port: enginePort }, ordersPort: 0, onOrdersListening: (p) => (port = p), log: (l) => log.push(l) } });
    await until(() => port !== 0, 'the orders port');
    const sent = sendHl7('127.0.0.1', port, buildOrder({ controlId: 'O-HEP', tMs: 0, orderId: 'ORD-9', patientId: 'MRN-1001', pumpId: 'icu-1', drug: 'heparin', vtbiMl: 250, dose: { value: 18, unit: 'units/kg/h' } }));
    await until(() => log.some((l) => l.includes('order O-HEP')), 'the order taken');
    wallMs = 60_000;
    answer = await sent;
    wallMs = 20 * 60_000;
    run = await running;
  }, 600_000);

  afterAll(() => engine.close());

  it('the order names the scenario patient; the weight comes from the scenario', () => {
    expect([answer.code, answer.ackedId]).toEqual(['AA', 'O-HEP']);
    expect(answer.reason).toContain('PROGRAM drug=heparin dose=18 weight=70 vtbi=250');
    expect(run.trace.records.some((r) => r.kind === 'pump' && r.pumpId === 'icu-1' && r.event.type === 'REMOTE_CONFIRMED')).toBe(true);
  });

  it('PCD-01 and PCD-04 of icu-1 carry the patient and bed; icu-2 keeps bed 2 and P-icu-2', () => {
    const of = (pump: string, type: string): Received[] => got.filter((r) => r.type === type && r.text.includes(`|${pump}^INFUSIM`));
    const dec = of('icu-1', 'ORU^R01');
    expect(dec.length).toBeGreaterThan(0);
    for (const r of dec) {
      expect([field(r.text, 'PID', 3), field(r.text, 'PID', 5), field(r.text, 'PV1', 3)]).toEqual(['MRN-1001^^^INFUSIM^PI', 'Doe^Jane', 'icu^^12A']);
    }
    // Running at 12.6 mL/h once confirmed (the hand calculation above).
    expect(dec.some((r) => r.text.includes('|157784^MDC_FLOW_FLUID_PUMP^MDC|1.1.2.3|12.6|'))).toBe(true);
    const alerts = of('icu-1', 'ORU^R40');
    expect(alerts.length).toBeGreaterThan(0);
    for (const r of alerts) expect([field(r.text, 'PID', 3), field(r.text, 'PV1', 3)]).toEqual(['MRN-1001^^^INFUSIM^PI', 'icu^^12A']);
    const other = of('icu-2', 'ORU^R01');
    expect(other.length).toBeGreaterThan(0);
    expect([field(other[0]!.text, 'PID', 3), field(other[0]!.text, 'PID', 5), field(other[0]!.text, 'PV1', 3)]).toEqual(['P-icu-2^^^INFUSIM^PI', '', 'icu^^2']);
  });
});
