/**
 * `infusim run --compare` with two monitor settings files (docs/monitoring.md, Comparing two rule
 * settings): the same seed under each, the monitor rows side by side and no rollout rows. The
 * figures are worked by hand in scenarios/alert-fatigue.yaml and test/harness/monitor/scenarios.test.ts
 * (tight rule, threshold 4: 18 false alerts per pump from 64 min, 180 over 10 pumps x 3 monitored
 * hours = 6000 per 1000 pump-hours; shipped rule, threshold 7: none), and in docs/monitoring.md for
 * compromised-credentials (both attacks detected at their start, 78 + 1 alerts, none false; only
 * command-rate detects a compromised gateway, so without it that attack goes undetected).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compareFiles, formatComparison } from '../../../src/harness/run/compare.js';
import { loadScenarioFile } from '../../../src/harness/scenario/load.js';
import { infusimSync } from '../../support/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'infusim-monitor-compare-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const TIGHT = 'scenarios/alert-fatigue/tight-rule.yaml';
const SHIPPED = 'scenarios/alert-fatigue/shipped-rule.yaml';

/** The table's row for `metric`: its two cells, split on the two-space column gap. */
function cells(stdout: string, metric: string): string[] | undefined {
  const line = stdout.split('\n').find((l) => l.startsWith(`${metric}  `));
  return line?.slice(metric.length).trim().split(/\s{2,}/);
}

describe('infusim run scenarios/alert-fatigue.yaml --compare tight-rule shipped-rule', () => {
  it('prints the false alerts of each setting side by side, and writes one page with both reports', () => {
    const html = join(dir, 'fatigue.html');
    const r = infusimSync(['run', 'scenarios/alert-fatigue.yaml', '--compare', TIGHT, SHIPPED, '--html', html]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^What-if: alert-fatigue, seed 4242, monitor settings tight-rule vs shipped-rule$/m);
    expect(cells(r.stdout, 'alerts raised')).toEqual(['180', '0']);
    expect(cells(r.stdout, 'alerts by kind')).toEqual(['command-rate 180', '-']);
    expect(cells(r.stdout, 'false alerts')).toEqual(['180', '0']);
    expect(cells(r.stdout, 'monitored pump-hours')).toEqual(['30', '30']);
    expect(cells(r.stdout, 'false alerts per 1000 pump-hours')).toEqual(['6000', '0']);
    // The tight run fails the scenario's `false-alerts max 0` (outcome pass | violation, docs/scenarios.md); the shipped one passes.
    expect(cells(r.stdout, 'outcome')).toEqual(['violation', 'pass']);
    expect(cells(r.stdout, 'expectations met')).toEqual(['2 of 3', '3 of 3']);
    expect(r.status).toBe(1);
    // No rollout in this scenario: no rollout rows.
    expect(r.stdout).not.toMatch(/rollout phase|time to full coverage|pumps offered/);
    const page = readFileSync(html, 'utf8');
    expect(page).toContain('<tr><td>false alerts per 1000 pump-hours</td><td class="differs">6000</td><td class="differs">0</td></tr>');
    expect(page.match(/<iframe title="report under monitor settings (tight-rule|shipped-rule)"/g)).toHaveLength(2);
  });

  it('refuses a broken settings file, and a policy beside monitor settings, with file:line:column and exit 2', () => {
    const broken = join(dir, 'broken.yaml');
    writeFileSync(broken, 'baseline: 1h\nrules:\n  command-rate: { count: 4, windw: 10m, factor: 0 }\n');
    const b = infusimSync(['run', 'scenarios/alert-fatigue.yaml', '--compare', TIGHT, broken]);
    expect(b.status).toBe(2);
    expect(b.stdout).toBe('');
    expect(b.stderr).toContain(`${broken}:3:29: rules.command-rate.windw: unknown key "windw" (did you mean "window"?)`);
    expect(b.stderr).toMatch(new RegExp(`${broken}:3:49: rules\\.command-rate\\.factor: `));
    const mixed = infusimSync(['run', 'scenarios/alert-fatigue.yaml', '--compare', TIGHT, 'scenarios/policies/standard.yaml']);
    expect(mixed.status).toBe(2);
    expect(mixed.stdout).toBe('');
    expect(mixed.stderr).toMatch(/^scenarios\/policies\/standard\.yaml:\d+:1: a rollout policy \(its key "\w+"\), but scenarios\/alert-fatigue\/tight-rule\.yaml is monitor settings: --compare takes two rollout policies or two monitor settings files/m);
    // A policy file is checked at its place too.
    const policy = join(dir, 'policy.yaml');
    writeFileSync(policy, 'name: quick\nwavs: [{ count: 1 }]\n');
    const p = infusimSync(['run', 'scenarios/alert-fatigue.yaml', '--compare', policy, 'scenarios/policies/standard.yaml']);
    expect(p.status).toBe(2);
    expect(p.stderr).toContain(`${policy}:2:1: wavs: unknown key "wavs" (did you mean "waves"?)`);
    const oneFile = join(dir, 'one-file.yaml');
    writeFileSync(oneFile, 'baseline: 1h\nwaves: [{ count: 1 }]\n');
    const one = infusimSync(['run', 'scenarios/alert-fatigue.yaml', '--compare', oneFile, SHIPPED]);
    expect(one.status).toBe(2);
    expect(one.stderr).toContain(`${oneFile}:2:1: waves: "waves" is a rollout policy key, but "baseline" makes this a monitor settings file`);
  });
});

describe('compareFiles with monitor settings on compromised-credentials', () => {
  it('gives each injected attack detected yes/no and its time to detect', async () => {
    const shipped = join(dir, 'cc-shipped.yaml');
    const noRate = join(dir, 'cc-no-rate.yaml');
    // The scenario's own section, as it stands in the scenario (monitor: makes the kind explicit).
    writeFileSync(shipped, 'monitor:\n  baseline: 1h\n  gatewaySegment: core\n');
    writeFileSync(noRate, 'baseline: 1h\ngatewaySegment: core\nrules:\n  command-rate: { enabled: false }\n');
    const { comparison } = await compareFiles(loadScenarioFile('scenarios/compromised-credentials.yaml'), shipped, noRate);
    const row = (metric: string): [string, string] | undefined => {
      const r = comparison.rows.find((x) => x.metric === metric);
      return r && [r.a, r.b];
    };
    expect(comparison.labels).toEqual(['cc-shipped', 'cc-no-rate']);
    expect(row('stolen-credential unit:icu at 02:00:00: detected')).toEqual(['yes', 'yes']);
    expect(row('stolen-credential unit:icu at 02:00:00: time to detect')).toEqual(['0 ms', '0 ms']);
    expect(row('compromised-gateway icu-5 at 03:00:00: detected')).toEqual(['yes', 'NO']);
    expect(row('compromised-gateway icu-5 at 03:00:00: time to detect')).toEqual(['0 ms', 'never']);
    expect(row('alerts raised')).toEqual(['79', '78']);
    expect(row('false alerts')).toEqual(['0', '0']);
    expect(formatComparison(comparison)).toMatch(/^What-if: compromised-credentials, seed \d+, monitor settings cc-shipped vs cc-no-rate$/m);
  });
});
