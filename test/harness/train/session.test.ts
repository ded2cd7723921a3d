import { describe, expect, it } from 'vitest';
import { ScenarioError } from '../../../src/harness/scenario/load.js';
import { PacedClock } from '../../../src/harness/train/clock.js';
import { renderDebriefHtml } from '../../../src/harness/train/debrief.js';
import { loadTrainingFile, parseTrainingText } from '../../../src/harness/train/schema.js';
import { openTrainingSession, TrainingSession, type Connection } from '../../../src/harness/train/session.js';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A wall clock the test moves by hand. */
function fakeWall(): { now: () => number; advance: (ms: number) => void } {
  let t = 1_000;
  return { now: () => t, advance: (ms) => void (t += ms) };
}

function session(name: string, speed = 1) {
  const wall = fakeWall();
  const s = new TrainingSession(loadTrainingFile(`scenarios/training/${name}.yaml`), { wallNowMs: wall.now, speed, instructorKey: 'k3y', traineeKey: 'tr4inee' });
  const at = (virtualMs: number): void => {
    wall.advance(Math.max(0, virtualMs - s.world.nowMs) / s.clock.speed);
    s.advance();
  };
  const panel = (pumpId: string): Connection => {
    const c: Connection = {};
    expect(s.handle(c, { type: 'hello', role: 'pump', pumpId, key: 'tr4inee' })).toMatchObject({ type: 'welcome', pumpId });
    return c;
  };
  const key = (c: Connection, line: string) => s.handle(c, JSON.stringify({ type: 'command', pumpId: c.pumpId, line }));
  const obj = (id: string) => s.objectives.states.find((o) => o.def.id === id)!;
  return { s, wall, at, panel, key, obj };
}

/** The first lines of a small training file (lines 1 to 7): one segment, one ICU unit of two pumps. */
const SMALL_SITE = ['name: t', 'seed: 1', 'duration: 10m', 'site:', '  segments: [{ id: s }]', '  units:', '    - { id: icu, careArea: icu, segment: s, pumps: [{ type: lvp, count: 2 }] }'];

