/**
 * The inventory at an instant of a scenario: run the scenario up to that instant (its timeline
 * beyond it never acts) and take the gateway's inventory there. `infusim inventory` and
 * `infusim advisory match --scenario` use this.
 */
import { InvalidArgumentError } from 'commander';
import { runScenario } from '../run/runScenario.js';
import { parseDurationMs } from '../scenario/duration.js';
import type { LoadedScenario } from '../scenario/load.js';
import type { InventoryReport } from '../inventory/runInventory.js';

/** `--at <duration>` (12h, 90m, ...). */
export function parseAtOption(text: string): number {
  try {
    return parseDurationMs(text);
  } catch (e) {
    throw new InvalidArgumentError((e as Error).message);
  }
}

export async function inventoryAt(loaded: LoadedScenario, atMs: number | undefined): Promise<InventoryReport> {
  const durationMs = parseDurationMs(loaded.scenario.duration);
  if (atMs !== undefined && atMs > durationMs) throw new RangeError(`--at ${atMs} ms is after the end of ${loaded.scenario.name} (duration ${String(loaded.scenario.duration)})`);
  const until = atMs ?? durationMs;
  const cut: LoadedScenario = { ...loaded, scenario: { ...loaded.scenario, duration: until } };
  const run = await runScenario(cut, { keepTrace: false });
  const report = run.result.inventory;
  if (!report) throw new Error('the run kept no inventory');
  return report;
}
