/**
 * Checks of `site.reach:` (docs/scenarios.md#segments-as-security-boundaries): every `from` and
 * `to` names a segment of the site, and each segment has at most one entry.
 */
import { didYouMean, list } from './words.js';

export interface ReachProblem {
  path: (string | number)[];
  message: string;
}

export function reachProblems(site: unknown, segmentIds: readonly string[] | undefined): ReachProblem[] {
  if (!segmentIds || site === null || typeof site !== 'object') return [];
  const reach = (site as { reach?: unknown }).reach;
  if (!Array.isArray(reach)) return [];
  const out: ReachProblem[] = [];
  const known = (v: unknown, path: (string | number)[]): void => {
    if (typeof v === 'string' && !segmentIds.includes(v)) out.push({ path, message: `segment "${v}" is not in site.segments${didYouMean(v, segmentIds)} (segments: ${list(segmentIds)})` });
  };
  const seen = new Map<string, number>();
  reach.forEach((e: unknown, i) => {
    if (e === null || typeof e !== 'object') return;
    const { from, to } = e as { from?: unknown; to?: unknown };
    known(from, ['site', 'reach', i, 'from']);
    if (typeof from === 'string') {
      const before = seen.get(from);
      if (before !== undefined) out.push({ path: ['site', 'reach', i, 'from'], message: `segment "${from}" already has an entry (site.reach[${before}]): give each segment one entry with every segment it may reach in to:` });
      else seen.set(from, i);
    }
    if (Array.isArray(to)) to.forEach((t: unknown, j) => known(t, ['site', 'reach', i, 'to', j]));
  });
  return out;
}