describe('training files', () => {
  it('loads the shipped training scenarios', () => {
    for (const f of ['occlusion-drill', 'soft-and-hard-limits', 'security-awareness']) {
      const t = loadTrainingFile(`scenarios/training/${f}.yaml`);
      expect(t.objectives.length).toBeGreaterThanOrEqual(3);
      expect(t.brief).not.toBe('');
    }
  });

  it('reports problems in the scenario and the objectives with file:line:column', () => {
    const text = [
      ...SMALL_SITE,
      'timeline:',
      '  - { at: 1m, action: start, target: icu-1 }',
      'objectives:',
      '  - { id: a, kind: respond-alarm, title: T, alarm: OCCLUSION, target: icu-9, within: 1m, score: 10, hint: h }',
      '  - { id: b, kind: fly, title: T, target: icu-1, within: 1m, score: 10, hint: h }',
    ].join('\n');
    let err: unknown;
    try {
      parseTrainingText(text, 'x.yaml');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ScenarioError);
    const msg = (err as Error).message;
    expect(msg).toMatch(/^x\.yaml:12:\d+: objectives\[1\]\.kind: expected one of respond-alarm, .*; got "fly"/m);
    expect(msg).toMatch(/^x\.yaml:11:\d+: objectives\[0\]\.target: target "icu-9" selects no pump/m);
    expect(msg).toMatch(/^x\.yaml:11:\d+: objectives\[0\]\.alarm: unknown alarm "OCCLUSION"/m);
    // A broken scenario part is reported by the main loader, with its positions.
    expect(() => parseTrainingText(text.replace('action: start', 'action: progrm'), 'x.yaml')).toThrow(/^x\.yaml:9:\d+: timeline\[0\]\.action: .*"progrm"/m);
  });

  it('runs the advisory loop in training too: match, patch by rollout, compensating controls (docs/advisories.md)', async () => {
    const text = [
      'name: t',
      'seed: 1',
      'duration: 4h',
      'site:',
      '  segments: [{ id: s }]',
      '  units:',
      '    - id: ward',
      '      careArea: medsurg',
      '      segment: s',
      '      pumps: [{ type: lvp, count: 2, firmware: 1.0.0 }, { type: lvp, count: 2, firmware: "0.9.2", profile: legacy-unauthenticated, prefix: legacy }]',
      'releases:',
      '  - { id: fw-110, version: 1.1.0, minVersion: 1.0.0 }',
      'rollout:',
      '  release: fw-110',
      '  targets: { fromAdvisory: true }',
      '  waves: [{ count: 1 }, { percent: 100 }]',
      '  gates: { soak: 10m }',
      'timeline:',
      '  - { at: 1m, action: advisory, args: { file: advisories/INFUSIM-SA-2026-001-tls.json } }',
      'objectives:',
      '  - { id: a, kind: keep-running, title: T, target: ward-1, within: 5m, score: 10, hint: h }',
    ].join('\n');
    const loaded = parseTrainingText(text, 'scenarios/x.yaml');
    // The advisory is read and validated before the session exists.
    expect(() => new TrainingSession(loaded)).toThrow('must be read first');
    const wall = fakeWall();
    const s = await openTrainingSession(loaded, { wallNowMs: wall.now, speed: 100 });
    wall.advance(4 * 3_600_000 / 100);
    s.advance();
    // Expected from the shipped TLS advisory: 1.0.0 (larkspur-tls 2.16.12) is fixed by 1.1.0; 0.9.2 (0.9.8) has no fix planned.
    expect(s.log.find((l) => l.who === 'security' && l.text.startsWith('advisory INFUSIM-SA-2026-001'))?.text).toContain('4 pumps affected, 2 to be patched by the rollout, 2 that cannot be patched put under compensating controls');
    expect(['ward-1', 'ward-2', 'legacy-1', 'legacy-2'].map((id) => s.world.pump(id).pump.firmwareVersion)).toEqual(['1.1.0', '1.1.0', '0.9.2', '0.9.2']);
    expect(['legacy-1', 'legacy-2', 'ward-1'].map((id) => s.ward.network.isAclNarrowed(id) && s.ward.network.isIsolated(id))).toEqual([true, true, false]);
  });

  it('refuses a malformed advisory before the session starts, with the JSON path', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'infusim-train-adv-'));
    const doc = JSON.parse(readFileSync('scenarios/advisories/INFUSIM-SA-2026-001-tls.json', 'utf8')) as { document: { title?: string } };
    delete doc.document.title;
    writeFileSync(join(dir, 'bad.json'), JSON.stringify(doc));
    const text = ['name: t', 'seed: 1', 'duration: 10m', 'site:', '  segments: [{ id: s }]', '  units:', '    - { id: icu, careArea: icu, segment: s, pumps: [{ type: lvp, count: 2 }] }', 'timeline:', '  - { at: 1m, action: advisory, args: { file: bad.json } }', 'objectives:', '  - { id: a, kind: keep-running, title: T, target: icu-1, within: 5m, score: 10, hint: h }'].join('\n');
    await expect(openTrainingSession(parseTrainingText(text, join(dir, 'x.yaml')))).rejects.toThrow(`${join(dir, 'bad.json')}: not a valid CSAF 2.0 document: /document`);
  });

  it('needs objectives', () => {
    expect(() => parseTrainingText('name: t\nseed: 1\nduration: 1m\nsite:\n  segments: [{ id: s }]\n  units: [{ id: u, careArea: icu, segment: s, pumps: [{ type: lvp, count: 1 }] }]\n', 'y.yaml')).toThrow(/objectives: \(a list/);
  });
});

