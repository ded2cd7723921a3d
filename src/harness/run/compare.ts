/**
 * What-if comparisons: the same scenario and seed run twice, under two rollout policies or two
 * monitor settings, side by side (`compareRuns`, `formatComparison`; the CLI's --compare uses
 * `compareFiles`). Same seed, same ward: the only difference between the two runs is the file.
 * The rows (compareRows.ts) follow what the runs have: a rollout, a traffic monitor, or both.
 */
import { runScenario, type RunOptions } from './runScenario.js';
import type { RunResult } from './result.js';
import type { LoadedScenario } from '../scenario/load.js';
import { monitorRows, rolloutRows, type ComparisonRow } from './compareRows.js';
import { loadWhatIfPair, type WhatIfFile } from './whatIfFile.js';

export type { ComparisonRow } from './compareRows.js';

/** What differs between the two runs: a rollout policy or the monitor settings. */
export type ComparedSetting = 'policy' | 'monitor settings';

export interface RunComparison {
  scenario: string;
  seed: number;
  setting: ComparedSetting;
  labels: [string, string];
  rows: ComparisonRow[];
}

/** Two runs of one scenario (normally the same seed under two policies or two monitor settings), metric by metric. */
export function compareRuns(a: RunResult, b: RunResult, setting: ComparedSetting = 'policy', labels: [string, string] = [a.rollout?.policy ?? 'a', b.rollout?.policy ?? 'b']): RunComparison {
  const row = (metric: string, f: (r: RunResult) => string): ComparisonRow => ({ metric, a: f(a), b: f(b) });
  return {
    scenario: a.scenario.name,
    seed: a.seed,
    setting,
    labels,
    rows: [
      row('seed', (r) => String(r.seed)),
      row('outcome', (r) => r.outcome),
      row('expectations met', (r) => `${r.expectations.filter((e) => e.passed).length} of ${r.expectations.length}`),
      ...(a.rollout || b.rollout ? rolloutRows(row) : []),
      ...(a.monitor || b.monitor ? monitorRows(row, a) : []),
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
  return [`What-if: ${c.scenario}, seed ${c.seed}, ${c.setting} ${c.labels[0]} vs ${c.labels[1]}`, line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n') + '\n';
}

function withFile(loaded: LoadedScenario, f: WhatIfFile, options: RunOptions): Promise<{ result: RunResult }> {
  if (f.kind === 'policy') return runScenario(loaded, { keepTrace: false, ...options, rolloutPolicy: f.policy });
  return runScenario({ ...loaded, scenario: { ...loaded.scenario, monitor: f.monitor } }, { keepTrace: false, ...options });
}

/**
 * Run one scenario twice, under two rollout policy files or two monitor settings files (paths
 * relative to the working directory; whatIfFile.ts tells the kinds apart and refuses a broken file
 * or a pair of two kinds with a ScenarioError before anything runs). Only the results are
 * compared, so neither run keeps its trace.
 */
export async function compareFiles(loaded: LoadedScenario, fileA: string, fileB: string, options: RunOptions = {}): Promise<{ a: RunResult; b: RunResult; comparison: RunComparison }> {
  const [fa, fb] = loadWhatIfPair(fileA, fileB, loaded);
  const a = (await withFile(loaded, fa, options)).result;
  const b = (await withFile(loaded, fb, options)).result;
  return { a, b, comparison: compareRuns(a, b, fa.kind === 'policy' ? 'policy' : 'monitor settings', [fa.label, fb.label]) };
}

/** The same as compareFiles (its first name, from when --compare took rollout policies only). */
export const comparePolicies = compareFiles;
