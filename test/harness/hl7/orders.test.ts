/**
 * PCD-03 infusion orders in a run (`--hl7-listen`), over real MLLP on loopback (the port from the
 * OS). The run's clock is held by the test (a paced run with an injected wall clock), so the order
 * reaches the ward before virtual time moves, whatever the machine's load. Expected values come from
 * the drug library file (scenarios/druglib/general-hospital.json) and hand calculation, not from the
 * code under test: insulin is 100 units in 100 mL (1 unit/mL), so 5 units/h is 5 mL/h; its hard
 * dose limit is 30 units/h.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildOrder, type OrderSpec } from '../../../src/harness/hl7/pcd03.js';
import { sendHl7, type SentOrderAnswer } from '../../../src/harness/hl7/sendOrder.js';
import { runScenario, type ScenarioRun } from '../../../src/harness/run/runScenario.js';
import { parseScenarioText } from '../../../src/harness/scenario/load.js';
import { waitFor as until } from '../../support/waitFor.js';

const SCENARIO = `
name: hl7-orders
seed: 318
duration: 30m
site:
  segments: [{ id: seg-a }]
  units:
    - id: icu
      careArea: icu
      segment: seg-a
      pumps: [{ type: lvp, count: 3 }]
hl7: { decEvery: 10m, confirmAfter: 15s }
`;

const base = (over: Partial<OrderSpec>): string => buildOrder({ controlId: 'O-1', tMs: 0, orderId: 'ORD-1', patientId: 'P-icu-1', pumpId: 'icu-1', drug: 'insulin', vtbiMl: 50, dose: { value: 5, unit: 'units/h' }, ...over });

describe('PCD-03: orders from the HL7 side program a pump after confirmation at the pump', () => {
  let wallMs = 0;
  let run: ScenarioRun;
  const answers: Record<string, SentOrderAnswer> = {};
  const log: string[] = [];

  beforeAll(async () => {
    let port = 0;
    const running = runScenario(parseScenarioText(SCENARIO, 'hl7-orders.yaml'), {
      speed: 1,
      wallNowMs: () => wallMs,
      hl7: { ordersPort: 0, onOrdersListening: (p) => (port = p), log: (l) => log.push(l) },
    });
    await until(() => port !== 0, 'the orders port');
    const send = async (name: string, text: string): Promise<void> => {
      answers[name] = await sendHl7('127.0.0.1', port, text, 120_000);
    };
    // Refused before anything reaches a pump: answered while virtual time stands at 0.
    await send('malformed', base({ controlId: 'O-BAD' }).replace(/\rRXG\|[^\r]*/, ''));
    await send('unknownPump', base({ controlId: 'O-PUMP', pumpId: 'icu-9' }));
    await send('unknownPatient', base({ controlId: 'O-PAT', patientId: 'P-icu-7' }));
    await send('wrongBed', base({ controlId: 'O-BED', patientId: 'P-icu-2' }));
    // Sent to the pumps: wait until the ward has them, then let virtual time run.
    const good = send('good', base({ controlId: 'O-GOOD' }));
    const breach = send('breach', base({ controlId: 'O-LIMIT', pumpId: 'icu-2', patientId: 'P-icu-2', dose: { value: 40, unit: 'units/h' } }));
    await until(() => log.filter((l) => l.includes('hl7 orders: order O-')).length === 2, 'both orders taken');
    wallMs = 60_000;
    await Promise.all([good, breach]);
    wallMs = 30 * 60_000;
    run = await running;
  }, 600_000);

  afterAll(() => {
    wallMs = Infinity;
  });

  it('a valid order: RRG^O16 AA, held for confirmation, confirmed by the nurse, then running at the ordered dose', () => {
    const a = answers.good!;
    expect(a.text.split('\r')[0]!.split('|')[8]).toBe('RRG^O16^RRG_O16');
    expect([a.code, a.ackedId]).toEqual(['AA', 'O-GOOD']);
    expect(a.reason).toContain('waits for confirmation at the pump');
    const events = run.trace.records.filter((r) => r.kind === 'pump' && r.pumpId === 'icu-1').map((r) => (r.kind === 'pump' ? r.event : undefined)!);
    const pending = events.findIndex((e) => e.type === 'REMOTE_PENDING');
    const confirmed = events.findIndex((e) => e.type === 'REMOTE_CONFIRMED');
    const running = events.findIndex((e) => e.type === 'STATE' && e.state === 'RUNNING');
    expect(pending).toBeGreaterThanOrEqual(0);
    expect(confirmed).toBeGreaterThan(pending);
    // It starts running with the confirmation, not before.
    expect(running).toBeGreaterThan(pending);
    expect(events[running]!.tMs).toBe(events[confirmed]!.tMs);
    // The nurse confirmed 15 s (confirmAfter) after the start was held.
    expect(events[confirmed]!.tMs - events[pending]!.tMs).toBe(15_000);
    const st = run.world.pump('icu-1').pump.status();
    expect([st.state, st.drug, st.rateMlPerH, st.vtbiMl]).toEqual(['RUNNING', 'insulin', 5, 50]);
    expect(run.hl7?.orders).toMatchObject({ programmed: 1, confirmed: 1 });
  });

  it('a dose beyond the library hard limit: AR with the pump reason; the pump is not changed', () => {
    const a = answers.breach!;
    expect([a.code, a.ackedId]).toEqual(['AR', 'O-LIMIT']);
    expect(a.reason).toContain('HARD_LIMIT');
    expect(a.reason).toContain('30');
    const st = run.world.pump('icu-2').pump.status();
    expect([st.state, st.mode]).toEqual(['IDLE', '-']);
    expect(run.trace.records.some((r) => r.kind === 'pump' && r.pumpId === 'icu-2' && r.event.type === 'REMOTE_PENDING')).toBe(false);
  });

  it('malformed, unknown pump, unknown patient, patient not at the pump: AR with the reason; no command to any pump', () => {
    expect([answers.malformed!.code, answers.malformed!.reason]).toEqual(['AR', 'the RXG segment is missing (TF-2 table 3.3.4.2-1)']);
    expect([answers.unknownPump!.code, answers.unknownPump!.ackedId]).toEqual(['AR', 'O-PUMP']);
    expect(answers.unknownPump!.reason).toContain('unknown pump "icu-9"');
    expect(answers.unknownPatient!.reason).toContain('unknown patient "P-icu-7"');
    expect(answers.unknownPatient!.code).toBe('AR');
    expect(answers.wrongBed!.reason).toContain('not of patient P-icu-2');
    // Only the two orders that were taken reached pumps: icu-1 (PROGRAM, START), icu-2 (PROGRAM, refused); icu-3 nothing.
    const gatewayCommands = run.trace.records.filter((r) => r.kind === 'command' && r.source === 'gateway').map((r) => (r.kind === 'command' ? `${r.pumpId} ${r.command.split(' ')[0]}` : ''));
    expect(gatewayCommands).toEqual(['icu-1 PROGRAM', 'icu-2 PROGRAM', 'icu-1 START']);
    expect(run.world.pump('icu-3').pump.status().state).toBe('IDLE');
  });
});
