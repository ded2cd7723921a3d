/**
 * Network faults (docs/scenarios.md, "Faults"): partitions of a pump, a segment or the gateway,
 * gateway outages, latency, loss, duplication and reordering. Infusions go on; every event is
 * ingested exactly once after the links heal.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runScenario, type ScenarioRun } from '../../../src/index.js';
import { Network } from '../../../src/harness/link/network.js';
import { alarmsOf, HEPARIN_RATE, infuse, MIN, pumpEvents, recordsOf, stateAt, ward, type Timeline } from './helpers.js';

afterEach(() => {
  vi.restoreAllMocks();
});

/** A nurse pauses and resumes every pump every 2 minutes, so the pumps have events to send. */
function churn(end = '55m', target = 'all'): Timeline {
  return [
    { at: '1m', action: 'pause', target, every: '2m', end },
    { at: '2m', action: 'resume', target, every: '2m', end },
  ];
}

/** Comms timeout of a pump agent: max(30 s, 2.5 telemetry periods). */
const TELEMETRY_MS = 60_000;
const COMM_TIMEOUT_MS = Math.max(30_000, TELEMETRY_MS * 2.5);

function expectCommLostAfterTimeout(run: ScenarioRun, pumpId: string, cutMs: number, healMs: number): void {
  const lost = alarmsOf(run.trace, pumpId, 'COMM_LOST');
  expect(lost.length, `${pumpId} raises COMM_LOST`).toBe(1);
  const at = lost[0]!.tMs;
  // The agent last heard the gateway at most one telemetry period before the cut; it notices
  // at the first telemetry tick past the timeout.
  expect(at - cutMs).toBeGreaterThan(COMM_TIMEOUT_MS - TELEMETRY_MS);
  expect(at - cutMs).toBeLessThanOrEqual(COMM_TIMEOUT_MS + TELEMETRY_MS + 100);
  expect(lost[0]!.prio).toBe('low');
  expect(lost[0]!.stops).toBe(false);
  // It ends soon after the link heals.
  const end = pumpEvents(run.trace, pumpId, 'ALARM_END').filter((e) => e.id === 'COMM_LOST');
  expect(end.length).toBe(1);
  expect(end[0]!.tMs).toBeGreaterThan(healMs);
  expect(end[0]!.tMs).toBeLessThanOrEqual(healMs + TELEMETRY_MS + 100);
}

function expectInfusedThroughout(run: ScenarioRun, pumpId: string, fromMs: number, toMs: number): void {
  const states = pumpEvents(run.trace, pumpId, 'STATE').filter((e) => e.tMs >= fromMs && e.tMs <= toMs);
  expect(states, `${pumpId} changes no state while cut off`).toEqual([]);
  expect(stateAt(run.trace, pumpId, fromMs)).toBe('RUNNING');
}

function expectExactlyOnce(run: ScenarioRun): void {
  const n = run.result.network;
  expect(n.eventsMissing).toBe(0);
  expect(n.eventsIngested).toBe(n.eventsSent);
  expect(run.result.violations).toEqual([]);
  for (const p of run.result.pumps) expect(p.eventsIngested, p.id).toBe(p.eventsSent);
  // The gateway's record holds each (pump, seq) once and every seq from 1 up.
  const seen = new Map<string, number[]>();
  for (const r of run.gateway.record) seen.set(r.pumpId, [...(seen.get(r.pumpId) ?? []), r.seq]);
  for (const p of run.result.pumps) {
    const seqs = [...(seen.get(p.id) ?? [])].sort((a, b) => a - b);
    expect(seqs, p.id).toEqual(Array.from({ length: p.eventsSent }, (_, i) => i + 1));
  }
}

