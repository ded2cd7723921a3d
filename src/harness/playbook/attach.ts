/**
 * Playbooks on a ward: the runner built on the ward's port (actions.ts), and the incident figures
 * at the end of a run (figures.ts) from what the ward kept. The runner and a training session call these.
 */
import { GLOBAL_RULES } from '../safety/monitor.js';
import type { Ward } from '../ward/ward.js';
import { wardPort } from './actions.js';
import { playbookFigures, type PlaybookResult } from './figures.js';
import { PlaybookRunner, type PlaybookRunState } from './runtime.js';

export function attachPlaybooks(ward: Ward, trainee: ReadonlySet<string> | true = new Set(), onTrigger?: (r: PlaybookRunState) => void): PlaybookRunner | undefined {
  const books = ward.scenario.playbooks;
  return books && books.length > 0 ? new PlaybookRunner(books, wardPort(ward), trainee, onTrigger) : undefined;
}

/** After the ward's final checks (outboxes drained). */
export function incidentFigures(runner: PlaybookRunner, ward: Ward): PlaybookResult[] {
  return playbookFigures(runner.runs, {
    spans: ward.state.faultSpans,
    attributeWithinMs: ward.traffic?.config.attributeWithinMs ?? 0,
    violations: ward.violations,
    events: (id) => ({ sent: ward.agents.get(id)?.eventsSent ?? 0, ingested: ward.gateway.stats(id).ingested }),
    interruptedRule: GLOBAL_RULES.infusionInterrupted,
  });
}
