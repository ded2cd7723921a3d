import { readFileSync, readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { loadScenarioFile } from '../../src/harness/scenario/load.js';
import { runScenario } from '../../src/harness/run/runScenario.js';
import { CLI } from '../support/cli.js';

const files = readdirSync('scenarios')
  .filter((f) => f.endsWith('.yaml'))
  .sort();
/**
 * The trace hash of every shipped scenario, recorded when it was last meant to change. Work that
 * only restructures or speeds up the code (one ward builder, pump peripherals, indexes) must leave
 * every trace as it was; a change of behaviour updates this file in the same commit and says why.
 */
const TRACE_HASHES = JSON.parse(readFileSync('test/scenarios/traceHashes.json', 'utf8')) as Record<string, string>;

describe('every shipped scenario runs as it is and has its expected outcome', () => {
  it('ships the scenarios the project promises', () => {
    for (const name of ['hospital-day', 'ward-network-partition', 'gateway-outage', 'occlusion-drill', 'battery-failover', 'rogue-client', 'legacy-rogue-client']) {
      expect(files).toContain(`${name}.yaml`);
    }
  });

  it('records a trace hash for every shipped scenario', () => {
    expect(Object.keys(TRACE_HASHES).sort()).toEqual(files);
  });

  it.each(files)('%s', async (file) => {
    const loaded = loadScenarioFile(`scenarios/${file}`);
    const { result } = await runScenario(loaded);
    expect(result.traceHash, `${file}: the trace changed (test/scenarios/traceHashes.json)`).toBe(TRACE_HASHES[file]);
    const expected = loaded.scenario.outcome;
    if (result.outcome !== expected) {
      const why = [...result.violations.map((v) => `${v.rule} ${v.pumpId ?? ''} ${v.detail}`), ...result.expectations.filter((e) => !e.passed).map((e) => `${e.description}: ${e.detail}`)];
      expect.fail(`${file}: outcome ${result.outcome}, expected ${expected}\n${why.slice(0, 10).join('\n')}`);
    }
    expect(result.exitCode).toBe(expected === 'pass' ? 0 : 1);
    if (expected === 'pass') {
      expect(result.violations).toEqual([]);
      expect(result.expectations.every((e) => e.passed)).toBe(true);
    } else {
      expect(result.violations.length).toBeGreaterThan(0);
      for (const v of result.violations) expect(v.context.length).toBeGreaterThan(0);
    }
  });
});

describe('infusim run (the CLI)', () => {
  const run = (args: string[]) => spawnSync(process.execPath, [CLI, 'run', ...args, '--no-progress'], { encoding: 'utf8', timeout: 300_000 });

  it('the teaching scenario exits 1 and shows where the rule broke', () => {
    const r = run(['scenarios/legacy-rogue-client.yaml']);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/outcome +VIOLATION/);
    expect(r.stdout).toMatch(/00:15:00 +legacy-1 +no-unauthorised-change +PAUSE from an unauthorised rogue client was accepted/);
    // The seed is in the summary; --no-progress leaves stderr empty (issue 15, item 11).
    expect(r.stdout).toMatch(/^ {2}seed +1337$/m);
    expect(r.stderr).toBe('');
  });

  it('a passing scenario exits 0; the same seed gives the same trace hash', () => {
    const a = run(['scenarios/occlusion-drill.yaml']);
    const b = run(['scenarios/occlusion-drill.yaml']);
    expect(a.status).toBe(0);
    const hash = (s: string) => /trace +([0-9a-f]{16})/.exec(s)?.[1];
    expect(hash(a.stdout)).toBeDefined();
    expect(hash(a.stdout)).toBe(hash(b.stdout));
  });

  it('a broken file exits 2 with file:line:column and changes nothing', () => {
    const r = run(['test/scenarios/fixtures/broken.yaml']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/broken\.yaml:\d+:\d+: /);
    expect(r.stdout).toBe('');
  });
});
