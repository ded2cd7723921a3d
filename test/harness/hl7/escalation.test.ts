/**
 * PCD-04 escalations in a run: an occlusion nobody answers (the unit's nurses do not respond) is
 * escalated by the gateway to the charge nurse after 2 min and to the rapid response team after
 * 5 min (docs/scenarios.md, the escalation check); each escalation reaches the engine as a PCD-04
 * of the same alarm instance with phase update and the level (docs/hl7.md). Real MLLP on loopback
 * to a listener of this test.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Hl7Listener, type Received } from '../../../src/harness/hl7/listener.js';
import { readAlert } from '../../../src/harness/hl7/readAlert.js';
import { runScenario } from '../../../src/harness/run/runScenario.js';
import { parseScenarioText } from '../../../src/harness/scenario/load.js';

const SCENARIO = `
name: hl7-escalation
seed: 5
duration: 20m
site:
  segments: [{ id: seg-a }]
  units:
    - id: icu
      careArea: icu
      segment: seg-a
      pumps: [{ type: lvp, count: 2 }]
      nurse: { respond: false }
timeline:
  - { at: 1m, action: program, target: icu-1, args: { rate: 100, vtbi: 500 } }
  - { at: 1m30s, action: start, target: icu-1 }
  - { at: 5m, fault: occlusion, target: icu-1, end: 15m, args: { side: down } }
`;

/** Seconds since the epoch of an HL7 time YYYYMMDDHHMMSS+0000. */
function seconds(hl7Time: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})/.exec(hl7Time)!;
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])) / 1000;
}

describe('PCD-04: the gateway escalations of an unanswered alarm', () => {
  const got: Received[] = [];
  const engine = new Hl7Listener({ onMessage: (r) => got.push(r) });

  beforeAll(async () => {
    const port = await engine.listen();
    await runScenario(parseScenarioText(SCENARIO, 'hl7-escalation.yaml'), { hl7: { engine: { host: '127.0.0.1', port } } });
  }, 600_000);

  afterAll(() => engine.close());

  it('start, then update with level 1 (charge nurse) at +2 min and level 2 (rapid response team) at +5 min, one alarm instance (a latched alarm nobody answers has no end)', () => {
    const alerts = got.filter((r) => r.type === 'ORU^R40').map((r) => ({ f: readAlert(r.text), instance: r.text.split('\r').find((s) => s.startsWith('OBR|'))!.split('|')[3]!, t: seconds(r.text.split('\r')[0]!.split('|')[6]!) }));
    const occl = alerts.filter((a) => a.f.alarm.includes('MDC_EVT_FLUID_LINE_OCCL'));
    expect(occl.map((a) => [a.f.phase, a.f.state, a.f.priority, a.f.escalation])).toEqual([
      ['start', 'active', 'PH', ''],
      ['update', 'active', 'PH', '1^charge nurse'],
      ['update', 'active', 'PH', '2^rapid response team'],
    ]);
    expect(new Set(occl.map((a) => a.instance)).size).toBe(1);
    expect([occl[1]!.t - occl[0]!.t, occl[2]!.t - occl[0]!.t]).toEqual([120, 300]);
  });
});
