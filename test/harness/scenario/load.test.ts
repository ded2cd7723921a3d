import { mkdirSync, mkdtempSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_LIBRARY_PATH } from '../../../src/harness/paths.js';
import { fleetPumps, resolveTarget } from '../../../src/harness/scenario/fleet.js';
import { formatProblem, loadScenarioFile, parseScenarioText, ScenarioError, scenarioLibraryPath } from '../../../src/harness/scenario/load.js';
import { BASE, oneProblem, pos, problemsOf } from './helpers.js';

/** BASE with one piece of text replaced (the replacement must happen). */
function edit(from: string, to: string, text = BASE): string {
  expect(text.includes(from)).toBe(true);
  return text.replace(from, to);
}

describe('a valid scenario', () => {
  it('loads, with the defaults filled in', () => {
    const loaded = parseScenarioText(BASE, 'scenarios/basic.yaml');
    expect(loaded.file).toBe('scenarios/basic.yaml');
    expect(loaded.dir).toMatch(/scenarios$/);
    const s = loaded.scenario;
    expect(s.name).toBe('basic');
    expect(s.seed).toBe(42);
    expect(s.link).toEqual({ latency: '20ms', jitter: '5ms', loss: 0, duplicate: 0, reorder: 0 });
    expect(s.outcome).toBe('pass');
    expect(s.telemetryEvery).toBe('60s');
    expect(s.timeline[1]).toMatchObject({ action: 'start', target: 'unit:icu', args: {} });
    expect(s.site.units[0]?.pumps[0]?.firmware).toBe('1.0.0');
    expect(s.site.units[0]?.nurse).toEqual({ respond: true, responseTime: { min: '30s', max: '5m' } });
    expect(scenarioLibraryPath(loaded)).toBe(DEFAULT_LIBRARY_PATH);
  });

  it('accepts anchors, aliases and merge keys', () => {
    const ok = edit('args: { drug: heparin, dose: 18, weight: 80, vtbi: 250 }', 'args: &a { drug: heparin, dose: 18, weight: 80, vtbi: 250 }');
    const ok2 = edit('  - at: 6m\n', '  - at: 5m30s\n    action: program\n    target: unit:icu\n    args: { <<: *a, dose: 20 }\n  - at: 6m\n', ok);
    expect(parseScenarioText(ok2, 't.yaml').scenario.timeline[1]?.args).toEqual({ drug: 'heparin', dose: 20, weight: 80, vtbi: 250 });
  });

  it('names pumps <unit>-<n> across groups, <prefix>-<n> for prefixed groups', () => {
    const s = parseScenarioText(
      edit('        - { type: lvp, count: 10 }\n', '        - { type: lvp, count: 2 }\n        - { type: syringe, count: 2, prefix: pca }\n        - { type: lvp, count: 1, firmware: 2.0.1 }\n'),
      't.yaml',
    ).scenario;
    const pumps = fleetPumps(s);
    expect(pumps.map((p) => p.id)).toEqual(['icu-1', 'icu-2', 'icu-3', 'icu-4', 'icu-syr-1', 'icu-syr-2', 'medsurg-1', 'medsurg-2', 'pca-1', 'pca-2', 'medsurg-3']);
    expect(pumps[9]).toMatchObject({ id: 'pca-2', unit: 'medsurg', careArea: 'medsurg', segment: 'seg-b', type: 'syringe', firmware: '1.0.0' });
    expect(resolveTarget('firmware:2.0.1', pumps).map((p) => p.id)).toEqual(['medsurg-3']);
    expect(resolveTarget('segment:seg-a', pumps)).toHaveLength(6);
    expect(resolveTarget('type:syringe', pumps)).toHaveLength(4);
    expect(resolveTarget('pump:pca-1', pumps).map((p) => p.unit)).toEqual(['medsurg']);
    expect(resolveTarget('all', pumps)).toHaveLength(11);
    expect(resolveTarget('gateway', pumps)).toHaveLength(0);
  });
});

