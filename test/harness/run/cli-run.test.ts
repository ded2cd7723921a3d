/**
 * `infusim run` end to end: the reports it writes (JSON, HTML, trace) and its exit codes. Each
 * case spawns the CLI from source with tsx; the cases run concurrently.
 */
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadScenarioFile, runScenario } from '../../../src/index.js';
import { CLI } from '../../support/cli.js';
import { oneUnitSite } from '../../support/scenarioText.js';

const dir = mkdtempSync(join(tmpdir(), 'infusim-runner-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function infusim(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, 'run', ...args], { encoding: 'utf8', timeout: 300_000 }, (err, stdout, stderr) => {
      const status = err ? (typeof err.code === 'number' ? err.code : null) : 0;
      resolve({ status, stdout, stderr });
    });
  });
}

/** Unit u, an ICU, on segment s. */
const ICU_U = { id: 'u', careArea: 'icu', segment: 's' };

const SMALL = `name: cli-small
seed: 31
duration: 20m
${oneUnitSite(ICU_U, ['pumps: [{ type: lvp, count: 2 }]', 'nurse: { respond: false }'])}
timeline:
  - { at: 0s, action: program, target: all, args: { drug: heparin, dose: 18, weight: 80, vtbi: 250 } }
  - { at: 0s, action: start, target: all }
  - { at: 5m, fault: occlusion, target: u-1, end: 10m }
expect:
  - { check: alarm, alarm: OCCLUSION_DOWN, target: u-1, after: 5m, within: 3m }
`;

const LEGACY = `name: cli-legacy
seed: 5
duration: 20m
outcome: violation
${oneUnitSite(ICU_U, ['pumps: [{ type: lvp, count: 1, profile: legacy-unauthenticated }]'])}
timeline:
  - { at: 0s, action: program, target: all, args: { drug: heparin, dose: 18, weight: 80, vtbi: 250 } }
  - { at: 0s, action: start, target: all }
  - { at: 5m, fault: rogue-client, target: u-1, args: { command: PAUSE } }
`;

const small = join(dir, 'small.yaml');
const legacy = join(dir, 'legacy.yaml');
writeFileSync(small, SMALL);
writeFileSync(legacy, LEGACY);

