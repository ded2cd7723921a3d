import { describe, expect, it } from 'vitest';
import { HOUR } from '../../support/time.js';
import type { FirmwareEvent } from '../../../src/sim/firmware/events.js';
import { alarmsPerPumpHour, DEFAULT_GATES, matchesFilter, planWaves, RolloutOrchestrator, type FleetMember, type HealthSample, type RolloutPlan, type RolloutPort } from '../../../src/harness/rollout/index.js';

type Behaviour = 'good' | 'bad' | 'silent' | 'infusing';
type NoTime<E> = E extends unknown ? Omit<E, 'tMs'> : never;

/** A tiny world: a clock, timers, and scripted pumps that answer offers with update events. */
class FakeWorld {
  now = 0;
  private q: { t: number; n: number; run: () => void }[] = [];
  private n = 0;
  offers: { t: number; pumpId: string; release: string }[] = [];
  cancels: string[] = [];
  records: string[] = [];
  health: HealthSample = { updatedAlarmRate: 0, controlAlarmRate: 0, updatedSilent: 0, controlSilent: 0, updatedSelfTestFailures: 0, controlSelfTestFailures: 0 };
  versions = new Map<string, string>();
  healthCalls: { updated: readonly string[]; fromMs: number; toMs: number; since: ReadonlyMap<string, number> | undefined }[] = [];
  o: RolloutOrchestrator | undefined;
  constructor(readonly behaviour: (id: string) => Behaviour, readonly releases: Record<string, string>) {}
  at(t: number, run: () => void): void {
    this.q.push({ t: Math.max(t, this.now), n: this.n++, run });
    this.q.sort((a, b) => a.t - b.t || a.n - b.n);
  }
  runUntil(t: number): void {
    for (;;) {
      const e = this.q[0];
      if (!e || e.t > t) break;
      this.q.shift();
      this.now = e.t;
      e.run();
    }
    this.now = t;
  }
  port(): RolloutPort {
    return {
      nowMs: () => this.now,
      at: (t, run) => this.at(t, run),
      offer: (pumpId, release) => {
        this.offers.push({ t: this.now, pumpId, release });
        this.script(pumpId, release);
      },
      cancel: (pumpId) => this.cancels.push(pumpId),
      record: (e) => this.records.push(`${e.what} ${e.wave ?? ''} ${e.pumpId ?? ''} ${e.detail}`),
      health: (updated, _control, fromMs, toMs, since) => {
        this.healthCalls.push({ updated, fromMs, toMs, since });
        return this.health;
      },
    };
  }
  private emit(pumpId: string, dt: number, e: NoTime<FirmwareEvent>): void {
    this.at(this.now + dt, () => this.o?.onUpdate(pumpId, { ...e, tMs: this.now } as FirmwareEvent));
  }
  private script(pumpId: string, release: string): void {
    const b = this.behaviour(pumpId);
    const version = this.releases[release] ?? '9.9.9';
    if (b === 'silent') return;
    this.emit(pumpId, 100, { type: 'offer-accepted', version, sequence: 1, resumeFromOffset: 0, signatureVerified: true });
    this.emit(pumpId, 30_000, { type: 'written', slot: 'B', version, deadlineMs: 0 });
    if (b === 'infusing') return;
    this.emit(pumpId, 30_001, { type: 'install-started', slot: 'B', version });
    this.emit(pumpId, 31_001, { type: 'switched', slot: 'B', version });
    if (b === 'good') {
      this.emit(pumpId, 61_001, { type: 'boot', slot: 'B', version, profile: 'secure', trial: true, attempt: 1, programMustBeKept: true });
      this.emit(pumpId, 61_002, { type: 'committed', slot: 'B', version, floorVersion: '1.0.0' });
      this.at(this.now + 61_002, () => this.versions.set(pumpId, version));
    } else {
      this.emit(pumpId, 150_000, { type: 'rolled-back', failedSlot: 'B', failedVersion: version, slot: 'A', version: '1.0.0', attempts: 3 });
    }
  }
}

function fleet(n: number, units = ['icu', 'ward']): FleetMember[] {
  return Array.from({ length: n }, (_, i) => ({ id: `p${i + 1}`, unit: units[i % units.length] ?? 'icu', segment: `seg-${units[i % units.length]}`, type: i % 3 === 0 ? 'syringe' : 'lvp', version: '1.0.0' }));
}

