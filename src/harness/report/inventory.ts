/** The report's inventory and advisory sections (docs/inventory.md, docs/advisories.md). */
import { escapeHtml } from './charts/svg.js';
import { renderLineChart } from './charts/lineChart.js';
import { clockText } from './timeline.js';
import type { RunResult } from '../run/result.js';
import { driftCount } from '../inventory/drift.js';

function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const head = `<tr>${headers.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr>`;
  return `<table>${head}${rows.map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`).join('')}</table>`;
}

export function inventoryHtmlSection(result: RunResult): string {
  const rep = result.inventory;
  if (!rep) return '';
  const inv = rep.inventory;
  const count = (f: (r: (typeof inv.pumps)[number]) => boolean): number => inv.pumps.filter(f).length;
  const out = [
    '<section id="inventory"><h2>Asset inventory</h2>',
    `<p class="desc">What the gateway knows at ${escapeHtml(clockText(inv.tMs))} (${escapeHtml(inv.date)}): ${inv.pumps.length} pumps, ${count((r) => r.use === 'in-use')} in use, ${count((r) => r.use === 'off-network')} off the network, ${count((r) => r.supportStatus === 'end-of-support')} past end of support, ${count((r) => r.credentials === 'legacy')} with legacy credentials; ${inv.unknown.length} unknown devices.</p>`,
    `<details><summary>Every pump (${inv.pumps.length})</summary>`,
    table(
      ['pump', 'serial', 'model', 'firmware', 'other slot', 'library', 'unit', 'location', 'segment', 'owner', 'support', 'SBOM', 'credentials', 'last seen', 'use'],
      inv.pumps.map((r) => [r.pumpId, r.serial, r.model, r.firmware, r.otherSlot, r.library, r.unit, r.location, r.segment, r.owner, `${r.supportStatus} (${r.endOfSupport})`, r.sbom, r.credentials, r.lastSeenMs === undefined ? 'never' : clockText(r.lastSeenMs), r.use === 'off-network' ? `off (${r.offReason})` : r.use]),
    ),
    '</details>',
  ];
  if (inv.unknown.length) out.push('<h3>Unknown devices</h3>', table(['address', 'segment', 'first seen', 'source', 'note'], inv.unknown.map((d) => [d.address, d.segment, clockText(d.firstSeenMs), d.source, d.note])));
  if (rep.records) {
    const d = rep.records.drift;
    out.push(`<h3>Drift against the hospital's records (${escapeHtml(rep.records.file)}): ${driftCount(d)}</h3>`);
    const rows = [
      ...d.recordedNeverSeen.map((x) => ['recorded, never seen', x.pumpId, `unit ${x.unit}, records line ${x.line}`]),
      ...d.seenNotRecorded.map((x) => ['seen, not recorded', x.pumpId, `unit ${x.unit}, firmware ${x.firmware}`]),
      ...d.versionsDiffer.map((x) => ['version differs', x.pumpId, `recorded ${x.recorded}, reports ${x.reported}`]),
      ...d.unitsDiffer.map((x) => ['unit differs', x.pumpId, `recorded ${x.recorded}, is in ${x.actual}`]),
    ];
    out.push(rows.length ? table(['drift', 'pump', 'detail'], rows) : '<p class="desc">none</p>');
  }
  out.push('</section>');
  return out.join('\n');
}

export function advisoryHtmlSection(result: RunResult): string {
  const a = result.advisory;
  if (!a) return '';
  const units = [...new Set(a.exposure.flatMap((p) => Object.keys(p.byUnit)))].sort();
  return [
    '<section id="advisory"><h2>Advisory response</h2>',
    `<p class="desc"><b>${escapeHtml(a.advisory.id)}</b>: ${escapeHtml(a.advisory.title)} (${escapeHtml(a.advisory.file)}), matched at ${escapeHtml(clockText(a.atMs))}: ${a.affected} pumps affected, ${a.patchTargets.length} patch targets, ${a.mitigated.length} under compensating controls.</p>`,
    '<h3>Exposure over time (affected pumps neither patched nor mitigated, by unit)</h3>',
    renderLineChart({ title: 'Affected pumps left, by unit', valueUnit: 'pumps', durationMs: result.scenario.durationMs, series: units.map((u) => ({ label: u, points: a.exposure.map((p) => ({ tMs: p.tMs, value: p.byUnit[u] ?? 0 })) })) }),
    a.mitigated.length ? `<h3>Compensating controls</h3>${table(['pump', 'unit', 'controls'], a.mitigated.map((m) => [m.pumpId, m.unit, m.controls.join('; ')]))}` : '',
    `<details><summary>When each affected pump was closed (${Object.keys(a.closedMs).length})</summary>${table(['pump', 'closed at'], Object.entries(a.closedMs).map(([p, t]) => [p, t === null ? 'still exposed' : clockText(t)]))}</details>`,
    '</section>',
  ].join('\n');
}
