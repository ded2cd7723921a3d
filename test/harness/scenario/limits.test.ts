/**
 * Issue 13, item 7: scenario and training files are bounded in size and in the work they ask for;
 * only regular files are read; an alias bomb names its line; a `library:` that is some other file
 * is never quoted. Each refusal has file:line:column and names its limit.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadScenarioFile, ScenarioError, type ScenarioProblem } from '../../../src/harness/scenario/load.js';
import { MAX_REPETITIONS, MAX_SCENARIO_FILE_BYTES, MAX_TIMELINE_EVENTS } from '../../../src/harness/scenario/limits.js';
import { loadTrainingFile } from '../../../src/harness/train/schema.js';
import { BASE, pos, problemsOf } from './helpers.js';
import { CLI } from '../../support/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'infusim-limits-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function problemsOfFile(load: (f: string) => unknown, file: string): ScenarioProblem[] {
  try {
    load(file);
  } catch (e) {
    expect(e).toBeInstanceOf(ScenarioError);
    return (e as ScenarioError).problems;
  }
  throw new Error('expected the file to be refused');
}

describe('size', () => {
  it('a description past the size limit is refused where it crosses the limit, naming the limit', () => {
    const file = join(dir, 'big.yaml');
    writeFileSync(file, BASE.replace('description: two units on two segments', `description: ${'x'.repeat(MAX_SCENARIO_FILE_BYTES)}`));
    const [p, ...rest] = problemsOfFile(loadScenarioFile, file);
    expect(rest).toEqual([]);
    expect(p).toMatchObject({ file, line: 2 });
    expect(p?.column).toBeGreaterThan(1);
    expect(p?.message).toContain(`at most ${MAX_SCENARIO_FILE_BYTES} bytes`);
    expect(p?.message).toContain('MAX_SCENARIO_FILE_BYTES');
  });

  it('a training file past the size limit is refused the same way', () => {
    const file = join(dir, 'big-training.yaml');
    writeFileSync(file, `${BASE}training:\n  brief: ${'y'.repeat(MAX_SCENARIO_FILE_BYTES)}\n`);
    const [p] = problemsOfFile(loadTrainingFile, file);
    expect(p?.message).toContain('MAX_SCENARIO_FILE_BYTES');
  });
});

describe('work', () => {
  it('duration: 100000d is refused at the duration with the limit', () => {
    const text = BASE.replace('duration: 2h', 'duration: 100000d');
    const ps = problemsOf(text);
    const p = ps.find((x) => x.path === 'duration');
    expect(p).toMatchObject(pos(text, '100000d'));
    expect(p?.message).toMatch(/the limit is 7d \(MAX_RUN_DURATION_MS\)/);
  });

  it('a rogue client every: 1ms is refused at every: with the repetition limit', () => {
    const text = `${BASE.replace('expect:', `  - { at: 1m, fault: rogue-client, target: icu-1, every: 1ms, end: 1h }\nexpect:`)}`;
    const ps = problemsOf(text);
    expect(ps.map((x) => x.path)).toEqual(['timeline[3].every']);
    expect(ps[0]).toMatchObject(pos(text, '1ms'));
    expect(ps[0]?.message).toContain(`at most ${MAX_REPETITIONS.toLocaleString('en-US')} times (MAX_REPETITIONS)`);
  });

  it('many repeating entries over many pumps are refused at the entry that crosses the total', () => {
    const entries = Array.from({ length: 12 }, (_, i) => `  - { at: ${i}s, action: demand, target: all, every: 1s, end: 2h }\n`).join('');
    const text = BASE.replace('expect:', `${entries}expect:`);
    const ps = problemsOf(text);
    // 16 pumps × about 7,200 demands = about 115,000 per entry; the ninth (timeline[11]) crosses 1,000,000.
    expect(ps.map((x) => x.path)).toEqual(['timeline[11]']);
    expect(ps[0]?.message).toContain(`the limit is ${MAX_TIMELINE_EVENTS.toLocaleString('en-US')} (MAX_TIMELINE_EVENTS)`);
  });

  it('telemetryEvery: 1ms is refused with the report limit', () => {
    const text = BASE.replace('duration: 2h', 'duration: 2h\ntelemetryEvery: 1ms');
    const ps = problemsOf(text);
    expect(ps.map((x) => x.path)).toEqual(['telemetryEvery']);
    expect(ps[0]?.message).toContain('MAX_TELEMETRY_REPORTS');
  });

  it('the shipped bounds leave a week-long ward with a PCA demand every minute alone', () => {
    const text = BASE.replace('duration: 2h', 'duration: 7d').replace('expect:', '  - { at: 0s, action: demand, target: unit:icu, every: 1m, end: 7d }\nexpect:');
    expect(() => problemsOf(text)).toThrow(/expected the scenario to be rejected/);
  });
});

describe('YAML and files', () => {
  it('an alias bomb names the file and the line of its first alias', () => {
    const levels = ['a: &a [x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 8; i++) levels.push(`l${i}: &l${i} [${Array(9).fill(i === 1 ? '*a' : `*l${i - 1}`).join(', ')}]`);
    const text = `${BASE}${levels.join('\n')}\n`;
    const ps = problemsOf(text);
    expect(ps).toHaveLength(1);
    expect(ps[0]).toMatchObject({ file: 'scenarios/t.yaml', ...pos(text, '*a') });
    expect(ps[0]?.message).toMatch(/YAML aliases expand to too much data.*MAX_YAML_ALIAS_EXPANSIONS/);
  });

  it('an alias bomb in a training file is refused the same way', () => {
    const file = join(dir, 'bomb-training.yaml');
    const levels = ['  a: &a [x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 8; i++) levels.push(`  l${i}: &l${i} [${Array(9).fill(i === 1 ? '*a' : `*l${i - 1}`).join(', ')}]`);
    writeFileSync(file, `${BASE}training:\n${levels.join('\n')}\n`);
    const ps = problemsOfFile(loadTrainingFile, file);
    expect(ps[0]?.message).toMatch(/YAML aliases expand to too much data/);
    expect(ps[0]?.line).toBeGreaterThan(1);
  });

  it('library: naming a file that is not JSON is refused without quoting it', () => {
    const secret = join(dir, 'secret.txt');
    writeFileSync(secret, 'password: hunter2-do-not-print\n');
    const file = join(dir, 'lib-secret.yaml');
    const text = BASE.replace('seed: 42\n', `seed: 42\nlibrary: ${secret}\n`);
    writeFileSync(file, text);
    const ps = problemsOfFile(loadScenarioFile, file);
    expect(ps.map((x) => x.path)).toContain('library');
    const all = ps.map((x) => x.message).join('\n');
    expect(all).not.toContain('hunter2');
    expect(all).not.toContain('password');
    expect(ps.find((x) => x.path === 'library')).toMatchObject(pos(text, secret));
  });

  it('library: naming a JSON file that is not a library does not quote its values', () => {
    const secret = join(dir, 'secret.json');
    writeFileSync(secret, '{"careAreas": "hunter2-do-not-print"}');
    const text = BASE.replace('seed: 42\n', `seed: 42\nlibrary: ${secret}\n`);
    const file = join(dir, 'lib-secret-json.yaml');
    writeFileSync(file, text);
    const all = problemsOfFile(loadScenarioFile, file).map((x) => x.message).join('\n');
    expect(all).toContain('is not valid');
    expect(all).not.toContain('hunter2');
  });

  it('library: naming a named pipe is refused at the library without reading it', () => {
    const fifo = join(dir, 'lib.fifo');
    execFileSync('mkfifo', [fifo]);
    const text = BASE.replace('seed: 42\n', `seed: 42\nlibrary: ${fifo}\n`);
    const file = join(dir, 'lib-fifo.yaml');
    writeFileSync(file, text);
    const p = problemsOfFile(loadScenarioFile, file).find((x) => x.path === 'library');
    expect(p?.message).toMatch(/is a named pipe; only a regular file is read/);
  });

  it('infusim run given a named pipe exits 2 at once, naming it', async () => {
    const fifo = join(dir, 'scenario.fifo');
    execFileSync('mkfifo', [fifo]);
    // A reader that opens the pipe with a blocking read hangs until a writer comes: none ever does.
    // The spawned CLI is killed by the test's timeout if it hangs (the test then fails).
    const r = await new Promise<{ status: number | null; stderr: string }>((resolve) => {
      execFile(process.execPath, [CLI, 'run', fifo, '--no-progress'], { encoding: 'utf8', timeout: 240_000 }, (err, _stdout, stderr) => {
        resolve({ status: err ? (typeof err.code === 'number' ? err.code : null) : 0, stderr });
      });
    });
    expect(r.stderr).toContain(`${fifo}: cannot read the scenario file: it is a named pipe; only a regular file is read as a scenario file`);
    expect(r.status).toBe(2);
  });

  it('libraries[].file and rollout.policy are checked when the file is loaded, not when the run reads them', () => {
    const fifo = join(dir, 'policy.fifo');
    execFileSync('mkfifo', [fifo]);
    const text = BASE.replace('timeline:', `libraries:\n  - { id: lib-a, file: libs/none.json }\nreleases:\n  - { id: fw-2, version: 2.0.0 }\nrollout:\n  release: fw-2\n  policy: ${fifo}\ntimeline:`);
    const file = join(dir, 'refs.yaml');
    writeFileSync(file, text);
    const ps = problemsOfFile(loadScenarioFile, file);
    expect(ps.find((x) => x.path === 'libraries[0].file')).toMatchObject({ ...pos(text, 'libs/none.json') });
    expect(ps.find((x) => x.path === 'libraries[0].file')?.message).toMatch(/does not exist/);
    expect(ps.find((x) => x.path === 'rollout.policy')?.message).toMatch(/is a named pipe; only a regular file is read/);
  });

  it('a directory is refused as a scenario file', () => {
    const [p] = problemsOfFile(loadScenarioFile, dir);
    expect(p?.message).toMatch(/is a directory; only a regular file is read/);
  });
});