describe('YAML syntax errors', () => {
  it('have positions', () => {
    const text = edit('seed: 42\n', 'seed: 42\nseed: 43\n');
    const p = oneProblem(text, 'seed: 43');
    expect(p.message).toMatch(/^YAML syntax: .*given twice/);
  });

  it('report a bad flow collection where it is', () => {
    const text = edit('args: { side: down }', 'args: { side: down');
    const ps = problemsOf(text);
    expect(ps.length).toBeGreaterThan(0);
    for (const p of ps) {
      expect(p.message).toMatch(/^YAML syntax/);
      expect(p.line).toBeGreaterThanOrEqual(pos(text, 'args: { side').line);
    }
  });

  it('report a tab used as indentation', () => {
    const text = edit('  - at: 6m\n    action: start', '  - at: 6m\n\taction: start');
    const ps = problemsOf(text);
    expect(ps[0]?.line).toBe(pos(text, '\taction').line);
    expect(ps[0]?.message).toMatch(/YAML syntax/);
  });

  it('report a second document', () => {
    const p = problemsOf(`${BASE}---\nname: other\n`)[0];
    expect(p?.message).toMatch(/one YAML document/);
    expect(p?.line).toBe(pos(`${BASE}---\n`, '---').line);
  });

  it('an empty file or a list is not a scenario', () => {
    expect(problemsOf('')[0]?.message).toMatch(/a scenario file is a YAML mapping.*empty/);
    expect(problemsOf('- a\n- b\n')[0]?.message).toMatch(/got a list/);
  });
});

describe('schema problems point at the node', () => {
  it('an unknown top-level key, with the keys expected', () => {
    const text = edit('seed: 42\n', 'seed: 42\nsed: 1\n');
    const p = oneProblem(text, 'sed: 1');
    expect(p.path).toBe('sed');
    expect(p.message).toMatch(/unknown key "sed" \(did you mean "seed"\?\); expected one of: name, description, seed, duration/);
  });

  it('an unknown key deep in the file points at the key', () => {
    const text = edit('      careArea: medsurg\n', '      careArea: medsurg\n      colour: red\n');
    const p = oneProblem(text, 'colour');
    expect(p.path).toBe('site.units[1].colour');
    expect(p.message).toMatch(/expected one of: id, name, careArea, segment, pumps, patients, nurse/);
  });

  it('a missing required key points at the mapping that lacks it', () => {
    const p = oneProblem(edit('seed: 42\n', ''), 'name: basic');
    expect(p.path).toBe('seed');
    expect(p.message).toMatch(/required but missing \(expected a number\)/);

    const q = oneProblem(edit('      segment: seg-a\n', ''), 'id: icu');
    expect(q.path).toBe('site.units[0].segment');
    expect(q.message).toMatch(/required but missing/);
  });

  it('a value of the wrong type', () => {
    const text = edit('count: 4', 'count: four');
    const p = oneProblem(text, 'four');
    expect(p.path).toBe('site.units[0].pumps[0].count');
    expect(p.message).toBe('expected a number; got "four"');
  });

  it('a number out of range', () => {
    const p = oneProblem(edit('count: 4', 'count: 0'), '0', 'count: ');
    expect(p.message).toBe('expected a number at least 1; got 0');
  });

  it('an enum value, with a suggestion', () => {
    const p = oneProblem(edit('- type: lvp', '- type: lvpp'), 'lvpp');
    expect(p.message).toBe('expected one of lvp, syringe; got "lvpp" (did you mean "lvp"?)');
  });

  it('an empty value points at its key', () => {
    const p = oneProblem(edit('name: basic', 'name:'), 'name:');
    expect(p.message).toMatch(/expected a string; got nothing/);
  });

  it('an unknown expectation check', () => {
    const p = oneProblem(edit('  - check: alarm', '  - check: alarms'), 'alarms');
    expect(p.path).toBe('expect[0].check');
    expect(p.message).toMatch(/unknown check "alarms" \(did you mean "alarm"\?\); expected one of: alarm, no-alarm/);
  });

  it('a timeline entry with both action and fault', () => {
    const p = oneProblem(edit('    action: start\n', '    action: start\n    fault: air\n'), 'start');
    expect(p.path).toBe('timeline[1].action');
    expect(p.message).toMatch(/exactly one of action: or fault:/);
  });

  it('every: without end: points at the entry', () => {
    const p = oneProblem(edit('  - at: 6m\n    action: start\n', '  - at: 6m\n    action: demand\n    every: 10m\n'), 'at: 6m');
    expect(p.path).toBe('timeline[1].end');
    expect(p.message).toBe('every: needs end:');
  });
});

