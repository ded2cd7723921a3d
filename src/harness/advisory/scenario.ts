/** The scenario's `advisory` action: its file is read and validated before the run starts (nothing half-applied). */
import { isAbsolute, resolve } from 'node:path';
import type { RunInventory } from '../inventory/runInventory.js';
import type { LoadedScenario } from '../scenario/load.js';
import type { Trace } from '../trace/trace.js';
import { AdvisoryRun, type AdvisoryHooks } from './runtime.js';

/** The advisory file of the scenario's `advisory` action (one per scenario), resolved from its directory. */
export function advisoryFileOf(loaded: LoadedScenario): { given: string; path: string } | undefined {
  const e = loaded.scenario.timeline.find((x) => x.action === 'advisory');
  const given = e?.args.file;
  if (typeof given !== 'string') return undefined;
  return { given, path: isAbsolute(given) ? given : resolve(loaded.dir, given) };
}

export async function advisoryRunFor(loaded: LoadedScenario, inventory: RunInventory, trace: Trace, hooks: AdvisoryHooks): Promise<AdvisoryRun | undefined> {
  const f = advisoryFileOf(loaded);
  if (!f) return undefined;
  // The validator is loaded only by scenarios that have an advisory.
  const { loadAdvisory } = await import('./csaf.js');
  return new AdvisoryRun(await loadAdvisory(f.path), f.given, inventory, trace, hooks);
}
