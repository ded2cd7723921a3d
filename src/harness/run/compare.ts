/**
 * What-if comparisons: the same scenario and seed under two rollout policies, side by side
 * (`compareRuns`, `formatComparison`; the CLI's --compare uses them). Same seed, same ward: the
 * only difference between the two runs is the policy.
 */
import { resolve } from 'node:path';
import { runScenario, type RunOptions } from './runScenario.js';
import type { RunResult } from './result.js';
import type { LoadedScenario } from '../scenario/load.js';
import { clockText } from '../scenario/duration.js';
import { loadPolicyFile } from '../rollout/runtime.js';
import { emptyCounts } from '../rollout/types.js';

export interface ComparisonRow {
  metric: string;
  a: string;
  b: string;
}

export interface RunComparison {
  scenario: string;
  seed: number;
  labels: [string, string];
  rows: ComparisonRow[];
}

function totals(r: RunResult): ReturnType<typeof emptyCounts> {
  const t = emptyCounts();
  for (const w of r.rollout?.waves ?? []) for (const k of Object.keys(t) as (keyof typeof t)[]) t[k] += w.counts[k];
  return t;
}

function offered(r: RunResult): number {
  return (r.rollout?.pumps ?? []).filter((p) => p.offeredMs !== undefined).length;
}

/** Two runs of one scenario (normally the same seed under two policies), metric by metric. */
export function compareRuns(a: RunResult, b: RunResult): RunComparison {
  const ta = totals(a);
  const tb = totals(b);
  const cov = (r: RunResult): string => (r.rollout?.fullCoverageMs !== undefined ? clockText(r.rollout.fullCoverageMs) : 'not reached');
  const waves = (r: RunResult): string => (r.rollout?.waves ?? []).map((w) => `${w.wave}${w.passedMs !== undefined ? ` ${clockText(w.passedMs)}` : w.gateReason !== undefined ? ' stopped' : ' -'}`).join(', ');
  const row = (metric: string, f: (r: RunResult) => string): ComparisonRow => ({ metric, a: f(a), b: f(b) });
  return {
    scenario: a.scenario.name,
    seed: a.seed,
    labels: [a.rollout?.policy ?? 'a', b.rollout?.policy ?? 'b'],
    rows: [
      row('seed', (r) => String(r.seed)),
      row('outcome', (r) => r.outcome),
      row('rollout phase at the end', (r) => r.rollout?.phase ?? '-'),
      row('time to full coverage', cov),
      row('waves (passed at)', waves),
      row('pumps offered the release', (r) => String(offered(r))),
      { metric: 'installed', a: String(ta.installed), b: String(tb.installed) },
      { metric: 'deferred while infusing', a: String(ta.deferred), b: String(tb.deferred) },
      { metric: 'failed', a: String(ta.failed), b: String(tb.failed) },
      { metric: 'timed out', a: String(ta['timed-out']), b: String(tb['timed-out']) },
      { metric: 'rolled back', a: String(ta['rolled-back']), b: String(tb['rolled-back']) },
      row('pumps on a weak profile at the end', (r) => String(r.rollout?.weakProfiles.length ?? 0)),
      row('alarms', (r) => String(r.alarms.length)),
      row('violations', (r) => String(r.violations.length)),
      row('trace hash', (r) => r.traceHash.slice(0, 16)),
    ],
  };
}

/** The comparison as a text table for the terminal. */
export function formatComparison(c: RunComparison): string {
  const headers = ['metric', c.labels[0], c.labels[1]];
  const rows = c.rows.map((r) => [r.metric, r.a, r.b]);
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string => cells.map((x, i) => x.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return [`What-if: ${c.scenario}, seed ${c.seed}, policy ${c.labels[0]} vs ${c.labels[1]}`, line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n') + '\n';
}

/** Run one scenario twice, under two policy files (paths relative to the working directory); only the results are compared, so neither run keeps its trace. */
export async function comparePolicies(loaded: LoadedScenario, policyA: string, policyB: string, options: RunOptions = {}): Promise<{ a: RunResult; b: RunResult; comparison: RunComparison }> {
  const a = (await runScenario(loaded, { keepTrace: false, ...options, rolloutPolicy: loadPolicyFile(resolve(policyA)) })).result;
  const b = (await runScenario(loaded, { keepTrace: false, ...options, rolloutPolicy: loadPolicyFile(resolve(policyB)) })).result;
  return { a, b, comparison: compareRuns(a, b) };
}
