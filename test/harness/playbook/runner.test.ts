/**
 * Playbooks in a run (docs/playbooks.md): the steps' timing worked out by hand from the playbook,
 * and what each action does to the traffic that follows it. The ward (test/harness/monitor/helpers.ts):
 * u-1..u-3 on segment s, v-1 and v-2 on segment t, heparin running from 0, links of exactly 20 ms,
 * the monitor's baseline 10 min, 30 min in all.
 */
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../../src/index.js';
import { MIN, monitoredWard } from '../monitor/helpers.js';
import { commandsOf, recordsOf } from '../run/helpers.js';

const S = 1000;

describe('a playbook triggered by an alert', () => {
  /**
   * mallory (a client id unknown to the monitor) sends PAUSE to u-1 every minute from 12m: the
   * first send raises unknown-client (high) at 12m, which triggers the playbook. By hand:
   *   step 1 block-client mallory     starts 12m,     takes 2m30s              ends 14m30s
   *   step 2 narrow-acl unit:u        starts 14m30s,  approval 1m, takes 3m    ends 18m30s (approved 15m30s)
   *   step 3 standalone v-1           starts 18m30s,  takes 30s                ends 19m
   *   step 4 notify-vendor            starts 19m,     takes 0                  ends 19m
   * Contained at 19m (the last containing step, standalone): time to detect 0, time to contain 7m.
   * Pumps affected: u-1, u-2, u-3 (narrow-acl) and v-1 (standalone) = 4.
   */
  const scenario = () =>
    monitoredWard({
      timeline: [
        { at: '12m', fault: 'rogue-client', target: 'u-1', args: { client: 'mallory', command: 'PAUSE' }, every: '1m', end: '25m' },
        { at: '15m50s', fault: 'rogue-client', target: 'u-2', args: { client: 'eve', command: 'PAUSE' }, every: '1m', end: '25m' },
      ],
      expect: [{ check: 'contain', within: '7m' }, { check: 'infusions-interrupted', max: 0 }, { check: 'events-lost', max: 0 }, { check: 'events-exactly-once' }, { check: 'state', target: 'v-1', state: 'RUNNING' }],
      extra: {
        playbooks: [
          {
            id: 'rogue',
            trigger: { alerts: ['unknown-client'], severity: 'high' },
            steps: [
              { role: 'it-security', action: 'block-client', target: 'mallory', takes: '2m30s' },
              { role: 'clinical-engineering', action: 'narrow-acl', target: 'unit:u', takes: '3m', approval: { role: 'it-security', delay: '1m' } },
              { role: 'nursing', action: 'standalone', target: 'v-1', takes: '30s' },
              { role: 'vendor', action: 'notify-vendor' },
            ],
          },
        ],
      },
    });

  it('runs its steps one after the other: each ends at the alert plus every delay and time taken so far', async () => {
    const { result, trace } = await runScenario(scenario());
    const p = result.playbooks?.[0];
    expect(p).toBeDefined();
    expect(p?.trigger).toMatchObject({ kind: 'unknown-client', severity: 'high', atMs: 12 * MIN, clientId: 'mallory' });
    expect(p?.steps.map((s) => [s.n, s.action, s.startMs, s.approval?.atMs, s.doneMs, s.pumps.length])).toEqual([
      [1, 'block-client', 12 * MIN, undefined, 14 * MIN + 30 * S, 0],
      [2, 'narrow-acl', 14 * MIN + 30 * S, 15 * MIN + 30 * S, 18 * MIN + 30 * S, 3],
      [3, 'standalone', 18 * MIN + 30 * S, undefined, 19 * MIN, 1],
      [4, 'notify-vendor', 19 * MIN, undefined, 19 * MIN, 0],
    ]);
    expect(p).toMatchObject({ attack: { what: 'rogue-client', startMs: 12 * MIN }, timeToDetectMs: 0, containedMs: 19 * MIN, timeToContainMs: 7 * MIN, pumpsAffected: 4, infusionsInterrupted: 0, eventsLost: 0 });
    // The trace says what the playbook did, when.
    const lines = recordsOf(trace, 'fault').filter((r) => r.fault.startsWith('playbook:')).map((r) => `${r.tMs / S} ${r.fault} ${r.target}`);
    expect(lines).toEqual(['720 playbook:rogue triggered unknown-client high', '870 playbook:rogue block-client mallory', '930 playbook:rogue approved step 2 by it-security', '1110 playbook:rogue narrow-acl unit:u', '1140 playbook:rogue standalone v-1', '1140 playbook:rogue notify-vendor -']);
    expect(result.expectations.map((e) => [e.description, e.passed])).toEqual([
      ['every playbook contains its incident within 7m', true],
      ['infusions interrupted during incidents at most 0', true],
      ['events lost by the pumps playbooks acted on at most 0', true],
      ['all events ingested exactly once', true],
      ['v-1 RUNNING at the end', true],
    ]);
  });

  it('block-client stops what that client sends; narrow-acl what any other client sends to the pumps', async () => {
    const { trace } = await runScenario(scenario());
    // mallory's PAUSEs reach u-1 (20 ms later) until the block at 14m30s: those of 12m, 13m, 14m.
    const mallory = commandsOf(trace, 'u-1').filter((c) => c.source === 'rogue').map((c) => c.tMs);
    expect(mallory).toEqual([12 * MIN + 20, 13 * MIN + 20, 14 * MIN + 20]);
    // eve's reach u-2 until the ACL is narrowed at 18m30s: 15m50s, 16m50s, 17m50s.
    const eve = commandsOf(trace, 'u-2').filter((c) => c.source === 'rogue').map((c) => c.tMs);
    expect(eve).toEqual([15 * MIN + 50 * S + 20, 16 * MIN + 50 * S + 20, 17 * MIN + 50 * S + 20]);
  });

  it('standalone cuts the pump off the network, its infusion goes on, and its events arrive after the run', async () => {
    const { result, trace } = await runScenario(scenario());
    const cut = recordsOf(trace, 'fault').filter((r) => r.fault === 'partition');
    expect(cut.map((r) => [r.phase, r.target, r.tMs])).toEqual([
      ['start', 'v-1', 19 * MIN],
      ['end', 'v-1', 30 * MIN],
    ]);
    const v1 = result.pumps.find((x) => x.id === 'v-1');
    expect(v1?.finalState).toBe('RUNNING');
    expect(v1?.eventsIngested).toBe(v1?.eventsSent);
    expect(result.violations).toEqual([]);
  });
});

