import type { Command } from 'commander';
import { writeFileSync } from 'node:fs';
import { inventoryAt, parseAtOption } from './inventoryAt.js';
import { formatInventory, inventoryCsv, inventoryJson } from '../inventory/format.js';
import { loadScenarioFile } from '../scenario/load.js';
import { loadOrExit2 } from './options.js';

export function registerInventory(program: Command): void {
  program
    .command('inventory')
    .description("the gateway's asset inventory of a scenario's fleet at an instant, with drift against the hospital's records (docs/inventory.md); exit 2 on bad input")
    .argument('<scenario.yaml>', 'scenario file (docs/scenarios.md)')
    .option('--at <duration>', 'the instant (12h, 90m; default: the end of the run)', parseAtOption)
    .option('--csv <file>', 'write the inventory as CSV (one row per pump)')
    .option('--json <file>', 'write the inventory and the drift as JSON')
    .action(async (file: string, o: { at?: number; csv?: string; json?: string }) => {
      const loaded = loadOrExit2(loadScenarioFile, file);
      if (!loaded) return;
      const report = await inventoryAt(loaded, o.at);
      const drift = report.records?.drift;
      process.stdout.write(formatInventory(report.inventory, drift));
      if (o.csv) writeFileSync(o.csv, inventoryCsv(report.inventory));
      if (o.json) writeFileSync(o.json, inventoryJson(report.inventory, drift));
      for (const [what, path] of [['CSV', o.csv], ['JSON', o.json]] as const) if (path) process.stdout.write(`${what}: ${path}\n`);
    });
}