describe('the paced clock', () => {
  it('paces virtual time by the speed, pauses and changes speed without jumps', () => {
    const wall = fakeWall();
    const c = new PacedClock(wall.now, 2);
    wall.advance(1000);
    expect(c.virtualNowMs()).toBe(2000);
    c.pause();
    wall.advance(5000);
    expect(c.virtualNowMs()).toBe(2000);
    c.resume();
    wall.advance(1000);
    expect(c.virtualNowMs()).toBe(4000);
    c.setSpeed(10);
    wall.advance(1000);
    expect(c.virtualNowMs()).toBe(14_000);
    expect(() => c.setSpeed(0)).toThrow(RangeError);
  });
});

describe('a training session (occlusion drill)', () => {
  it('scores the drill: answer, clear and restart, hard limit queried, soft limit confirmed', () => {
    const { s, at, panel, key, obj } = session('occlusion-drill');
    at(3 * 60_000 + 50_000);
    const alarm = s.snapshot().alarms[0];
    expect(alarm).toMatchObject({ pumpId: 'icu-3', id: 'OCCLUSION_DOWN', priority: 'high' });
    expect(s.snapshot().station.audio).toBe('high');
    const p3 = panel('icu-3');
    expect(key(p3, 'SILENCE')).toMatchObject({ ok: true, line: 'SILENCE' });
    expect(obj('answer-occlusion').status).toBe('met');
    expect(key(p3, 'RESUME')).toMatchObject({ ok: false, code: 'ALARM_ACTIVE' });
    expect(key(p3, 'INJECT occlusion=clear')).toMatchObject({ ok: true });
    expect(key(p3, 'ACK')).toMatchObject({ ok: true });
    expect(key(p3, 'RESUME')).toMatchObject({ ok: true });
    expect(obj('clear-and-restart').status).toBe('met');

    const p4 = panel('icu-4');
    expect(key(p4, 'PROGRAM drug=heparin dose=45 weight=80 vtbi=250')).toMatchObject({ ok: false, code: 'HARD_LIMIT' });
    expect(s.handle(p4, { type: 'report', pumpId: 'icu-4', concern: 'order-query' })).toMatchObject({ ok: true });
    expect(obj('hard-limit').status).toBe('met');
    expect(key(p4, 'PROGRAM drug=heparin dose=30 weight=80 vtbi=250')).toMatchObject({ ok: false, code: 'SOFT_LIMIT' });
    expect(key(p4, 'PROGRAM drug=heparin dose=30 weight=80 vtbi=250 override=1')).toMatchObject({ ok: true });
    expect(key(p4, 'START')).toMatchObject({ ok: true });
    expect(obj('soft-limit-order').status).toBe('met');
    expect(s.objectives.score()).toMatchObject({ points: 100, max: 100, met: 4 });

    s.end();
    const html = renderDebriefHtml(s.debrief());
    expect(html).toContain('Score 100 / 100');
    expect(html).not.toMatch(/<script|https?:\/\//);
    expect(html).toContain('OVERRIDE'.toLowerCase());
  });

  it('misses what the trainee does not do, with the time and a hint', () => {
    const { s, at, obj } = session('occlusion-drill', 10);
    at(30 * 60_000);
    expect(s.ended).toBe(true);
    expect(obj('answer-occlusion')).toMatchObject({ status: 'missed' });
    expect(obj('answer-occlusion').doneMs).toBeGreaterThan(2 * 60_000);
    expect(s.objectives.score().points).toBe(0);
    const html = renderDebriefHtml(s.debrief());
    expect(html).toContain('Hint:');
    expect(html).toContain('MISSED');
  });

  it('a stop instead of a resume misses the restart; a basic infusion round a hard limit misses it too', () => {
    const { at, panel, key, obj } = session('occlusion-drill');
    at(5 * 60_000);
    const p3 = panel('icu-3');
    key(p3, 'INJECT occlusion=clear');
    key(p3, 'ACK');
    expect(key(p3, 'STOP')).toMatchObject({ ok: true });
    expect(obj('clear-and-restart')).toMatchObject({ status: 'missed' });
    const p4 = panel('icu-4');
    expect(key(p4, 'PROGRAM drug=heparin dose=45 weight=80 vtbi=250')).toMatchObject({ code: 'HARD_LIMIT' });
    expect(key(p4, 'PROGRAM rate=45 vtbi=250')).toMatchObject({ ok: true });
    expect(obj('hard-limit').status).toBe('missed');
    expect(obj('hard-limit').note).toMatch(/bypassed the drug library/);
  });
});

describe('bad input from the browser is refused and changes nothing', () => {
  it('refuses forged, malformed, out-of-range and other-pump messages', () => {
    const { s, at, panel, key } = session('occlusion-drill');
    at(60_000);
    const before = JSON.stringify(s.snapshot().units);
    const logBefore = s.log.length;
    const p1 = panel('icu-1');
    const station: Connection = {};
    expect(s.handle(station, { type: 'hello', role: 'station', key: 'tr4inee' })).toMatchObject({ type: 'welcome' });
    const cases: [Connection, unknown, RegExp][] = [
      [p1, '{not json', /not JSON/],
      [p1, { type: 'explode' }, /message refused/],
      [p1, { type: 'command', pumpId: 'icu-2', line: 'STOP' }, /this front panel is icu-1; a command for icu-2 is refused/],
      [p1, { type: 'command', pumpId: 'icu-1', line: 'STOP', extra: 1 }, /message refused/],
      [p1, { type: 'command', pumpId: 'icu-1', line: 'TICK ms=600000' }, /not a front-panel key/],
      [p1, { type: 'command', pumpId: 'icu-1', line: 'INJECT occlusion=down' }, /cannot inject occlusion=down/],
      [p1, { type: 'command', pumpId: 'icu-1', line: 'TITRATE rate=-5' }, /refused before the pump/],
      [p1, { type: 'command', pumpId: 'icu-1', line: 'x'.repeat(200) }, /message refused/],
      [station, { type: 'command', pumpId: 'icu-1', line: 'STOP' }, /come from a pump front panel/],
      [station, { type: 'instructor', key: 'guess', action: { do: 'pause' } }, /need the instructor key/],
      [station, { type: 'instructor', key: 'k3y', action: { do: 'speed', speed: 1e9 } }, /message refused: action.speed/],
      [station, { type: 'instructor', key: 'k3y', action: { do: 'fault', fault: 'occlusion', target: 'icu-1', args: { side: 'left' } } }, /side: expected one of down, up; got "left"/],
      [station, { type: 'instructor', key: 'k3y', action: { do: 'fault', fault: 'air', target: 'icu-1', args: { bubble: 50 } } }, /bubble: expected a number above 0 and at most 10 \(mL\); got 50/],
      [station, { type: 'instructor', key: 'k3y', action: { do: 'fault', fault: 'occlusion', target: 'icu-99' } }, /selects no pump/],
      // From the timeline table: update-power-loss is armed for an update stage (scenario files only); only partition and gateway-outage take the gateway.
      [station, { type: 'instructor', key: 'k3y', action: { do: 'fault', fault: 'update-power-loss', target: 'icu-1' } }, /update-power-loss is for scenario files/],
      [station, { type: 'instructor', key: 'k3y', action: { do: 'fault', fault: 'occlusion', target: 'gateway' } }, /occlusion acts on pumps; only partition and gateway-outage take the gateway/],
      [station, { type: 'prompt', pumpId: 'icu-1', objective: 'x', answer: 'install' }, /answered on its own pump/],
      [{}, { type: 'station-silence' }, /say hello first/],
      [{}, { type: 'hello', role: 'pump', pumpId: 'icu-77', key: 'tr4inee' }, /no pump "icu-77"/],
      [{}, { type: 'hello', role: 'pump', pumpId: 'icu-1' }, /pump front panel needs the session key/],
      [{}, { type: 'hello', role: 'pump', pumpId: 'icu-1', key: 'guess' }, /pump front panel needs the session key/],
      [{}, { type: 'hello', role: 'station' }, /central station needs the session key/],
      [{}, { type: 'hello', role: 'instructor', key: 'nope' }, /instructor key/],
    ];
    for (const [conn, msg, re] of cases) {
      const r = s.handle(conn, typeof msg === 'string' ? msg : JSON.stringify(msg));
      expect(r, JSON.stringify(msg).slice(0, 80)).toMatchObject({ type: 'reply', ok: false });
      expect((r as { message: string }).message).toMatch(re);
    }
    expect(JSON.stringify(s.snapshot().units)).toBe(before);
    expect(s.log.length).toBe(logBefore);
    expect(s.clock.speed).toBe(1);
    // The pump's own refusal of an out-of-range value also changes nothing on it.
    expect(key(p1, 'TITRATE rate=5000')).toMatchObject({ ok: false, code: 'OUT_OF_RANGE' });
    expect(JSON.stringify(s.snapshot().units)).toBe(before);
  });

  it('lets the instructor pause, change speed and inject a catalogue fault', () => {
    const { s, at } = session('occlusion-drill');
    const instr: Connection = {};
    expect(s.handle(instr, { type: 'hello', role: 'instructor', key: 'k3y' })).toMatchObject({ type: 'welcome', role: 'instructor' });
    expect(s.handle(instr, { type: 'instructor', key: 'k3y', action: { do: 'fault', fault: 'door-open', target: 'icu-1', forS: 30 } })).toMatchObject({ ok: true });
    expect(s.snapshot().alarms.map((a) => `${a.pumpId}/${a.id}/${a.priority}`)).toContain('icu-1/DOOR_OPEN/high');
    at(40_000);
    expect(s.snapshot().alarms.some((a) => a.id === 'DOOR_OPEN')).toBe(false);
    expect(s.handle(instr, { type: 'instructor', key: 'k3y', action: { do: 'pause' } })).toMatchObject({ ok: true });
    expect(s.clock.paused).toBe(true);
    expect(s.handle(instr, { type: 'instructor', key: 'k3y', action: { do: 'speed', speed: 5 } })).toMatchObject({ ok: true, message: 'speed 5x' });
  });
});

describe('an alarm the instructor injects (issue 15, item 7)', () => {
  it('counts in the score: missed when left unanswered, met when answered within 2 min, nothing when no alarm comes', () => {
    const { s, at, panel, key, obj } = session('occlusion-drill');
    const instr: Connection = {};
    s.handle(instr, { type: 'hello', role: 'instructor', key: 'k3y' });
    const before = s.objectives.score();
    // Left unanswered: door open on icu-1 for 30 s, nobody at the pump for 2 min.
    s.handle(instr, { type: 'instructor', key: 'k3y', action: { do: 'fault', fault: 'door-open', target: 'icu-1', forS: 30 } });
    at(125_000);
    expect(obj('injected-1')).toMatchObject({ status: 'missed', pumpId: 'icu-1' });
    expect(s.objectives.score()).toMatchObject({ max: before.max + 10, missed: before.missed + 1 });
    // Answered: door open on icu-2, acknowledged at its panel 5 s later.
    s.handle(instr, { type: 'instructor', key: 'k3y', action: { do: 'fault', fault: 'door-open', target: 'icu-2', forS: 60 } });
    at(130_000);
    expect(key(panel('icu-2'), 'SILENCE')).toMatchObject({ ok: true });
    expect(obj('injected-2')).toMatchObject({ status: 'met', pumpId: 'icu-2' });
    expect(obj('injected-2').note).toMatch(/^silenced at the pump \d+s after the alarm$/);
    // A fault that raises no alarm asks nothing: gone from the debrief at the end, never in the score.
    s.handle(instr, { type: 'instructor', key: 'k3y', action: { do: 'fault', fault: 'reconnect-storm', target: 'all', args: { backoff: 2000, jitter: 1000 } } });
    const max = s.objectives.score().max;
    expect(max).toBe(before.max + 20);
    s.end();
    expect(s.objectives.states.some((o) => o.def.id === 'injected-3')).toBe(false);
    expect(s.debrief().objectives.map((o) => `${o.id} ${o.status}`)).toEqual(expect.arrayContaining(['injected-1 missed', 'injected-2 met']));
  });
});

describe('a reconnect storm from the instructor', () => {
  it('drops every pump\'s link at once and brings them back within backoff + jitter', () => {
    const { s, at } = session('occlusion-drill');
    const instr: Connection = {};
    s.handle(instr, { type: 'hello', role: 'instructor', key: 'k3y' });
    at(60_000);
    expect(s.handle(instr, { type: 'instructor', key: 'k3y', action: { do: 'fault', fault: 'reconnect-storm', target: 'all', args: { backoff: 2000, jitter: 1000 } } })).toMatchObject({ ok: true });
    const net = () => s.log.filter((l) => l.who === 'network').map((l) => [l.tMs, l.text] as const);
    expect(net()).toEqual([[60_000, 'link down: all']]);
    at(70_000);
    const [down, up] = net();
    expect(up?.[1]).toBe('link up: all');
    expect(up![0] - down![0]).toBeGreaterThanOrEqual(2000);
    expect(up![0] - down![0]).toBeLessThan(3000);
  });
});

describe('dose error reduction and security scenarios', () => {
  it('scores the tenfold rate slip and the soft limit', () => {
    const { at, panel, key, obj } = session('soft-and-hard-limits');
    at(60_000);
    const p3 = panel('icu-3');
    expect(key(p3, 'TITRATE rate=4.2')).toMatchObject({ ok: true });
    at(61_000);
    expect(obj('rate-slip').status).toBe('met');
    const p1 = panel('icu-1');
    expect(key(p1, 'PROGRAM drug=norepinephrine dose=1.5 weight=70 vtbi=250')).toMatchObject({ code: 'SOFT_LIMIT' });
    key(p1, 'PROGRAM drug=norepinephrine dose=1.5 weight=70 vtbi=250 override=1');
    key(p1, 'START');
    at(62_000);
    expect(obj('soft-limit').status).toBe('met');
  });

  it('scores reporting a rogue client, declining a firmware prompt, and keeping pumps running through an outage', () => {
    const { s, at, panel, obj } = session('security-awareness', 10);
    at(4 * 60_000);
    expect(obj('rogue').status).toBe('open');
    const station: Connection = {};
    s.handle(station, { type: 'hello', role: 'station', key: 'tr4inee' });
    expect(s.snapshot().units[0]!.pumps.find((p) => p.id === 'icu-2')!.refused).toBeGreaterThan(0);
    expect(s.handle(station, { type: 'report', pumpId: 'icu-2', concern: 'unknown-source' })).toMatchObject({ ok: true });
    expect(obj('rogue').status).toBe('met');
    at(11 * 60_000);
    expect(s.snapshot().prompts).toEqual([expect.objectContaining({ pumpId: 'icu-4', objectiveId: 'firmware' })]);
    const p4 = panel('icu-4');
    expect(s.handle(p4, { type: 'prompt', pumpId: 'icu-4', objective: 'firmware', answer: 'decline' })).toMatchObject({ ok: true });
    expect(obj('firmware').status).toBe('met');
    at(33 * 60_000);
    expect(obj('outage').status).toBe('met');
    expect(s.objectives.score()).toMatchObject({ points: 100, max: 100 });
  });

  it('installing the unverified firmware misses the objective', () => {
    const { s, at, panel, obj } = session('security-awareness', 10);
    at(11 * 60_000);
    const p4 = panel('icu-4');
    s.handle(p4, { type: 'prompt', pumpId: 'icu-4', objective: 'firmware', answer: 'install' });
    expect(obj('firmware')).toMatchObject({ status: 'missed', note: expect.stringMatching(/unverified/) });
  });
});