function plan(over: Partial<RolloutPlan> = {}): RolloutPlan {
  return {
    release: 'r2',
    version: '2.0.0',
    targets: {},
    waves: [{ name: 'canary', count: 2 }, { name: 'half', percent: 50 }, { name: 'all', percent: 100 }],
    gates: { ...DEFAULT_GATES, successThreshold: 1, errorThreshold: 0.5, soakMs: 10 * 60_000, pumpTimeoutMs: 30 * 60_000 },
    startAtMs: 60_000,
    requireApproval: false,
    policy: 'test',
    ...over,
  };
}

function start(behaviour: (id: string) => Behaviour, p: RolloutPlan, members = fleet(12)): FakeWorld {
  const w = new FakeWorld(behaviour, { r2: '2.0.0', r1: '1.0.1', r3: '2.0.1' });
  w.o = RolloutOrchestrator.create(w.port(), p, members);
  return w;
}


describe('targets and waves', () => {
  it('filters by unit, type, version and segment', () => {
    const m = fleet(6);
    expect(m.filter((p) => matchesFilter(p, { units: ['icu'] })).map((p) => p.id)).toEqual(['p1', 'p3', 'p5']);
    expect(m.filter((p) => matchesFilter(p, { types: ['syringe'] })).map((p) => p.id)).toEqual(['p1', 'p4']);
    expect(m.filter((p) => matchesFilter(p, { versions: ['2.0.0'] }))).toEqual([]);
    expect(m.filter((p) => matchesFilter(p, { segments: ['seg-ward'], types: ['lvp'] })).map((p) => p.id)).toEqual(['p2', 'p6']);
  });

  it('spreads the canary over the targets, then cumulative percents, then units', () => {
    const m = fleet(12);
    expect(planWaves(plan(), m)).toEqual([['p4', 'p10'], ['p1', 'p2', 'p3', 'p5'], ['p6', 'p7', 'p8', 'p9', 'p11', 'p12']]);
    const byUnit = planWaves(plan({ waves: [{ name: 'c', percent: 10 }, { name: 'icu', unit: 'icu' }, { name: 'ward', unit: 'ward' }] }), m);
    expect(byUnit.map((w) => w.length)).toEqual([2, 6, 4]);
    expect(byUnit.flat().sort()).toEqual(m.map((p) => p.id).sort());
  });
});

