/**
 * A playbook left to the trainee (docs/playbooks.md, Training): the trainee chooses the actions on
 * the central station, and the debrief scores each step (right action, right order, in time). By
 * hand from the file below: the monitor alerts (unknown-client) at 12m; the steps' deadlines are the
 * alert + the plan so far + within (2m):
 *   step 1 block-client mallory   12m + 2m              + 2m = 16m
 *   step 2 isolate-segment s      12m + 2m + (1m + 3m)  + 2m = 20m
 *   step 3 notify-vendor          12m + 6m + 5m         + 2m = 25m
 * The trainee isolates the segment first (13m: step 2 out of order, missed), then blocks mallory
 * (14m: step 1 met), and never notifies the vendor (step 3 missed at 25m): 10 of 30 points.
 */
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../../src/index.js';
import { loadTrainingFile, parseTrainingText } from '../../../src/harness/train/schema.js';
import { TrainingSession, type Connection } from '../../../src/harness/train/session.js';
import { ScenarioError } from '../../../src/harness/scenario/load.js';

const MIN = 60_000;

const text = (objective: string): string =>
  [
    'name: t',
    'seed: 5',
    'duration: 30m',
    'site:',
    '  segments: [{ id: s }]',
    '  units:',
    '    - { id: icu, careArea: icu, segment: s, pumps: [{ type: lvp, count: 2 }] }',
    'timeline:',
    '  - { at: 0s, action: program, target: all, args: { drug: heparin, dose: 18, weight: 80, vtbi: 250 } }',
    '  - { at: 0s, action: start, target: all }',
    '  - { at: 12m, fault: rogue-client, target: icu-1, args: { client: mallory }, every: 1m, end: 20m }',
    'monitor: { baseline: 10m }',
    'playbooks:',
    '  - id: pb',
    '    trigger: { alerts: [unknown-client] }',
    '    steps:',
    '      - { role: it-security, action: block-client, target: mallory, takes: 2m }',
    '      - { role: clinical-engineering, action: isolate-segment, target: s, takes: 3m, approval: { role: nursing, delay: 1m } }',
    '      - { role: vendor, action: notify-vendor, takes: 5m }',
    'objectives:',
    objective,
  ].join('\n');

const TRAINEE = '  - { id: ir, kind: respond-incident, playbook: pb, title: Respond, within: 2m, score: 10, hint: Follow the playbook in its order }';

function session(t: string) {
  let wall = 1_000;
  const s = new TrainingSession(parseTrainingText(t, 't.yaml'), { wallNowMs: () => wall, speed: 1, instructorKey: 'k', traineeKey: 'tk' });
  const at = (virtualMs: number): void => {
    wall += Math.max(0, virtualMs - s.world.nowMs);
    s.advance();
  };
  const station: Connection = {};
  expect(s.handle(station, { type: 'hello', role: 'station', key: 'tk' })).toMatchObject({ type: 'welcome' });
  const choose = (action: string, target?: string) => s.handle(station, { type: 'incident', playbook: 'pb', action, ...(target !== undefined ? { target } : {}) });
  return { s, at, choose };
}