describe('durations', () => {
  it('an unparseable run duration', () => {
    const p = oneProblem(edit('duration: 2h', 'duration: 2hours'), '2hours');
    expect(p.path).toBe('duration');
    expect(p.message).toMatch(/"2hours" is not a duration like 90s, 5m/);
  });

  it('an unparseable time in the timeline and in a range', () => {
    const text = edit('      segment: seg-b\n', '      segment: seg-b\n      nurse: { responseTime: { min: 30s, max: soon } }\n', edit('  - at: 6m', '  - at: 6 minutes'));
    const ps = problemsOf(text);
    expect(ps.map((p) => [p.path, p.line, p.column])).toEqual([
      ['site.units[1].nurse.responseTime.max', pos(text, 'soon').line, pos(text, 'soon').column],
      ['timeline[1].at', pos(text, '6 minutes').line, pos(text, '6 minutes').column],
    ]);
  });

  it('a negative number of milliseconds', () => {
    const p = oneProblem(edit('duration: 2h', 'duration: -5'), '-5');
    expect(p.message).toMatch(/0 or more ms/);
  });

  it('end before at', () => {
    const p = oneProblem(edit('end: 40m', 'end: 20m'), '20m');
    expect(p.path).toBe('timeline[2].end');
    expect(p.message).toBe('end (20m) must be after at (30m)');
  });

  it('at after the end of the run', () => {
    const p = oneProblem(edit('  - at: 6m', '  - at: 3h'), '3h');
    expect(p.message).toMatch(/after the end of the run \(duration: 2h\)/);
  });

  it('a range with min above max', () => {
    const text = edit('      segment: seg-b\n', '      segment: seg-b\n      nurse:\n        responseTime: { min: 5m, max: 30s }\n');
    const p = oneProblem(text, '30s }');
    expect(p.message).toBe('max (30s) is less than min (5m)');
  });
});

describe('the fleet', () => {
  it('duplicate unit ids', () => {
    const text = edit('    - id: medsurg\n', '    - id: icu\n');
    const p = oneProblem(text, 'icu', 'prefix: icu-syr\n');
    expect(p.path).toBe('site.units[1].id');
    expect(p.message).toBe('unit id "icu" is used twice');
  });

  it('a unit on an unknown segment', () => {
    const p = oneProblem(edit('segment: seg-b', 'segment: seg-c'), 'seg-c');
    expect(p.path).toBe('site.units[1].segment');
    expect(p.message).toBe('segment "seg-c" is not in site.segments (did you mean "seg-a"?) (segments: seg-a, seg-b)');
  });

  it('a care area not in the drug library', () => {
    const p = oneProblem(edit('careArea: medsurg', 'careArea: wards'), 'wards');
    expect(p.message).toMatch(/care area "wards" is not in the shipped drug library \(care areas: icu, medsurg, neonatal\)/);
  });

  it('a prefix that collides with another unit', () => {
    const p = oneProblem(edit('        - { type: lvp, count: 10 }', '        - { type: lvp, count: 10, prefix: icu }'), 'icu }');
    expect(p.path).toBe('site.units[1].pumps[0].prefix');
    expect(p.message).toBe('pump id "icu-1" is already used in unit "icu"; give this group another prefix');
    const q = oneProblem(edit('          prefix: icu-syr', '          prefix: icu'), 'icu', '          prefix: ');
    expect(q.message).toBe('pump id "icu-1" is already used in this unit; give this group another prefix');
  });
});

