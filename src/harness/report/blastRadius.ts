/**
 * The report's blast radius section (docs/monitoring.md, Blast radius): per injected attack, where
 * the attacker stood, the pumps reachable from there, the pumps it affected, and what became of its
 * messages. Terminal and HTML; the JSON report carries `blastRadius` as it is.
 */
import { escapeHtml } from './charts/svg.js';
import { clockText } from './timeline.js';
import type { RunResult } from '../run/result.js';
import type { BlastRadius } from '../faults/blastRadius.js';

const HEADERS = ['attack', 'target', 'start', 'from', 'reachable', 'affected', 'sent', 'reached', 'refused'];
const MAX_PUMPS_NAMED = 10;

function affected(b: BlastRadius): string {
  if (b.affected === 0) return '0';
  const named = b.affectedPumps.slice(0, MAX_PUMPS_NAMED).join(' ');
  return `${b.affected} (${named}${b.affectedPumps.length > MAX_PUMPS_NAMED ? ' ...' : ''})`;
}

function rows(list: readonly BlastRadius[], pumps: number): string[][] {
  return list.map((b) => [b.attack, b.target, clockText(b.startMs), b.from.join(', '), `${b.reachable} of ${pumps}`, affected(b), String(b.sent), String(b.reached), String(b.refused)]);
}

export function blastSummaryLines(result: RunResult, textTable: (headers: string[], rows: string[][]) => string): string[] {
  const list = result.blastRadius;
  if (!list?.length) return [];
  return ['', 'Blast radius (pumps reachable from where each attack stood, pumps it affected):', textTable(HEADERS, rows(list, result.pumps.length))];
}

export function blastHtmlSection(result: RunResult): string {
  const list = result.blastRadius;
  if (!list?.length) return '';
  const head = `<tr>${HEADERS.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr>`;
  const body = rows(list, result.pumps.length)
    .map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`)
    .join('');
  return `<section id="blast-radius"><h2>Blast radius</h2><p class="desc">Pumps reachable from where each attack stood (site.reach: and the compensating controls at its start) and pumps it affected (acted on its message or took its firmware).</p><table>${head}${body}</table></section>`;
}
