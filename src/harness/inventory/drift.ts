/** Drift between the hospital's records and what the run saw (docs/inventory.md, "Drift"). */
import type { HospitalRecord } from '../scenario/inventoryRecords.js';
import type { Inventory } from './inventory.js';

export interface Drift {
  recordedNeverSeen: { pumpId: string; line: number; unit: string }[];
  seenNotRecorded: { pumpId: string; unit: string; firmware: string }[];
  versionsDiffer: { pumpId: string; recorded: string; reported: string }[];
  unitsDiffer: { pumpId: string; recorded: string; actual: string }[];
}

export function driftOf(records: readonly HospitalRecord[], inv: Inventory): Drift {
  const rows = new Map(inv.pumps.map((r) => [r.pumpId, r]));
  const recorded = new Set(records.map((r) => r.pumpId));
  const drift: Drift = { recordedNeverSeen: [], seenNotRecorded: [], versionsDiffer: [], unitsDiffer: [] };
  for (const rec of records) {
    const row = rows.get(rec.pumpId);
    if (!row || row.lastSeenMs === undefined) {
      drift.recordedNeverSeen.push({ pumpId: rec.pumpId, line: rec.line, unit: rec.unit });
      continue;
    }
    if (row.firmware !== rec.firmware) drift.versionsDiffer.push({ pumpId: rec.pumpId, recorded: rec.firmware, reported: row.firmware });
    if (row.unit !== rec.unit) drift.unitsDiffer.push({ pumpId: rec.pumpId, recorded: rec.unit, actual: row.unit });
  }
  for (const row of inv.pumps) if (!recorded.has(row.pumpId) && row.lastSeenMs !== undefined) drift.seenNotRecorded.push({ pumpId: row.pumpId, unit: row.unit, firmware: row.firmware });
  return drift;
}

export function driftCount(d: Drift): number {
  return d.recordedNeverSeen.length + d.seenNotRecorded.length + d.versionsDiffer.length + d.unitsDiffer.length;
}