describe('targets', () => {
  it('an unknown unit, as in the docs', () => {
    const text = edit('    target: unit:icu\n    args', '    target: unit:icuu\n    args');
    const p = oneProblem(text, 'unit:icuu');
    expect(formatProblem(p)).toBe(`scenarios/t.yaml:${p.line}:${p.column}: timeline[0].target: unit "icuu" is not in the fleet (did you mean "icu"?) (units: icu, medsurg)`);
    expect(p.line).toBe(27);
    expect(p.column).toBe(13);
  });

  it('an unknown segment', () => {
    const p = oneProblem(edit('target: icu-2\n    end', 'target: segment:seg-z\n    end'), 'segment:seg-z');
    expect(p.message).toMatch(/segment "seg-z" is not in site.segments .*\(segments: seg-a, seg-b\)/);
  });

  it('a pump id beyond the unit, and pumps of a prefixed group', () => {
    const p = oneProblem(edit('target: icu-2\n    end', 'target: icu-5\n    end'), 'icu-5');
    expect(p.message).toBe('no pump is named "icu-5" (pumps: icu-1..icu-4, icu-syr-1..icu-syr-2, medsurg-1..medsurg-10)');
    expect(() => parseScenarioText(edit('target: icu-2\n    end', 'target: icu-syr-2\n    end'), 't.yaml')).not.toThrow();
    expect(() => parseScenarioText(edit('target: icu-2\n    end', 'target: pump:medsurg-10\n    end'), 't.yaml')).not.toThrow();
  });

  it('a bare unit id is not a pump', () => {
    const p = oneProblem(edit('target: icu-2\n    end', 'target: medsurg\n    end'), 'medsurg', 'fault: occlusion');
    expect(p.message).toMatch(/no pump is named "medsurg" \("medsurg" is a unit: write unit:medsurg\)/);
  });

  it('type and firmware selectors that select nothing', () => {
    const text = edit('target: icu-2\n    end', 'target: firmware:9.9\n    end', edit('    target: unit:icu\n    args', '    target: type:pump\n    args'));
    const ps = problemsOf(text);
    expect(ps.map((p) => p.message)).toEqual([
      'type:pump is not a pump type; expected type:lvp or type:syringe',
      'no pump in the fleet runs firmware 9.9 (firmware: 1.0.0)',
    ]);
  });

  it('an expectation target', () => {
    const p = oneProblem(edit('    target: icu-2\n    within', '    target: unit:ward\n    within'), 'unit:ward');
    expect(p.path).toBe('expect[0].target');
  });

  it('an action or a pump fault on the gateway', () => {
    const p = oneProblem(edit('    action: start\n    target: unit:icu', '    action: start\n    target: gateway'), 'gateway');
    expect(p.message).toMatch(/the action start acts on pumps; the gateway is not a pump/);
    const q = oneProblem(edit('target: icu-2\n    end', 'target: gateway\n    end'), 'gateway');
    expect(q.message).toMatch(/the fault occlusion acts on pumps/);
    const ok = edit('    fault: occlusion\n    target: icu-2\n    end: 40m\n    args: { side: down }', '    fault: partition\n    target: gateway\n    end: 40m');
    expect(() => parseScenarioText(ok, 't.yaml')).not.toThrow();
  });

  it('fault fields that only actions use', () => {
    const text = edit('    end: 40m\n', '    end: 40m\n    spread: 1m\n    every: 5m\n');
    expect(problemsOf(text).map((p) => [p.path, p.line, p.column])).toEqual([
      ['timeline[2].spread', pos(text, 'spread').line, 5],
      ['timeline[2].every', pos(text, 'every').line, 5],
    ]);
    const air = oneProblem(edit('    fault: occlusion\n    target: icu-2\n    end: 40m\n    args: { side: down }', '    fault: air\n    target: icu-2\n    args: { bubble: 0 }'), '0 }', 'bubble: ');
    expect(air.message).toBe('expected a number above 0 and at most 10 (mL); got 0');
    const airEnd = oneProblem(edit('    fault: occlusion\n    target: icu-2\n    end: 40m\n    args: { side: down }', '    fault: air\n    target: icu-2\n    end: 40m'), 'end: 40m');
    expect(airEnd.message).toBe('the fault air happens once, at at:; it takes no end:');
  });
});

