import type { Command } from 'commander';
import { writeFileSync } from 'node:fs';
import { formatMatch, matchCsv, matchJson } from '../advisory/format.js';
import { matchAdvisory } from '../advisory/match.js';
import { inventoryAt, parseAtOption } from './inventoryAt.js';
import { parseInventoryCsv } from '../inventory/format.js';
import type { InventoryRow } from '../inventory/inventory.js';
import { FileRefused, readBoundedFile } from '../readBoundedFile.js';
import { loadScenarioFile } from '../scenario/load.js';
import { loadOrExit2, parseChoice } from './options.js';
import { MAX_RECORDS_FILE_BYTES } from '../inventory/runInventory.js';

interface MatchOpts {
  scenario?: string;
  inventory?: string;
  at?: number;
  format: 'table' | 'json' | 'csv';
  json?: string;
  csv?: string;
}

function readInventoryCsv(path: string): InventoryRow[] {
  try {
    return parseInventoryCsv(readBoundedFile(path, MAX_RECORDS_FILE_BYTES, 'inventory CSV'), path);
  } catch (e) {
    if (e instanceof FileRefused) throw new Error(`cannot read inventory CSV ${path}: ${e.reason === 'missing' ? 'no such file' : `it ${e.message}`}`);
    throw e;
  }
}

export function registerAdvisory(program: Command): void {
  const adv = program.command('advisory').description('CSAF 2.0 advisories against the fleet (docs/advisories.md)');
  adv
    .command('check')
    .description('validate a CSAF 2.0 advisory (exit 2 with the JSON path of the first bad field)')
    .argument('<advisory.json>', 'CSAF 2.0 document')
    .action(async (file: string) => {
      const { loadAdvisory } = await import('../advisory/csaf.js'); // the validator loads only when needed
      const a = await loadAdvisory(file);
      process.stdout.write(`${file}: valid CSAF 2.0: ${a.id} "${a.title}", ${a.vulnerabilities.length} vulnerabilities, ${a.products.size} products with a CPE\n`);
    });
  adv
    .command('match')
    .description('the pumps an advisory affects, by unit, with their clinical context and a VEX status each (exit 2 on bad input)')
    .argument('<advisory.json>', 'CSAF 2.0 document')
    .option('--scenario <file>', "match the scenario's fleet as the gateway's inventory sees it (run to --at)")
    .option('--at <duration>', 'with --scenario: the instant (default: the end of the run)', parseAtOption)
    .option('--inventory <csv>', 'match an inventory CSV (as infusim inventory --csv writes it)')
    .option('--format <table|json|csv>', 'what to print', parseChoice(['table', 'json', 'csv'] as const, '--format'), 'table' as const)
    .option('--json <file>', 'also write the match as JSON')
    .option('--csv <file>', 'also write the match as CSV')
    .action(async (file: string, o: MatchOpts) => {
      if ((o.scenario === undefined) === (o.inventory === undefined)) throw new Error('give one of --scenario <file> or --inventory <csv>');
      if (o.inventory !== undefined && o.at !== undefined) throw new Error('--at goes with --scenario (an inventory CSV is already taken at an instant)');
      // Everything is read and checked before anything is written.
      const { loadAdvisory } = await import('../advisory/csaf.js');
      const advisory = await loadAdvisory(file);
      let rows: InventoryRow[];
      let at: { tMs: number; date: string } | undefined;
      if (o.scenario !== undefined) {
        const loaded = loadOrExit2(loadScenarioFile, o.scenario);
        if (!loaded) return;
        const report = await inventoryAt(loaded, o.at);
        rows = report.inventory.pumps;
        at = { tMs: report.inventory.tMs, date: report.inventory.date };
      } else {
        rows = readInventoryCsv(o.inventory!);
      }
      const m = matchAdvisory(advisory, rows);
      process.stdout.write(o.format === 'json' ? matchJson(m, at) : o.format === 'csv' ? matchCsv(m) : formatMatch(m, at));
      if (o.json) writeFileSync(o.json, matchJson(m, at));
      if (o.csv) writeFileSync(o.csv, matchCsv(m));
    });
}