describe('partition', () => {
  it('of one pump: COMM_LOST after the comm timeout, the infusion goes on, link-down/link-up and a network span, no event lost', async () => {
    const run = await runScenario(ward({ pumps: 3, duration: '40m', timeline: [...infuse(), { at: '10m', fault: 'partition', target: 'u-1', end: '25m' }] }));
    const { result, trace } = run;
    expectCommLostAfterTimeout(run, 'u-1', 10 * MIN, 25 * MIN);
    expect(alarmsOf(trace, 'u-2', 'COMM_LOST')).toEqual([]);
    expect(alarmsOf(trace, 'u-3', 'COMM_LOST')).toEqual([]);
    expectInfusedThroughout(run, 'u-1', 10 * MIN, 25 * MIN);
    // Same volume as a pump that was never cut off.
    const vi = (id: string) => result.pumps.find((p) => p.id === id)!.viMl;
    expect(vi('u-1')).toBeCloseTo(vi('u-2'), 1);
    expect(vi('u-1')).toBeGreaterThan((HEPARIN_RATE * 40) / 60 - 0.1);
    expect(recordsOf(trace, 'net').map((r) => [r.what, r.target, r.tMs])).toEqual([
      ['link-down', 'u-1', 10 * MIN],
      ['link-up', 'u-1', 25 * MIN],
    ]);
    expect(result.networkSpans).toEqual([{ what: 'link down', target: 'u-1', startMs: 10 * MIN, endMs: 25 * MIN }]);
    expect(result.faultSpans).toContainEqual({ what: 'partition', target: 'u-1', startMs: 10 * MIN, endMs: 25 * MIN });
    expect(result.network.messagesLost).toBeGreaterThan(0);
    expectExactlyOnce(run);
  });

  it('of a segment: only the pumps on it lose communication', async () => {
    const run = await runScenario(
      ward({ pumps: 2, second: 2, duration: '40m', timeline: [...infuse(), ...churn('35m', 'unit:v'), { at: '10m', fault: 'partition', target: 'segment:t', end: '25m' }] }),
    );
    const { result, trace } = run;
    for (const id of ['v-1', 'v-2']) expectCommLostAfterTimeout(run, id, 10 * MIN, 25 * MIN);
    for (const id of ['u-1', 'u-2']) expect(alarmsOf(trace, id, 'COMM_LOST')).toEqual([]);
    expect(recordsOf(trace, 'fault').find((f) => f.fault === 'partition' && f.phase === 'start')?.pumps).toBe(2);
    expect(recordsOf(trace, 'net').map((r) => [r.what, r.target])).toEqual([
      ['link-down', 'segment:t'],
      ['link-up', 'segment:t'],
    ]);
    expect(result.networkSpans).toEqual([{ what: 'link down', target: 'segment:t', startMs: 10 * MIN, endMs: 25 * MIN }]);
    // Events made while cut off reach the gateway after the link heals, exactly once.
    const late = run.gateway.record.filter((r) => r.pumpId.startsWith('v-') && r.event.tMs > 10 * MIN + 1000 && r.event.tMs < 25 * MIN);
    expect(late.length).toBeGreaterThan(0);
    expect(late.every((r) => r.receivedMs >= 25 * MIN)).toBe(true);
    expectExactlyOnce(run);
  });

  it('of the gateway: every pump loses communication and goes on infusing', async () => {
    const run = await runScenario(ward({ pumps: 2, second: 1, duration: '40m', timeline: [...infuse(), { at: '10m', fault: 'partition', target: 'gateway', end: '25m' }] }));
    for (const id of ['u-1', 'u-2', 'v-1']) {
      expectCommLostAfterTimeout(run, id, 10 * MIN, 25 * MIN);
      expectInfusedThroughout(run, id, 10 * MIN, 25 * MIN);
    }
    expect(recordsOf(run.trace, 'net').map((r) => [r.what, r.target, r.tMs])).toEqual([
      ['gateway-down', 'gateway', 10 * MIN],
      ['gateway-up', 'gateway', 25 * MIN],
    ]);
    expect(run.result.networkSpans).toEqual([{ what: 'gateway down', target: 'gateway', startMs: 10 * MIN, endMs: 25 * MIN }]);
    expectExactlyOnce(run);
  });

  it('a partition with no end lasts the run; the links heal afterwards and every event still arrives', async () => {
    const run = await runScenario(ward({ pumps: 2, duration: '30m', timeline: [...infuse(), ...churn('29m'), { at: '10m', fault: 'partition', target: 'u-1' }] }));
    expect(recordsOf(run.trace, 'net').map((r) => [r.what, r.tMs])).toEqual([
      ['link-down', 10 * MIN],
      ['link-up', 30 * MIN],
    ]);
    expectExactlyOnce(run);
  });
});

