/**
 * Load-time checks of the `advisory` action: one per scenario, its file exists and is small
 * enough, and a rollout with `targets: { fromAdvisory: true }` has an advisory to take them from
 * (or a playbook step that starts it: docs/playbooks.md).
 * The CSAF validation itself runs before the run starts (advisory/scenario.ts).
 */
import { isAbsolute, resolve } from 'node:path';
import { FileRefused, readBoundedFile } from '../readBoundedFile.js';
import type { InventoryProblem } from './inventoryChecks.js';
import { MAX_ADVISORY_FILE_BYTES } from './inventoryLimits.js';

export function advisoryProblems(raw: Record<string, unknown>, dir: string): InventoryProblem[] {
  const out: InventoryProblem[] = [];
  const timeline = Array.isArray(raw.timeline) ? (raw.timeline as unknown[]) : [];
  const at = timeline.map((e, i) => [e, i] as const).filter(([e]) => (e as { action?: unknown } | null)?.action === 'advisory');
  at.slice(1).forEach(([, i]) => out.push({ path: ['timeline', i, 'action'], message: 'a scenario has at most one advisory action' }));
  for (const [e, i] of at.slice(0, 1)) {
    const file = (e as { args?: { file?: unknown } }).args?.file;
    if (typeof file !== 'string') {
      out.push({ path: ['timeline', i, 'args'], message: 'the action advisory needs args.file: a CSAF 2.0 advisory file, relative to the scenario' });
      continue;
    }
    try {
      readBoundedFile(isAbsolute(file) ? file : resolve(dir, file), MAX_ADVISORY_FILE_BYTES, 'advisory');
    } catch (err) {
      if (!(err instanceof FileRefused)) throw err;
      out.push({ path: ['timeline', i, 'args', 'file'], message: `the advisory ${file} ${err.reason === 'missing' ? 'does not exist (relative to the scenario)' : err.message}` });
    }
  }
  const fromAdvisory = (raw.rollout as { targets?: { fromAdvisory?: unknown } } | undefined)?.targets?.fromAdvisory === true;
  // A playbook's start-rollout step starts it too (docs/playbooks.md).
  const books = Array.isArray(raw.playbooks) ? (raw.playbooks as { steps?: unknown }[]) : [];
  const startedByPlaybook = books.some((b) => Array.isArray(b?.steps) && b.steps.some((st: unknown) => (st as { action?: unknown } | null)?.action === 'start-rollout'));
  if (fromAdvisory && at.length === 0 && !startedByPlaybook) out.push({ path: ['rollout', 'targets', 'fromAdvisory'], message: 'takes the targets from an advisory action, and the timeline has none' });
  return out;
}
