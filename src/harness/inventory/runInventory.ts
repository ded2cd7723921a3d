/**
 * The inventory the gateway keeps during a run (docs/inventory.md): a snapshot at an instant,
 * and the drift against the hospital's records when the scenario names them. Reading only: a run
 * with an inventory has the same trace as one without.
 */
import { isAbsolute, resolve } from 'node:path';
import type { Gateway } from '../gateway/gateway.js';
import { readBoundedFile } from '../readBoundedFile.js';
import type { FleetPump } from '../scenario/fleet.js';
import type { LoadedScenario } from '../scenario/load.js';
import type { World } from '../world/world.js';
import { buildInventory, type Inventory } from './inventory.js';
import { observePumps, rogueClientsOf } from './observe.js';
import { parseRecords, type HospitalRecord } from '../scenario/inventoryRecords.js';
import { driftOf, type Drift } from './drift.js';
import { DEFAULT_INVENTORY, type InventoryConfig } from '../scenario/inventorySchema.js';

/** The largest records file a scenario may name. */
import { MAX_RECORDS_FILE_BYTES } from '../scenario/inventoryLimits.js';
export { MAX_RECORDS_FILE_BYTES };

export interface InventoryReport {
  inventory: Inventory;
  /** Present when the scenario names the hospital's records. */
  records?: { file: string; drift: Drift } | undefined;
}

/** The path of the records file the scenario names, resolved from its directory. */
export function recordsPath(loaded: LoadedScenario): string | undefined {
  const f = loaded.scenario.inventory?.records;
  return f === undefined ? undefined : isAbsolute(f) ? f : resolve(loaded.dir, f);
}

/** Read and parse the scenario's records (throws CsvError or FileRefused; load.ts checks this first). */
export function readRecords(loaded: LoadedScenario): { file: string; records: HospitalRecord[] } | undefined {
  const path = recordsPath(loaded);
  if (path === undefined) return undefined;
  const file = loaded.scenario.inventory?.records ?? path;
  return { file, records: parseRecords(readBoundedFile(path, MAX_RECORDS_FILE_BYTES, 'records file'), file) };
}

export class RunInventory {
  readonly config: InventoryConfig;
  private readonly records: { file: string; records: HospitalRecord[] } | undefined;
  private readonly unitNames: Map<string, string>;
  private readonly rogue: ReturnType<typeof rogueClientsOf>;

  constructor(
    private readonly loaded: LoadedScenario,
    private readonly fleet: readonly FleetPump[],
    private readonly world: World,
    private readonly gateway: Gateway,
    private readonly telemetryEveryMs: number,
  ) {
    this.config = loaded.scenario.inventory ?? DEFAULT_INVENTORY;
    this.records = readRecords(loaded);
    this.unitNames = new Map(loaded.scenario.site.units.map((u) => [u.id, u.name ?? u.id]));
    this.rogue = rogueClientsOf(loaded.scenario, fleet);
  }

  snapshot(tMs = this.world.nowMs): Inventory {
    return buildInventory({
      config: this.config,
      fleet: this.fleet,
      unitNames: this.unitNames,
      observations: observePumps(this.world, this.gateway, this.fleet),
      tMs,
      telemetryEveryMs: this.telemetryEveryMs,
      rogueClients: this.rogue,
    });
  }

  report(tMs = this.world.nowMs): InventoryReport {
    const inventory = this.snapshot(tMs);
    return { inventory, ...(this.records ? { records: { file: this.records.file, drift: driftOf(this.records.records, inventory) } } : {}) };
  }
}
