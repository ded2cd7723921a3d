/** An advisory match as a table by unit, JSON and CSV (docs/advisories.md#output). */
import { toCsv } from '../scenario/csv.js';
import type { MatchResult } from './match.js';

export const MATCH_JSON_FORMAT = 'infusim-advisory-match/1';

export function matchJson(m: MatchResult, at: { tMs: number; date: string } | undefined): string {
  return JSON.stringify({ format: MATCH_JSON_FORMAT, ...(at ? { at } : {}), ...m }, null, 2) + '\n';
}

export function matchCsv(m: MatchResult): string {
  return toCsv(
    ['advisory', 'pump_id', 'unit', 'segment', 'type', 'firmware', 'vex', 'vulnerabilities', 'components', 'use', 'drug', 'legacy', 'patchable', 'fix', 'controls'],
    m.rows.map((r) => [m.advisory.id, r.pumpId, r.unit, r.segment, r.type, r.firmware, r.vex, r.vulnerabilities.join(' '), r.components.join(' '), r.use, r.drug, r.legacy ? 'yes' : 'no', r.patchable ? 'yes' : 'no', r.fix, r.controls.join(' | ')]),
  );
}

export function formatMatch(m: MatchResult, at: { tMs: number; date: string } | undefined): string {
  const affected = m.rows.filter((r) => r.vex === 'affected');
  const out = [
    `${m.advisory.id}: ${m.advisory.title} (${m.advisory.publisher})${at ? ` — fleet at ${at.tMs} ms (${at.date})` : ''}`,
    `${affected.length} of ${m.rows.length} pumps affected, ${affected.filter((r) => r.use === 'in-use').length} infusing now, ${affected.filter((r) => !r.patchable).length} cannot be patched; ${m.rows.filter((r) => r.vex === 'fixed').length} fixed, ${m.rows.filter((r) => r.vex === 'not-affected').length} not affected`,
    '',
  ];
  for (const u of m.units) {
    out.push(`unit ${u.unit}: ${u.affected}/${u.pumps} affected, ${u.infusing} infusing${u.drugs.length ? ` (${u.drugs.join(', ')})` : ''}, ${u.unpatchable} cannot be patched, ${u.offNetwork} off the network`);
    for (const r of m.rows.filter((x) => x.unit === u.unit && x.vex === 'affected')) {
      const use = r.use === 'in-use' ? `INFUSING ${r.drug === '-' ? '(no drug)' : r.drug}` : r.use;
      out.push(`  ${r.pumpId.padEnd(12)} ${r.type.padEnd(7)} ${r.firmware.padEnd(8)} ${use.padEnd(22)} ${r.patchable ? `patch: ${r.fix}` : 'LEGACY, no fix: compensating controls'}  [${r.components.join(', ')}]`);
      if (!r.patchable) for (const c of r.controls) out.push(`${' '.repeat(16)}- ${c}`);
    }
  }
  return out.join('\n') + '\n';
}