describe('a playbook left to the trainee', () => {
  it('scores each step: right action, right order, in time', () => {
    const { s, at, choose } = session(text(TRAINEE));
    at(11 * MIN);
    expect(choose('block-client', 'mallory')).toMatchObject({ ok: false, code: 'NOT_TRIGGERED' });
    at(13 * MIN);
    expect(s.log.some((l) => l.who === 'security' && l.text.startsWith('playbook pb triggered: the response is yours'))).toBe(true);
    expect(choose('block-client', 'gateway')).toMatchObject({ ok: false, code: 'BAD_TARGET' });
    expect(choose('isolate-segment', 's')).toMatchObject({ ok: true, message: 'isolate-segment s: done (step 2, out of order)' });
    at(14 * MIN);
    expect(choose('block-client', 'mallory')).toMatchObject({ ok: true, message: 'block-client mallory: done (step 1, in order)' });
    at(30 * MIN);
    const steps = s.objectives.states.map((o) => [o.def.id, o.def.title, o.status, o.doneMs]);
    expect(steps).toEqual([
      ['ir-1', 'Step 1 of pb: block-client mallory (it-security)', 'met', 14 * MIN],
      ['ir-2', 'Step 2 of pb: isolate-segment s (clinical-engineering)', 'missed', 13 * MIN],
      ['ir-3', 'Step 3 of pb: notify-vendor (vendor)', 'missed', 25 * MIN],
    ]);
    expect(s.objectives.score()).toMatchObject({ points: 10, max: 30, met: 1, missed: 2 });
    // What the trainee chose was carried out: mallory's PAUSE of 12m reached icu-1 (20 to 25 ms
    // later); that of 13m was in flight when the segment was isolated at 13m, and none after.
    const reached = s.ward.trace.records.filter((r) => r.kind === 'command' && r.pumpId === 'icu-1' && r.source === 'rogue').map((r) => r.tMs);
    expect(reached).toHaveLength(1);
    expect(reached[0]).toBeGreaterThanOrEqual(12 * MIN + 20);
    expect(reached[0]).toBeLessThanOrEqual(12 * MIN + 25);
    expect(s.debrief().objectives.find((o) => o.id === 'ir-2')?.note).toMatch(/out of order: before "Step 1 of pb/);
  });

  it("the station's welcome offers the trainee's playbooks and every action, never the steps; a front panel may not act", () => {
    const { s, choose } = session(text(TRAINEE));
    const w = s.handle({}, { type: 'hello', role: 'station', key: 'tk' }) as { incidents?: { playbooks: string[]; actions: { name: string; target: string }[]; segments: string[] } };
    expect(w.incidents?.playbooks).toEqual(['pb']);
    expect(w.incidents?.actions.map((a) => `${a.name}:${a.target}`)).toEqual(['isolate-segment:segment', 'revoke-credential:pump', 'standalone:pumps', 'narrow-acl:pumps', 'block-client:client', 'start-rollout:pumps', 'notify-vendor:none']);
    expect(w.incidents?.segments).toEqual(['s']);
    expect(JSON.stringify(w)).not.toContain('mallory');
    const panel = {};
    expect(s.handle(panel, { type: 'hello', role: 'pump', pumpId: 'icu-1', key: 'tk' })).not.toHaveProperty('incidents');
    expect(s.handle(panel, { type: 'incident', playbook: 'pb', action: 'notify-vendor' })).toMatchObject({ ok: false, code: 'FORBIDDEN' });
    expect(choose('unplug')).toMatchObject({ ok: false, code: 'BAD_MESSAGE' });
  });

  it('a playbook not left to the trainee runs by itself, as in a run (the same trace)', async () => {
    const t = text('  - { id: k, kind: keep-running, title: Keep, target: all, after: 11m, within: 5m, score: 10, hint: h }');
    const { s, at } = session(t);
    at(30 * MIN);
    s.end();
    const loaded = parseTrainingText(t, 't.yaml');
    const { result } = await runScenario(loaded);
    expect(result.playbooks?.[0]?.containedMs).toBe(18 * MIN);
    expect(s.ward.trace.digest()).toBe(result.traceHash);
  });

  it('respond-incident names a playbook of the scenario', () => {
    expect(() => parseTrainingText(text(TRAINEE.replace('playbook: pb', 'playbook: pc')), 't.yaml')).toThrow(ScenarioError);
    expect(() => parseTrainingText(text(TRAINEE.replace('playbook: pb', 'playbook: pc')), 't.yaml')).toThrow(/^t\.yaml:21:\d+: objectives\[0\]\.playbook: no playbook "pc" in the scenario \(playbooks: pb\)/m);
  });
});

describe('scenarios/training/incident-response.yaml', () => {
  /**
   * The scan at 15m raises the alert; the plan: block-client ends 17m, isolate-segment 15m + 2m +
   * 1m + 3m = 21m, notify-vendor 26m; with 3 min of slack the deadlines are 20m, 24m and 29m. The
   * trainee does each in order at 16m, 18m and 20m: 3 x 20 points. The segment is isolated at 18m,
   * before the intruder's first PAUSE (25m): no infusion stops.
   */
  it('a trainee who follows the playbook in time scores every step, and every infusion goes on', () => {
    let wall = 0;
    const s = new TrainingSession(loadTrainingFile('scenarios/training/incident-response.yaml'), { wallNowMs: () => wall, instructorKey: 'k', traineeKey: 'tk' });
    const at = (ms: number): void => {
      wall = ms;
      s.advance();
    };
    const station: Connection = {};
    s.handle(station, { type: 'hello', role: 'station', key: 'tk' });
    const choose = (action: string, target?: string) => s.handle(station, { type: 'incident', playbook: 'ward-rogue', action, ...(target ? { target } : {}) });
    at(16 * MIN);
    expect(choose('block-client', 'scanner')).toMatchObject({ ok: true });
    at(18 * MIN);
    expect(choose('isolate-segment', 'seg-wards')).toMatchObject({ ok: true });
    at(20 * MIN);
    expect(choose('notify-vendor')).toMatchObject({ ok: true });
    at(45 * MIN);
    expect(s.objectives.states.map((o) => [o.def.id, o.status, o.deadlineMs])).toEqual([
      ['respond-1', 'met', 20 * MIN],
      ['respond-2', 'met', 24 * MIN],
      ['respond-3', 'met', 29 * MIN],
    ]);
    expect(s.objectives.score()).toMatchObject({ points: 60, max: 60 });
    expect(s.ward.violations).toEqual([]);
  });
});
