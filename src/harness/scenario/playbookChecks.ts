/**
 * Checks of the scenario's `playbooks:` section that need the fleet (docs/playbooks.md, Bad input):
 * a playbook needs `monitor:` (it runs on its alerts); every step's target names what its action
 * acts on (PLAYBOOK_ACTIONS): a segment of the site, a pump of the fleet, a target that selects
 * pumps, a client id that is neither the gateway nor a pump; `start-rollout` needs a rollout that
 * waits to be started; ids are unique; the playbook expectations name a playbook that exists.
 * All of it before the run starts.
 */
import { resolveTarget, type FleetPump } from './fleet.js';
import { PLAYBOOK_ACTIONS, type PlaybookAction } from './playbookSchema.js';
import { didYouMean, list } from './words.js';

export interface PlaybookProblem {
  path: (string | number)[];
  message: string;
}

interface FleetFacts {
  pumps: readonly FleetPump[];
  segmentIds: readonly string[];
}

const PLAYBOOK_CHECKS: ReadonlySet<string> = new Set(['contain', 'infusions-interrupted', 'events-lost']);

function obj(v: unknown): Record<string, unknown> | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

/** Why a step's target does not fit its action (undefined when it does). */
export function playbookTargetProblem(action: PlaybookAction, target: unknown, fleet: FleetFacts): string | undefined {
  const kind = PLAYBOOK_ACTIONS[action].target;
  if (kind === 'none') return target === undefined ? undefined : `${action} takes no target`;
  if (typeof target !== 'string') return `${action} needs a target: ${kind === 'segment' ? 'a segment id' : kind === 'pump' ? 'a pump id' : kind === 'client' ? 'a client id' : 'a pump, unit:<id>, segment:<id> or all'}`;
  const pumpIds = fleet.pumps.map((p) => p.id);
  switch (kind) {
    case 'segment':
      return fleet.segmentIds.includes(target) ? undefined : `segment "${target}" is not in site.segments${didYouMean(target, fleet.segmentIds)} (segments: ${list([...fleet.segmentIds])})`;
    case 'pump':
      return pumpIds.includes(target) ? undefined : `pump "${target}" is not in the fleet${didYouMean(target, pumpIds)}`;
    case 'pumps':
      return resolveTarget(target, fleet.pumps).length > 0 ? undefined : `target "${target}" selects no pump (a pump, unit:<id>, segment:<id> or all)`;
    case 'client':
      if (target === 'gateway') return 'the gateway cannot be blocked: it is the only source of commands the pumps take';
      return pumpIds.includes(target) ? `"${target}" is a pump's client id: revoke its credential (revoke-credential) so the pump keeps its link` : undefined;
  }
}

export function playbookProblems(raw: Record<string, unknown>, fleet: FleetFacts | undefined): PlaybookProblem[] {
  const out: PlaybookProblem[] = [];
  const books = Array.isArray(raw.playbooks) ? raw.playbooks : undefined;
  const ids: string[] = [];
  if (books) {
    if (raw.monitor === undefined) out.push({ path: ['playbooks'], message: 'a playbook runs on the traffic monitor\'s alerts: the scenario needs a monitor: section (docs/monitoring.md)' });
    const rollout = obj(raw.rollout);
    const waits = obj(rollout?.targets)?.fromAdvisory === true;
    books.forEach((b: unknown, i) => {
      const book = obj(b);
      if (!book) return;
      if (typeof book.id === 'string') {
        if (ids.includes(book.id)) out.push({ path: ['playbooks', i, 'id'], message: `playbook id "${book.id}" is used twice` });
        ids.push(book.id);
      }
      if (!Array.isArray(book.steps)) return;
      book.steps.forEach((st: unknown, j) => {
        const step = obj(st);
        const action = step?.action;
        if (!step || typeof action !== 'string' || !Object.hasOwn(PLAYBOOK_ACTIONS, action)) return;
        const a = action as PlaybookAction;
        if (fleet) {
          const why = playbookTargetProblem(a, step.target, fleet);
          if (why) out.push({ path: ['playbooks', i, 'steps', j, step.target === undefined ? 'action' : 'target'], message: why });
        }
        if (a === 'start-rollout' && !waits) out.push({ path: ['playbooks', i, 'steps', j, 'action'], message: 'start-rollout starts the scenario\'s rollout: the scenario needs rollout: with targets: { fromAdvisory: true } (a rollout that waits to be started)' });
      });
    });
  }
  const expect = raw.expect;
  if (Array.isArray(expect)) {
    expect.forEach((e: unknown, i) => {
      const x = obj(e);
      if (!x || typeof x.check !== 'string' || !PLAYBOOK_CHECKS.has(x.check)) return;
      if (!books) out.push({ path: ['expect', i, 'check'], message: `${x.check} judges incident response: the scenario needs a playbooks: section (docs/playbooks.md)` });
      else if (typeof x.playbook === 'string' && !ids.includes(x.playbook)) out.push({ path: ['expect', i, 'playbook'], message: `no playbook "${x.playbook}"${didYouMean(x.playbook, ids)} (playbooks: ${list(ids)})` });
    });
  }
  return out;
}