describe('gateway-outage', () => {
  it('takes the gateway down whatever the target; pumps queue their events and the gateway ingests each once when it returns', async () => {
    const run = await runScenario(ward({ pumps: 3, duration: '50m', timeline: [...infuse(), ...churn('45m'), { at: '10m', fault: 'gateway-outage', target: 'u-1', end: '35m' }] }));
    const { trace, result, gateway } = run;
    expect(recordsOf(trace, 'net').map((r) => [r.what, r.target, r.tMs])).toEqual([
      ['gateway-down', 'gateway', 10 * MIN],
      ['gateway-up', 'gateway', 35 * MIN],
    ]);
    for (const id of ['u-1', 'u-2', 'u-3']) expectCommLostAfterTimeout(run, id, 10 * MIN, 35 * MIN);
    const queued = gateway.record.filter((r) => r.event.tMs > 10 * MIN + 1000 && r.event.tMs < 35 * MIN);
    expect(queued.length).toBeGreaterThan(20);
    expect(queued.every((r) => r.receivedMs >= 35 * MIN)).toBe(true);
    expect(result.networkSpans).toEqual([{ what: 'gateway down', target: 'gateway', startMs: 10 * MIN, endMs: 35 * MIN }]);
    expectExactlyOnce(run);
  });
});