describe('the rollout orchestrator', () => {
  it('runs every wave behind its gate to full coverage', () => {
    const w = start(() => 'good', plan());
    w.runUntil(6 * HOUR);
    const o = w.o!;
    expect(o.phase).toBe('completed');
    expect(o.waveCounts().map((c) => c.counts.installed)).toEqual([2, 4, 6]);
    expect(o.snapshot().fullCoverageMs).toBeGreaterThan(0);
    // Each wave started only after the previous one passed its soak.
    const [c, h] = o.snapshot().waves;
    expect(h!.startedMs!).toBeGreaterThanOrEqual(c!.passedMs!);
    expect(c!.passedMs! - c!.startedMs!).toBeGreaterThanOrEqual(10 * 60_000);
    expect(w.records.some((r) => r.startsWith('health-ok canary'))).toBe(true);
  });

  it('waits for approval before the first wave', () => {
    const w = start(() => 'good', plan({ requireApproval: true }));
    w.runUntil(2 * HOUR);
    expect(w.o!.phase).toBe('awaiting-approval');
    expect(w.offers).toEqual([]);
    w.o!.approve('change board');
    w.runUntil(2 * HOUR + 60_000);
    expect(w.offers.length).toBe(2);
    // A scheduled approval works as well.
    const v = start(() => 'good', plan({ requireApproval: true, approvalAtMs: HOUR }));
    v.runUntil(HOUR - 1);
    expect(v.offers).toEqual([]);
    v.runUntil(HOUR + 60_000);
    expect(v.offers.length).toBe(2);
  });

  it('pauses at the error threshold before any pump outside the canary is offered', () => {
    const w = start((id) => (id === 'p4' ? 'bad' : 'good'), plan());
    w.runUntil(6 * HOUR);
    const o = w.o!;
    expect(o.phase).toBe('paused');
    expect(new Set(w.offers.map((x) => x.pumpId))).toEqual(new Set(['p4', 'p10']));
    expect(o.pump('p4')).toMatchObject({ status: 'failed', version: '1.0.0' });
    expect(o.snapshot().waves[0]!.gateReason).toMatch(/error threshold: 1 of 2 .*p4 \(syringe\): self-test failed 3 boots/);
  });

  it('aborts instead when the policy says so, cancelling pumps still waiting', () => {
    const w = start((id) => (id === 'p4' ? 'bad' : 'infusing'), plan({ gates: { ...plan().gates, onError: 'abort' } }));
    w.runUntil(6 * HOUR);
    expect(w.o!.phase).toBe('aborted');
    expect(w.cancels).toEqual(['p10']);
  });

  it('counts a silent pump as failed after its timeout (the bricked device does not hide)', () => {
    const w = start((id) => (id === 'p10' ? 'silent' : 'good'), plan());
    w.runUntil(20 * 60_000);
    expect(w.o!.pump('p10')!.status).toBe('downloading');
    w.runUntil(3 * HOUR);
    expect(w.o!.pump('p10')).toMatchObject({ status: 'timed-out' });
    expect(w.o!.phase).toBe('paused');
    expect(w.o!.snapshot().waves[0]!.gateReason).toMatch(/p10 \(syringe\): timed out/);
    // It was offered again while it stayed silent (a download that stopped is retried).
    expect(w.offers.filter((x) => x.pumpId === 'p10').length).toBeGreaterThan(1);
  });

  it('deferred pumps (infusing) do not count as failures', () => {
    const w = start(() => 'infusing', plan());
    w.runUntil(6 * HOUR);
    expect(w.o!.waveCounts()[0]!.counts.deferred).toBe(2);
    expect(w.o!.phase).toBe('running');
  });

  it("counts an updated pump's alarms from its install on: its old version's alarms before the install are not the release's", () => {
    // A deferred pump installs at the idle moment after its infusion ends: NEAR_END and
    // VTBI_COMPLETE of the old version come minutes before (patch-rollout's everyone wave).
    const from = 10 * HOUR;
    const to = from + 30 * 60_000;
    const installed = from + 20 * 60_000;
    const alarms = [
      { pumpId: 'a', raisedMs: installed - 5 * 60_000 },
      { pumpId: 'a', raisedMs: installed - 60_000 },
      { pumpId: 'b', raisedMs: from + 60_000 },
    ];
    // Without install times (as before): 3 alarms over 2 pumps x 0.5 h.
    expect(alarmsPerPumpHour(alarms, ['a', 'b'], from, to)).toBeCloseTo(3);
    // a from its install (10 min), b installed before the soak (30 min): 1 alarm in 40 pump-min.
    const since = new Map([['a', installed], ['b', from - HOUR]]);
    expect(alarmsPerPumpHour(alarms, ['a', 'b'], from, to, since)).toBeCloseTo(1.5);
    // An alarm after the install is the release's, and counts over the pump's hours on it.
    const after = [...alarms, { pumpId: 'a', raisedMs: installed + 60_000 }, { pumpId: 'a', raisedMs: installed + 2 * 60_000 }];
    expect(alarmsPerPumpHour(after, ['a', 'b'], from, to, since)).toBeCloseTo(4.5);
    expect(alarmsPerPumpHour([], [], from, to, since)).toBe(0);
  });

  it("passes each updated pump's install time to the health check", () => {
    const w = start(() => 'good', plan());
    w.runUntil(6 * HOUR);
    expect(w.o!.phase).toBe('completed');
    expect(w.healthCalls.length).toBeGreaterThan(0);
    for (const c of w.healthCalls) {
      expect(c.updated.length).toBeGreaterThan(0);
      for (const id of c.updated) {
        const t = c.since?.get(id);
        expect(t).toBeDefined();
        expect(t!).toBeLessThanOrEqual(c.toMs);
        expect(t!).toBe(w.o!.snapshot().pumps.find((p) => p.pumpId === id)!.finishedMs);
      }
    }
  });

  it('fails the health check when updated pumps alarm more than the others', () => {
    const w = start(() => 'good', plan());
    w.health = { updatedAlarmRate: 5, controlAlarmRate: 0.2, updatedSilent: 0, controlSilent: 0, updatedSelfTestFailures: 0, controlSelfTestFailures: 0 };
    w.runUntil(6 * HOUR);
    expect(w.o!.phase).toBe('paused');
    expect(w.o!.snapshot().waves[0]!.gateReason).toMatch(/health check: alarm rate/);
    const v = start(() => 'good', plan());
    v.health = { updatedAlarmRate: 0, controlAlarmRate: 0, updatedSilent: 0.5, controlSilent: 0, updatedSelfTestFailures: 0, controlSelfTestFailures: 0 };
    v.runUntil(6 * HOUR);
    expect(v.o!.snapshot().waves[0]!.gateReason).toMatch(/health check: telemetry loss/);
    const u = start(() => 'good', plan());
    u.health = { updatedAlarmRate: 0, controlAlarmRate: 0, updatedSilent: 0, controlSilent: 0, updatedSelfTestFailures: 0.5, controlSelfTestFailures: 0 };
    u.runUntil(6 * HOUR);
    expect(u.o!.snapshot().waves[0]!.gateReason).toMatch(/health check: self-test failures/);
  });

  it('pause holds the next wave; resume goes on (and overrides a tripped gate)', () => {
    const w = start(() => 'good', plan());
    w.runUntil(2 * 60_000);
    w.o!.pause('maintenance');
    w.runUntil(3 * HOUR);
    expect(w.offers.length).toBe(2);
    w.o!.resume('done');
    w.runUntil(8 * HOUR);
    expect(w.o!.phase).toBe('completed');
    const v = start((id) => (id === 'p4' ? 'bad' : 'good'), plan());
    v.runUntil(3 * HOUR);
    expect(v.o!.phase).toBe('paused');
    v.o!.resume('accepted the risk');
    v.runUntil(10 * HOUR);
    expect(v.o!.snapshot().waves[0]!.passedMs).toBeDefined();
    expect(v.records.some((r) => /gate of wave canary overridden/.test(r))).toBe(true);
  });

  it('survives its own restart: saved state restored, old timers dead, the rollout goes on', () => {
    const w = start(() => 'good', plan());
    w.runUntil(20 * 60_000);
    const saved = w.o!.save();
    w.o!.dispose();
    const before = w.offers.length;
    w.o = RolloutOrchestrator.restore(w.port(), saved);
    expect(w.o.snapshot().restarts).toBe(1);
    expect(w.o.waveCounts()[0]!.counts.installed).toBe(2);
    w.runUntil(8 * HOUR);
    expect(w.o.phase).toBe('completed');
    // No pump was offered twice by two orchestrators.
    const ids = w.offers.slice(before).map((x) => x.pumpId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(() => RolloutOrchestrator.restore(w.port(), '{"format":"x"}')).toThrow(/not a saved rollout state/);
  });

  it('rolls back (older signed release) or fixes forward the pumps on the rolled-out version', () => {
    const w = start(() => 'good', plan());
    w.runUntil(8 * HOUR);
    w.o!.remediate('r1', '1.0.1', 'field reports');
    w.runUntil(9 * HOUR);
    const counts = w.o!.waveCounts();
    expect(counts.reduce((n, c) => n + c.counts['rolled-back'], 0)).toBe(12);
    expect(w.records.some((r) => r.startsWith('rollback'))).toBe(true);
    const v = start(() => 'good', plan());
    v.runUntil(8 * HOUR);
    v.o!.remediate('r3', '2.0.1');
    v.runUntil(9 * HOUR);
    expect(v.records.some((r) => r.startsWith('fix-forward'))).toBe(true);
  });

  it('starts waves only inside the maintenance window', () => {
    const w = start(() => 'good', plan({ window: { startMs: 2 * HOUR, endMs: 4 * HOUR } }));
    w.runUntil(2 * HOUR - 1);
    expect(w.offers).toEqual([]);
    w.runUntil(2 * HOUR + 60_000);
    expect(w.offers.length).toBe(2);
  });
});
