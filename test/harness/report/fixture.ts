/** A hand-built RunResult: 2 units, 5 pumps, alarms of each priority, network spans, a violation. */
import type { AlarmRecord, RunResult, SeriesPoint } from '../../../src/harness/run/result.js';
import { HOUR as H, MIN } from '../../support/time.js';

export const EVIL_PUMP_ID = '<script>alert("x")</script>';

function series(ratesMlPerH: number[]): SeriesPoint[] {
  let viMl = 0;
  return ratesMlPerH.map((rateMlPerH, i) => {
    const p: SeriesPoint = { tMs: i * 30 * MIN, rateMlPerH, viMl, running: rateMlPerH > 0 ? 2 : 0, alarming: 0 };
    viMl += rateMlPerH / 2;
    return p;
  });
}

const alarms: AlarmRecord[] = [
  { pumpId: 'icu-1', unit: 'icu', id: 'OCCLUSION_DOWN', priority: 'high', raisedMs: 1 * H, answeredMs: 1 * H + 30_000, endedMs: 1 * H + 120_000 },
  { pumpId: 'icu-2', unit: 'icu', id: 'OCCLUSION_DOWN', priority: 'high', raisedMs: 1.25 * H, answeredMs: 1.25 * H + 50_000, endedMs: 1.25 * H + 5 * MIN },
  { pumpId: 'icu-2', unit: 'icu', id: 'NEAR_END', priority: 'low', raisedMs: 1.5 * H, answeredMs: 1.5 * H + 60_000, endedMs: 2 * H },
  { pumpId: 'ms-1', unit: 'med-surg', id: 'OCCLUSION_DOWN', priority: 'high', raisedMs: 2 * H, answeredMs: 2 * H + 90_000, endedMs: 2 * H + 200_000 },
  { pumpId: 'ms-2', unit: 'med-surg', id: 'VTBI_COMPLETE', priority: 'medium', raisedMs: 2.5 * H, answeredMs: 2.5 * H + 45_000, endedMs: 2.5 * H + 10 * MIN },
  { pumpId: 'ms-1', unit: 'med-surg', id: 'OCCLUSION_DOWN', priority: 'high', raisedMs: 3 * H, answeredMs: 3 * H + 10_000, endedMs: 3 * H + 60_000 },
  { pumpId: EVIL_PUMP_ID, unit: 'med-surg', id: 'CALLBACK', priority: 'medium', raisedMs: 3 * H + 20 * MIN, answeredMs: 3 * H + 22 * MIN, endedMs: 3 * H + 22 * MIN },
  { pumpId: 'icu-1', unit: 'icu', id: 'AIR_IN_LINE', priority: 'high', raisedMs: 3.5 * H },
];

export function syntheticResult(): RunResult {
  return {
    scenario: {
      name: 'two-units',
      description: 'Two units, a segment outage, a gateway crash & one occlusion missed',
      file: 'scenarios/two-units.yaml',
      seed: 42,
      durationMs: 4 * H,
      expectedOutcome: 'violation',
    },
    seed: 42,
    traceHash: '0123456789abcdef' + 'fedcba9876543210'.repeat(3),
    traceRecords: 1234,
    pumps: [
      { id: 'icu-1', unit: 'icu', segment: 'seg-icu', type: 'lvp', firmware: '2.1.0', finalState: 'ALARM', viMl: 100, deliveredMl: 101, deliveredErrorPct: 1, alarms: 2, eventsSent: 40, eventsIngested: 38 },
      { id: 'icu-2', unit: 'icu', segment: 'seg-icu', type: 'syringe', firmware: '1.4.2', finalState: 'RUNNING', viMl: 20, deliveredMl: 19.9, deliveredErrorPct: -0.5, alarms: 2, eventsSent: 22, eventsIngested: 22 },
      { id: 'ms-1', unit: 'med-surg', segment: 'seg-ms', type: 'lvp', firmware: '2.1.0', finalState: 'RUNNING', viMl: 200, deliveredMl: 206, deliveredErrorPct: 3, alarms: 2, eventsSent: 55, eventsIngested: 55 },
      { id: 'ms-2', unit: 'med-surg', segment: 'seg-ms', type: 'lvp', firmware: '2.1.0', finalState: 'COMPLETE', viMl: 50, deliveredMl: 49, deliveredErrorPct: -2, alarms: 1, eventsSent: 12, eventsIngested: 12 },
      { id: EVIL_PUMP_ID, unit: 'med-surg', segment: 'seg-ms', type: 'lvp', firmware: '2.0.9', finalState: 'IDLE', viMl: 0, deliveredMl: 0, deliveredErrorPct: 0, alarms: 1, eventsSent: 3, eventsIngested: 3 },
    ],
    units: [
      { id: 'icu', careArea: 'icu', segment: 'seg-icu', pumps: 2 },
      { id: 'med-surg', careArea: 'med-surg', segment: 'seg-ms', pumps: 3 },
    ],
    alarms,
    violations: [
      {
        tMs: 3 * H + 5 * MIN + 12_000,
        rule: 'occlusion-announced',
        pumpId: 'ms-1',
        detail: 'flow stopped for 60 s without an occlusion alarm',
        context: ['  11112000 pump ms-1 STATE RUNNING', '  11112000 VIOLATION occlusion-announced ms-1 <flow & pressure>'],
      },
    ],
    expectations: [
      { description: 'every high alarm answered within 120 s', passed: true, detail: 'max 90 s' },
      { description: 'no event lost at the gateway', passed: false, detail: '2 events missing' },
    ],
    network: {
      messagesSent: 500, messagesDelivered: 480, messagesLost: 20, duplicatesDelivered: 3, eventsSent: 132, eventsIngested: 130,
      duplicatesDropped: 3, gapsDetected: 1, eventsMissing: 2, commandsSent: 17, commandsRefused: 4,
    },
    series: {
      icu: series([0, 50, 60, 60, 20, 0, 40, 40, 40]),
      'med-surg': series([25, 25, 100, 125, 125, 80, 80, 0, 0]),
    },
    seriesEveryMs: 30 * MIN,
    networkSpans: [
      { what: 'link-down', target: 'seg-icu', startMs: 1 * H, endMs: 1 * H + 20 * MIN },
      { what: 'gateway-down', target: 'gateway', startMs: 2 * H, endMs: 2 * H + 10 * MIN },
    ],
    faultSpans: [
      { what: 'segment-outage', target: 'seg-icu', startMs: 1 * H, endMs: 1 * H + 20 * MIN },
      { what: 'gateway-crash', target: 'gateway', startMs: 2 * H, endMs: 2 * H + 10 * MIN },
      { what: 'packet-loss', target: 'seg-ms', startMs: 0.5 * H, endMs: 3 * H },
    ],
    outcome: 'violation',
    exitCode: 0,
    wallMs: 1234.5,
  };
}