describe('alarms and args', () => {
  it('an expectation alarm not in the alarm table', () => {
    const p = oneProblem(edit('alarm: OCCLUSION_DOWN', 'alarm: OCCLUSION'), 'OCCLUSION', 'check: alarm');
    expect(p.path).toBe('expect[0].alarm');
    expect(p.message).toMatch(/^unknown alarm "OCCLUSION" .*; expected one of: OCCLUSION_DOWN, OCCLUSION_UP, AIR_IN_LINE/);
  });

  it('an ack of an unknown alarm', () => {
    const p = oneProblem(edit('    action: start\n', '    action: ack\n    args: { alarm: AIR }\n'), 'AIR }');
    expect(p.path).toBe('timeline[1].args.alarm');
    expect(p.message).toMatch(/unknown alarm "AIR"/);
  });

  it('an arg the action does not take points at the arg', () => {
    const p = oneProblem(edit('dose: 18,', 'dose: 18, sped: 5,'), 'sped');
    expect(p.path).toBe('timeline[0].args.sped');
    expect(p.message).toMatch(/^the action program does not take "sped"; it takes: drug, dose, weight/);
  });

  it('an action without args given one', () => {
    const p = oneProblem(edit('    action: start\n', '    action: start\n    args:\n      rate: 5\n'), 'rate: 5');
    expect(p.message).toBe('the action start does not take "rate"; it takes no args');
  });

  it('fault args: unknown key and bad values', () => {
    const text = edit('args: { side: down }', 'args: { side: left, bubble: 1 }');
    const ps = problemsOf(text);
    expect(ps.map((p) => [p.path, p.column, p.message])).toEqual([
      ['timeline[2].args.side', pos(text, 'left').column, 'expected one of down, up; got "left"'],
      ['timeline[2].args.bubble', pos(text, 'bubble').column, 'the fault occlusion does not take "bubble"; it takes: side'],
    ]);
  });

  it('a fault arg out of range', () => {
    const p = oneProblem(edit('    fault: occlusion\n    target: icu-2\n    end: 40m\n    args: { side: down }', '    fault: loss\n    target: segment:seg-a\n    end: 40m\n    args: { rate: 2, burst: true }'), '2,');
    expect(p.message).toBe('expected a number from 0 to 1 (a fraction); got 2');
  });

  it('a program the pump would refuse', () => {
    const p = oneProblem(edit('args: { drug: heparin, dose: 18, weight: 80, vtbi: 250 }', 'args: { mode: pca, rate: 5 }'), '{ mode');
    expect(p.message).toBe('the pump would refuse this program: a PCA program takes basal=, not rate=');
  });

  it('a drug not in the care area', () => {
    const p = oneProblem(edit('drug: heparin', 'drug: heprin'), 'heprin');
    expect(p.message).toMatch(/^drug "heprin" is not in care area icu of the shipped drug library \(unit icu\) \(did you mean "heparin"\?\)/);
  });

  it('a remote command that does not parse, or is missing', () => {
    const bad = oneProblem(edit('    action: start\n', '    action: remote\n    args: { command: "c1 PAUSE" }\n'), '"c1 PAUSE"');
    expect(bad.message).toMatch(/"c1 PAUSE" is not a valid pump command: unknown command "c1"/);
    const missing = oneProblem(edit('    action: start\n    target: unit:icu\n', '    action: remote\n    target: unit:icu\n'), 'at: 6m');
    expect(missing.message).toMatch(/the action remote needs args.command/);
    expect(() => parseScenarioText(edit('    action: start\n', '    action: remote\n    args: { command: "TITRATE rate=50", signed: false }\n'), 't.yaml')).not.toThrow();
  });
});