describe.concurrent('infusim run', () => {
  it('--json, --html and --trace write the reports; exit 0 when every check holds', async ({ expect }) => {
    const json = join(dir, 'r.json');
    const html = join(dir, 'r.html');
    const trace = join(dir, 't.txt');
    const r = await infusim([small, '--no-progress', '--json', json, '--html', html, '--trace', trace]);
    // Issue 15, item 11: --no-progress prints neither the bar nor the header line.
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/outcome +PASS \(expected pass\) -> exit 0/);
    expect(r.stdout).toContain(`JSON report: ${json}`);
    expect(r.stdout).toContain(`HTML report: ${html}`);
    expect(r.stdout).toContain(`trace: ${trace}`);

    const report = JSON.parse(readFileSync(json, 'utf8')) as { format: string; outcome: string; exitCode: number; traceHash: string; scenario: { name: string; seed: number }; expectations: { passed: boolean }[]; pumps: unknown[] };
    expect(report.format).toBe('infusim-report/1');
    expect(report).toMatchObject({ outcome: 'pass', exitCode: 0, scenario: { name: 'cli-small', seed: 31 } });
    expect(report.pumps.length).toBe(2);
    expect(report.expectations).toEqual([expect.objectContaining({ passed: true })]);

    const page = readFileSync(html, 'utf8');
    expect(page.toLowerCase()).toMatch(/^<!doctype html>/);
    expect(page).toContain('<svg');
    expect(page).not.toMatch(/https?:\/\//);
    expect(page).not.toMatch(/<script[^>]+src=|<link[^>]+href=/i);
    expect(page).toContain('cli-small');
    // --html keeps the trace in memory (issue 20): a page per pump, with its log.
    expect(page.match(/<details class="pump-page" id="pump-\d+">/g)).toHaveLength(2);

    // The trace file is the trace text of the same run in this process, byte for byte.
    const text = readFileSync(trace, 'utf8');
    const here = await runScenario(loadScenarioFile(small));
    expect(text).toBe(here.trace.toText());
    expect(report.traceHash).toBe(here.result.traceHash);
    expect(text).toMatch(/fault start occlusion target=u-1 pumps=1/);
  });

  it('--trace without --html: the file is written as the run goes (the run keeps no trace) and is the same text', async ({ expect }) => {
    const trace = join(dir, 't-streamed.txt');
    const r = await infusim([small, '--no-progress', '--trace', trace]);
    expect(r.status).toBe(0);
    const here = await runScenario(loadScenarioFile(small));
    expect(readFileSync(trace, 'utf8')).toBe(here.trace.toText());
  });

  it('--trace to a path that cannot be written: exit 2 before the run, saying where', async ({ expect }) => {
    const r = await infusim([small, '--no-progress', '--trace', join(dir, 'no-such-dir', 't.txt')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/cannot write the trace to .*no-such-dir/);
    expect(r.stdout).toBe('');
  });

  it('sends a training file to infusim train, exit 2 (issue 15, item 11)', async ({ expect }) => {
    const r = await infusim(['scenarios/training/occlusion-drill.yaml', '--no-progress']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('is a training scenario');
    expect(r.stderr).toContain('infusim train scenarios/training/occlusion-drill.yaml');
    expect(r.stdout).toBe('');
  });

  it('exits 1 on a violation (whatever outcome: says)', async ({ expect }) => {
    const r = await infusim([legacy, '--no-progress']);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/no-unauthorised-change/);
    // One pump in one unit, in the singular (issue 15, item 11).
    expect(r.stdout).toMatch(/^ {2}fleet {6}1 pump in 1 unit$/m);
  });

  it('--speed fast is refused with a message, exit 2', async ({ expect }) => {
    const r = await infusim([small, '--no-progress', '--speed', 'fast']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--speed is max or a factor like 1x, 10x \(got "fast"\)/);
    expect(r.stdout).toBe('');
  });

  it('a missing file exits 2 with a message', async ({ expect }) => {
    const missing = join(dir, 'nope.yaml');
    const r = await infusim([missing, '--no-progress']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`${missing}: cannot read the scenario file: no such file`);
  });

  it('a broken file exits 2 with file:line:column and writes no report', async ({ expect }) => {
    const broken = join(dir, 'broken.yaml');
    writeFileSync(broken, SMALL.replace('seed: 31', 'sed: 31'));
    const json = join(dir, 'broken.json');
    const r = await infusim([broken, '--no-progress', '--json', json]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`${broken.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:\\d+: `));
    expect(r.stderr).toMatch(/did you mean "seed"/);
    expect(() => readFileSync(json)).toThrow();
  });
});

describe('infusim run --compare', () => {
  it('runs the same seed under two rollout policies and prints them side by side', () => {
    const html = join(dir, 'what-if.html');
    const r = spawnSync(process.execPath, [CLI, 'run', 'scenarios/patch-rollout.yaml', '--compare', 'scenarios/policies/standard.yaml', 'scenarios/policies/cautious.yaml', '--html', html], { encoding: 'utf8', timeout: 300_000 });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^What-if: patch-rollout, seed \d+, policy standard vs cautious$/m);
    // One page with both reports side by side, written where --html says (issue 15, item 3).
    expect(r.stdout).toContain(`HTML report (standard and cautious side by side): ${html}`);
    const page = readFileSync(html, 'utf8');
    expect(page.match(/<iframe /g)?.length).toBe(2);
    expect(page).toContain('<h2>policy cautious</h2>');
    expect(r.stdout).toMatch(/^pumps offered the release +\d+ +\d+$/m);
    // No monitor in patch-rollout: no monitor rows (docs/rollout.md, What-if comparisons).
    expect(r.stdout).not.toMatch(/^(alerts raised|false alerts|monitor baseline)/m);
    const one = spawnSync(process.execPath, [CLI, 'run', 'scenarios/patch-rollout.yaml', '--compare', 'scenarios/policies/standard.yaml'], { encoding: 'utf8', timeout: 300_000 });
    expect(one.status).toBe(2);
  });
});
