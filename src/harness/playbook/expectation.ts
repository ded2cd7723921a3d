/**
 * The playbook expectations (docs/scenarios.md, Expectations; docs/playbooks.md): `contain`
 * (each playbook, or the one named, triggered and contained within this long of its attack's
 * start), `infusions-interrupted` and `events-lost` (at most N over every triggered playbook).
 */
import { formatDurationMs as formatNonZero } from '../scenario/duration.js';
import type { PlaybookResult } from './figures.js';

const formatDurationMs = (ms: number): string => (ms === 0 ? '0s' : formatNonZero(ms));

export interface Judged {
  description: string;
  passed: boolean;
  detail: string;
}

export function judgeContain(results: readonly PlaybookResult[] | undefined, withinMs: number, playbook?: string): Judged {
  const description = `${playbook ? `playbook ${playbook}` : 'every playbook'} contains its incident within ${formatDurationMs(withinMs)}`;
  const chosen = (results ?? []).filter((r) => playbook === undefined || r.id === playbook);
  if (chosen.length === 0) return { description, passed: false, detail: 'no playbook' };
  const bad = chosen.filter((r) => r.timeToContainMs === undefined || r.timeToContainMs > withinMs);
  const why = (r: PlaybookResult): string => (!r.triggered ? `${r.id} never triggered` : r.timeToContainMs === undefined ? `${r.id} never contained` : `${r.id} contained after ${formatDurationMs(r.timeToContainMs)}`);
  return { description, passed: bad.length === 0, detail: (bad.length === 0 ? chosen : bad).map(why).join(', ') };
}

export function judgeInterrupted(results: readonly PlaybookResult[] | undefined, max: number): Judged {
  const n = (results ?? []).filter((r) => r.triggered).reduce((s, r) => s + r.infusionsInterrupted, 0);
  return { description: `infusions interrupted during incidents at most ${max}`, passed: results !== undefined && n <= max, detail: results === undefined ? 'no playbook' : `${n} interrupted` };
}

export function judgeEventsLost(results: readonly PlaybookResult[] | undefined, max: number): Judged {
  const n = (results ?? []).reduce((s, r) => s + r.eventsLost, 0);
  return { description: `events lost by the pumps playbooks acted on at most ${max}`, passed: results !== undefined && n <= max, detail: results === undefined ? 'no playbook' : `${n} lost` };
}
