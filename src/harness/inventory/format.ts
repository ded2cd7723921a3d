/** The inventory as a table (terminal), CSV (one row per pump, readable back) and JSON. */
import { isVersion } from '../../sim/firmware/version.js';
import { formatDurationMs } from '../scenario/duration.js';
import { CsvError, parseCsv, toCsv } from '../scenario/csv.js';
import type { Inventory, InventoryRow, Use } from './inventory.js';
import { OWNERS, PARK_REASONS, type Owner } from '../scenario/inventorySchema.js';
import { driftCount, type Drift } from './drift.js';

export const INVENTORY_JSON_FORMAT = 'infusim-inventory/1';

/** CSV columns, and the row field each comes from. */
const COLUMNS: readonly [string, (r: InventoryRow) => string | number][] = [
  ['pump_id', (r) => r.pumpId],
  ['serial', (r) => r.serial],
  ['type', (r) => r.type],
  ['model', (r) => r.model],
  ['firmware', (r) => r.firmware],
  ['other_slot', (r) => r.otherSlot],
  ['library', (r) => r.library],
  ['unit', (r) => r.unit],
  ['location', (r) => r.location],
  ['segment', (r) => r.segment],
  ['owner', (r) => r.owner],
  ['support_status', (r) => r.supportStatus],
  ['end_of_support', (r) => r.endOfSupport],
  ['components_past_support', (r) => r.componentsPastSupport.join(' ')],
  ['sbom', (r) => r.sbom],
  ['credentials', (r) => r.credentials],
  ['profile', (r) => r.profile],
  // Virtual time has fractions of a ms (link latency); the CSV keeps whole ms.
  ['last_seen_ms', (r) => (r.lastSeenMs === undefined ? '' : Math.round(r.lastSeenMs))],
  ['use', (r) => r.use],
  ['off_reason', (r) => r.offReason],
  ['drug', (r) => r.drug],
];

export function inventoryCsv(inv: Inventory): string {
  return toCsv(
    COLUMNS.map(([h]) => h),
    inv.pumps.map((r) => COLUMNS.map(([, f]) => f(r))),
  );
}

export function inventoryJson(inv: Inventory, drift: Drift | undefined): string {
  return JSON.stringify({ format: INVENTORY_JSON_FORMAT, ...inv, ...(drift ? { drift } : {}) }, null, 2) + '\n';
}

function ago(inv: Inventory, r: InventoryRow): string {
  return r.lastSeenMs === undefined ? 'never' : `${formatDurationMs(Math.round((inv.tMs - r.lastSeenMs) / 1000) * 1000)} ago`;
}