describe('many problems', () => {
  it('are all reported, in file order, one per line of the message', () => {
    let text = edit('seed: 42', 'seed: -1');
    text = edit('segment: seg-b', 'segment: seg-x', text);
    text = edit('  - at: 6m', '  - at: later', text);
    text = edit('    target: unit:icu\n    args', '    target: unit:icuu\n    args', text);
    text = edit('alarm: OCCLUSION_DOWN', 'alarm: NOPE', text);
    let err: ScenarioError | undefined;
    try {
      parseScenarioText(text, 'scenarios/many.yaml');
    } catch (e) {
      err = e as ScenarioError;
    }
    expect(err).toBeInstanceOf(ScenarioError);
    const ps = err?.problems ?? [];
    expect(ps.map((p) => p.path)).toEqual(['seed', 'site.units[1].segment', 'timeline[0].target', 'timeline[1].at', 'expect[0].alarm']);
    const lines = err?.message.split('\n') ?? [];
    expect(lines).toHaveLength(5);
    for (const [i, p] of ps.entries()) expect(lines[i]).toBe(`scenarios/many.yaml:${p.line}:${p.column}: ${p.path}: ${p.message}`);
    const sorted = [...ps].sort((a, b) => a.line - b.line || a.column - b.column);
    expect(ps).toEqual(sorted);
  });
});

describe('files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'infusim-scenario-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('loads a file and resolves library: from its directory', () => {
    mkdirSync(join(dir, 'libs'));
    copyFileSync(DEFAULT_LIBRARY_PATH, join(dir, 'libs', 'mine.json'));
    const file = join(dir, 'ok.yaml');
    writeFileSync(file, edit('seed: 42\n', 'seed: 42\nlibrary: libs/mine.json\n'));
    const loaded = loadScenarioFile(file);
    expect(loaded.dir).toBe(dir);
    expect(scenarioLibraryPath(loaded)).toBe(join(dir, 'libs', 'mine.json'));
  });

  it('a library that does not exist', () => {
    const file = join(dir, 'nolib.yaml');
    const text = edit('seed: 42\n', 'seed: 42\nlibrary: libs/missing.json\n');
    writeFileSync(file, text);
    expect(() => loadScenarioFile(file)).toThrow(ScenarioError);
    try {
      loadScenarioFile(file);
    } catch (e) {
      const p = (e as ScenarioError).problems[0];
      expect(p).toMatchObject({ file, path: 'library', ...pos(text, 'libs/missing.json') });
      expect(p?.message).toMatch(/the drug library file libs\/missing.json does not exist/);
    }
  });

  it('a library that is not valid', () => {
    writeFileSync(join(dir, 'libs', 'bad.json'), '{"careAreas": 3}');
    const file = join(dir, 'badlib.yaml');
    writeFileSync(file, edit('seed: 42\n', 'seed: 42\nlibrary: libs/bad.json\n'));
    expect(() => loadScenarioFile(file)).toThrow(/library: the drug library libs\/bad.json is not valid/);
  });

  it('a file that does not exist', () => {
    const file = join(dir, 'nope.yaml');
    expect(() => loadScenarioFile(file)).toThrow(ScenarioError);
    expect(() => loadScenarioFile(file)).toThrow(`${file}: cannot read the scenario file: no such file`);
  });
});