describe('link quality faults', () => {
  it('latency: the targeted pump\'s messages take that long (plus up to jitter); the others do not', async () => {
    const run = await runScenario(
      ward({ pumps: 2, duration: '30m', timeline: [...infuse(), ...churn('25m'), { at: '5m', fault: 'latency', target: 'u-1', args: { ms: 4000, jitter: 1000 }, end: '20m' }] }),
    );
    const delays = (id: string, from: number, to: number) => run.gateway.record.filter((r) => r.pumpId === id && r.event.tMs > from && r.event.tMs < to).map((r) => r.receivedMs - r.event.tMs);
    const slow = delays('u-1', 6 * MIN, 19 * MIN);
    expect(slow.length).toBeGreaterThan(10);
    for (const d of slow) {
      expect(d).toBeGreaterThanOrEqual(4000);
      expect(d).toBeLessThanOrEqual(5001);
    }
    // The default link (20 ms + up to 5 ms) for the other pump, and for u-1 after the end.
    for (const d of [...delays('u-2', 6 * MIN, 19 * MIN), ...delays('u-1', 21 * MIN, 25 * MIN)]) expect(d).toBeLessThanOrEqual(25);
    expectExactlyOnce(run);
  });

  it('loss: messages are lost, the gateway sees gaps and fills them by retransmission', async () => {
    const run = await runScenario(ward({ pumps: 3, duration: '1h', timeline: [...infuse(), ...churn(), { at: '1m', fault: 'loss', target: 'all', args: { rate: 0.3 }, end: '55m' }] }));
    const n = run.result.network;
    expect(n.messagesLost).toBeGreaterThan(0);
    expect(n.gapsDetected).toBeGreaterThan(0);
    expect(recordsOf(run.trace, 'ingest').filter((r) => r.gapFrom !== undefined).length).toBe(n.gapsDetected);
    expectExactlyOnce(run);
  });

  it('loss with burst: true loses messages in runs (mean run about 5), random loss in short runs', async () => {
    const runs = async (burst: boolean): Promise<{ mean: number; lost: number; total: number }> => {
      const seqs = new Map<object, boolean[]>();
      const proto = Network.prototype as unknown as { lose: (l: object) => boolean };
      const orig = proto.lose;
      vi.spyOn(proto, 'lose').mockImplementation(function (this: Network, l: object) {
        const lost = orig.call(this, l);
        const conditions = (l as { conditions: { lossRate: number } }).conditions;
        if (conditions.lossRate > 0) seqs.set(l, [...(seqs.get(l) ?? []), lost]);
        return lost;
      });
      const run = await runScenario(ward({ pumps: 3, duration: '3h', telemetryEvery: '10s', timeline: [...infuse(), { at: '1m', fault: 'loss', target: 'all', args: { rate: 0.3, burst }, end: '2h50m' }] }));
      vi.restoreAllMocks();
      expectExactlyOnce(run);
      let lostRuns = 0;
      let lost = 0;
      let total = 0;
      for (const s of seqs.values()) {
        s.forEach((x, i) => {
          total++;
          if (x) lost++;
          if (x && !s[i - 1]) lostRuns++;
        });
      }
      return { mean: lost / Math.max(1, lostRuns), lost, total };
    };
    const random = await runs(false);
    const bursty = await runs(true);
    // Both keep about the asked loss rate.
    expect(random.lost / random.total).toBeGreaterThan(0.2);
    expect(random.lost / random.total).toBeLessThan(0.4);
    expect(bursty.lost / bursty.total).toBeGreaterThan(0.15);
    expect(bursty.lost / bursty.total).toBeLessThan(0.45);
    expect(random.mean).toBeLessThan(2);
    expect(bursty.mean).toBeGreaterThan(3.5);
  });

  it('duplicate: messages are delivered twice, the gateway drops the duplicates', async () => {
    const run = await runScenario(ward({ pumps: 3, duration: '1h', timeline: [...infuse(), ...churn(), { at: '1m', fault: 'duplicate', target: 'all', args: { rate: 0.5 }, end: '55m' }] }));
    const n = run.result.network;
    expect(n.duplicatesDelivered).toBeGreaterThan(0);
    expect(n.duplicatesDropped).toBeGreaterThan(0);
    expect(n.messagesDelivered).toBeGreaterThan(n.messagesSent);
    expectExactlyOnce(run);
  });

  it('reorder: later messages overtake held-back ones; the gateway ingests in sequence, exactly once', async () => {
    const run = await runScenario(ward({ pumps: 3, duration: '1h', timeline: [...infuse(), ...churn(), { at: '1m', fault: 'reorder', target: 'all', args: { rate: 0.4 }, end: '55m' }] }));
    const arrivalOrder = run.gateway.record.filter((r) => r.pumpId === 'u-1').map((r) => r.seq);
    const sorted = [...arrivalOrder].sort((a, b) => a - b);
    expect(arrivalOrder).not.toEqual(sorted);
    expect(run.result.network.gapsDetected).toBeGreaterThan(0);
    expectExactlyOnce(run);
  });

  it('with loss, burst loss, duplication, reordering and latency all at once, every event is still ingested exactly once', async () => {
    const faults: Timeline = [
      { at: '1m', fault: 'loss', target: 'unit:u', args: { rate: 0.25, burst: true }, end: '50m' },
      { at: '1m', fault: 'loss', target: 'unit:v', args: { rate: 0.25 }, end: '50m' },
      { at: '1m', fault: 'duplicate', target: 'all', args: { rate: 0.3 }, end: '50m' },
      { at: '1m', fault: 'reorder', target: 'all', args: { rate: 0.3 }, end: '50m' },
      { at: '1m', fault: 'latency', target: 'all', args: { ms: 800, jitter: 400 }, end: '50m' },
    ];
    const run = await runScenario(
      ward({ pumps: 3, second: 3, duration: '1h', link: { loss: 0.05, duplicate: 0.05, reorder: 0.05 }, timeline: [...infuse(), ...churn(), ...faults], expect: [{ check: 'events-exactly-once' }] }),
    );
    const n = run.result.network;
    expect(n.messagesLost).toBeGreaterThan(0);
    expect(n.duplicatesDropped).toBeGreaterThan(0);
    expect(n.gapsDetected).toBeGreaterThan(0);
    expect(n.eventsSent).toBeGreaterThan(100);
    expect(run.result.expectations).toEqual([{ description: 'all events ingested exactly once', passed: true, detail: 'held' }]);
    expectExactlyOnce(run);
  });
});