export function formatInventory(inv: Inventory, drift: Drift | undefined): string {
  const header = ['pump', 'type', 'firmware', 'other', 'unit', 'segment', 'owner', 'support', 'creds', 'use', 'drug', 'seen'];
  const rows = inv.pumps.map((r) => [r.pumpId, r.type, r.firmware, r.otherSlot, r.unit, r.segment, r.owner, r.supportStatus === 'supported' ? `ok to ${r.endOfSupport}` : `ENDED ${r.endOfSupport}`, r.credentials, r.use === 'off-network' ? `off (${r.offReason})` : r.use, r.drug, ago(inv, r)]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  const count = (u: Use): number => inv.pumps.filter((r) => r.use === u).length;
  const out = [`inventory at ${formatDurationMs(inv.tMs)} (${inv.date}): ${inv.pumps.length} pumps, ${count('in-use')} in use, ${count('idle')} idle, ${count('off-network')} off the network; ${inv.pumps.filter((r) => r.supportStatus === 'end-of-support').length} past end of support, ${inv.pumps.filter((r) => r.credentials === 'legacy').length} with legacy credentials`, line(header), ...rows.map(line)];
  if (inv.unknown.length > 0) {
    out.push('', `unknown devices (${inv.unknown.length}):`);
    for (const d of inv.unknown) out.push(`  ${d.address}  segment ${d.segment}  first seen ${formatDurationMs(d.firstSeenMs)}  (${d.source}${d.note ? `: ${d.note}` : ''})`);
  }
  if (drift) {
    out.push('', `drift against the hospital's records: ${driftCount(drift)}`);
    for (const d of drift.recordedNeverSeen) out.push(`  recorded, never seen: ${d.pumpId} (unit ${d.unit}, records line ${d.line})`);
    for (const d of drift.seenNotRecorded) out.push(`  seen, not recorded:   ${d.pumpId} (unit ${d.unit}, firmware ${d.firmware})`);
    for (const d of drift.versionsDiffer) out.push(`  version differs:      ${d.pumpId} recorded ${d.recorded}, reports ${d.reported}`);
    for (const d of drift.unitsDiffer) out.push(`  unit differs:         ${d.pumpId} recorded ${d.recorded}, is in ${d.actual}`);
  }
  return out.join('\n') + '\n';
}

/** Columns an inventory CSV needs for advisory matching (`infusim advisory match --inventory`). */
export const MATCH_COLUMNS = ['pump_id', 'type', 'firmware', 'unit', 'profile', 'use', 'drug'] as const;

/** Read an inventory CSV back (as `infusim inventory --csv` writes it); a bad record refuses the file. */
export function parseInventoryCsv(text: string, file: string): InventoryRow[] {
  const { records } = parseCsv(text, file, MATCH_COLUMNS);
  const uses: readonly string[] = ['in-use', 'idle', 'off-network'];
  return records.map(({ line, fields: f }) => {
    const bad = (col: string, expected: string): never => {
      throw new CsvError(`${file}:${line}: column "${col}": expected ${expected}, got ${JSON.stringify(f[col] ?? '')}`);
    };
    const pumpId = f.pump_id!;
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(pumpId)) bad('pump_id', 'a pump id');
    if (f.type !== 'lvp' && f.type !== 'syringe') bad('type', 'lvp or syringe');
    if (!isVersion(f.firmware!)) bad('firmware', 'a version MAJOR.MINOR.PATCH');
    if (!uses.includes(f.use!)) bad('use', uses.join(', '));
    if (f.unit === '') bad('unit', 'a unit id');
    const owner = f.owner ?? 'clinical-engineering';
    if (!(OWNERS as readonly string[]).includes(owner)) bad('owner', OWNERS.join(', '));
    const offReason = f.off_reason ?? '';
    if (offReason !== '' && offReason !== 'not-seen' && !(PARK_REASONS as readonly string[]).includes(offReason)) bad('off_reason', `empty, not-seen or ${PARK_REASONS.join(', ')}`);
    const lastSeen = f.last_seen_ms ?? '';
    if (lastSeen !== '' && !/^\d{1,15}$/.test(lastSeen)) bad('last_seen_ms', 'empty or a whole number of ms');
    return {
      pumpId,
      serial: f.serial ?? pumpId,
      type: f.type as 'lvp' | 'syringe',
      model: f.model ?? '',
      firmware: f.firmware!,
      otherSlot: f.other_slot ?? '-',
      library: f.library ?? '-',
      unit: f.unit!,
      location: f.location ?? f.unit!,
      segment: f.segment ?? '-',
      owner: owner as Owner,
      supportStatus: f.support_status === 'end-of-support' ? 'end-of-support' : 'supported',
      endOfSupport: f.end_of_support ?? '',
      componentsPastSupport: (f.components_past_support ?? '').split(' ').filter(Boolean),
      sbom: f.sbom === 'checked' ? 'checked' : 'unsigned',
      credentials: f.credentials === 'legacy' ? 'legacy' : 'current',
      profile: f.profile!,
      lastSeenMs: lastSeen === '' ? undefined : Number(lastSeen),
      use: f.use as Use,
      offReason: offReason as InventoryRow['offReason'],
      drug: f.drug ?? '-',
    };
  });
}