describe('revoke-credential', () => {
  /**
   * u-1's broker credential used from segment t sends PAUSE to u-2 every minute from 12m; the
   * monitor raises unauthorised-command at 12m; the playbook revokes u-1's credential after 90 s
   * (13m30s): the uses at 12m and 13m reach u-2, none after; u-1's own link goes on.
   */
  it("refuses the pump's client id used from elsewhere, and leaves the pump's own link alone", async () => {
    const { result, trace } = await runScenario(
      monitoredWard({
        timeline: [{ at: '12m', fault: 'stolen-credential', target: 'u-2', args: { credential: 'u-1', from: 't' }, every: '1m', end: '20m' }],
        expect: [{ check: 'contain', playbook: 'stolen', within: '90s' }, { check: 'events-exactly-once' }],
        extra: { playbooks: [{ id: 'stolen', trigger: { alerts: ['unauthorised-command', 'foreign-topic'] }, steps: [{ role: 'it-security', action: 'revoke-credential', target: 'u-1', takes: '90s' }] }] },
      }),
    );
    expect(commandsOf(trace, 'u-2').filter((c) => c.source === 'rogue').map((c) => c.tMs)).toEqual([12 * MIN + 20, 13 * MIN + 20]);
    expect(result.playbooks?.[0]).toMatchObject({ timeToDetectMs: 0, containedMs: 13 * MIN + 30 * S, timeToContainMs: 90 * S, pumpsAffected: 1 });
    const u1 = result.pumps.find((x) => x.id === 'u-1');
    expect(u1?.eventsIngested).toBe(u1?.eventsSent);
    expect(result.outcome).toBe('pass');
  });

  it('a playbook whose trigger never comes is reported as not triggered, and contain fails', async () => {
    const { result } = await runScenario(
      monitoredWard({
        expect: [{ check: 'contain', within: '1h' }],
        extra: { playbooks: [{ id: 'quiet', trigger: { alerts: ['replay'] }, steps: [{ role: 'vendor', action: 'notify-vendor' }] }] },
      }),
    );
    expect(result.playbooks?.[0]).toMatchObject({ id: 'quiet', triggered: false, steps: [] });
    expect(result.expectations[0]).toMatchObject({ passed: false, detail: 'quiet never triggered' });
  });
});

describe('start-rollout', () => {
  /**
   * A rollout that waits to be started (targets fromAdvisory, and no advisory action: a playbook
   * starts it). The rogue's first send at 12m triggers the playbook; clinical engineering starts the
   * rollout over unit u after 1 min (13m): its targets are u-1..u-3 (not v-1, v-2), each offered the
   * release at 13m or later.
   */
  it("starts the scenario's rollout over the step's pumps, when the step ends", async () => {
    const { result } = await runScenario(
      monitoredWard({
        idle: true,
        duration: '1h',
        timeline: [{ at: '12m', fault: 'rogue-client', target: 'u-1', args: { client: 'mallory' } }],
        extra: {
          releases: [{ id: 'fw-110', version: '1.1.0' }],
          rollout: { release: 'fw-110', targets: { fromAdvisory: true }, waves: [{ name: 'everyone', percent: 100 }] },
          playbooks: [{ id: 'patch', trigger: { alerts: ['unknown-client'] }, steps: [{ role: 'clinical-engineering', action: 'start-rollout', target: 'unit:u', takes: '1m' }] }],
        },
      }),
    );
    expect(result.playbooks?.[0]?.steps.map((s) => [s.action, s.doneMs, s.pumps])).toEqual([['start-rollout', 13 * MIN, ['u-1', 'u-2', 'u-3']]]);
    // Not a containing action: no time to contain.
    expect(result.playbooks?.[0]?.timeToContainMs).toBeUndefined();
    const r = result.rollout;
    expect(r?.targets).toBe(3);
    expect(r?.pumps.map((p) => p.pumpId).sort()).toEqual(['u-1', 'u-2', 'u-3']);
    for (const p of r?.pumps ?? []) expect(p.offeredMs).toBeGreaterThanOrEqual(13 * MIN);
  });
});
