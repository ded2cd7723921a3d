/** The pass/fail table printed at the end of a bench run, and the exit code it implies. */
import type { CheckResult } from './types.js';

export function formatTable(results: readonly CheckResult[], maxDetail = 100): string {
  const w = Math.max(5, ...results.map((r) => r.name.length));
  const lines = [`${'check'.padEnd(w)}  result  detail`, `${'-'.repeat(w)}  ------  ${'-'.repeat(6)}`];
  for (const r of results) {
    const detail = r.detail.length > maxDetail ? `${r.detail.slice(0, maxDetail - 3)}...` : r.detail;
    lines.push(`${r.name.padEnd(w)}  ${r.status.padEnd(6)}  ${detail}`);
  }
  const n = (s: string): number => results.filter((r) => r.status === s).length;
  lines.push('', `${n('PASS')} passed, ${n('FAIL')} failed, ${n('SKIP')} skipped`);
  return lines.join('\n');
}

/** 0 when nothing failed (skips are not failures), 1 otherwise. */
export function exitCodeOf(results: readonly CheckResult[]): 0 | 1 {
  return results.some((r) => r.status === 'FAIL') ? 1 : 0;
}
