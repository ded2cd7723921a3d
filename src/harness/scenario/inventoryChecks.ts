/**
 * Checks of the scenario's `inventory:` block that need the fleet or the disk: parked targets name
 * pumps, units and segments exist, and the hospital's records file reads as records (a broken
 * record refuses the scenario, with the CSV's file:line and what was expected).
 */
import { isAbsolute, resolve } from 'node:path';
import { FileRefused, readBoundedFile } from '../readBoundedFile.js';
import { resolveTarget, type FleetPump } from './fleet.js';
import { CsvError } from './csv.js';
import { parseRecords } from './inventoryRecords.js';
import { MAX_RECORDS_FILE_BYTES } from './inventoryLimits.js';

export interface InventoryProblem {
  path: (string | number)[];
  message: string;
}

interface FleetFacts {
  pumps: readonly FleetPump[];
  unitIds: readonly string[];
  segmentIds: readonly string[];
}

export function inventoryProblems(raw: unknown, dir: string, fleet: FleetFacts | undefined): InventoryProblem[] {
  if (raw === null || typeof raw !== 'object') return [];
  const inv = raw as { records?: unknown; parked?: unknown; unknownDevices?: unknown; unitOwners?: unknown; locations?: unknown };
  const out: InventoryProblem[] = [];
  if (typeof inv.records === 'string') {
    const path = isAbsolute(inv.records) ? inv.records : resolve(dir, inv.records);
    try {
      parseRecords(readBoundedFile(path, MAX_RECORDS_FILE_BYTES, 'records file'), inv.records);
    } catch (e) {
      if (e instanceof CsvError) out.push({ path: ['inventory', 'records'], message: `the hospital's records are refused: ${e.message}` });
      else if (e instanceof FileRefused) out.push({ path: ['inventory', 'records'], message: `the records file ${inv.records} ${e.reason === 'missing' ? 'does not exist (relative to the scenario)' : e.message}` });
      else throw e;
    }
  }
  if (!fleet) return out;
  if (Array.isArray(inv.parked)) {
    inv.parked.forEach((p: unknown, i) => {
      const t = (p as { target?: unknown } | null)?.target;
      if (typeof t === 'string' && resolveTarget(t, fleet.pumps).length === 0) out.push({ path: ['inventory', 'parked', i, 'target'], message: `names no pump of the fleet (a pump id, unit:<id>, segment:<id> or type:<lvp|syringe>)` });
    });
  }
  if (Array.isArray(inv.unknownDevices)) {
    inv.unknownDevices.forEach((d: unknown, i) => {
      const seg = (d as { segment?: unknown } | null)?.segment;
      if (typeof seg === 'string' && !fleet.segmentIds.includes(seg)) out.push({ path: ['inventory', 'unknownDevices', i, 'segment'], message: `segment "${seg}" is not in site.segments (segments: ${fleet.segmentIds.join(', ')})` });
    });
  }
  for (const key of ['unitOwners', 'locations'] as const) {
    const m = inv[key];
    if (m === null || typeof m !== 'object') continue;
    for (const unit of Object.keys(m)) if (!fleet.unitIds.includes(unit)) out.push({ path: ['inventory', key, unit], message: `unit "${unit}" is not in the fleet (units: ${fleet.unitIds.join(', ')})` });
  }
  return out;
}
