/**
 * How many pumps can go through the link proxy without running out of file descriptors. A pump
 * costs one descriptor in the run's process for its own connection, one more when the broker runs
 * in the same process (its side of the connection), and two more through the proxy (the proxy's
 * side toward the pump and its connection to the broker). Node has no getrlimit, so the soft
 * open-file limit is read from /proc/self/limits (Linux); elsewhere the fixed default applies.
 */
import { readFileSync } from 'node:fs';

/** Without a known limit: the proxy's fixed cap. */
export const DEFAULT_LINK_PROXY_MAX_PUMPS = 2000;

/** Share of the limit the pumps may use; the rest is for files, the gateway and reconnection churn. */
const USABLE_SHARE = 0.8;

/** The soft "Max open files" of this process, or undefined when it cannot be read. */
export function openFileLimit(limitsText?: string): number | undefined {
  let text = limitsText;
  if (text === undefined) {
    try {
      text = readFileSync('/proc/self/limits', 'utf8');
    } catch {
      return undefined;
    }
  }
  const m = /^Max open files\s+(\d+|unlimited)\s/m.exec(text);
  if (!m) return undefined;
  return m[1] === 'unlimited' ? Number.POSITIVE_INFINITY : Number(m[1]);
}

/**
 * Pumps that may go through the proxy for a fleet of `pumps` clients in this process, with the
 * broker in this process or not, under an open-file limit (`openFileLimit()`; undefined: unknown).
 */
export function linkProxyBudget(pumps: number, brokerInProcess: boolean, limit: number | undefined): number {
  if (limit === undefined) return DEFAULT_LINK_PROXY_MAX_PUMPS;
  if (!Number.isFinite(limit)) return pumps;
  const free = Math.floor(limit * USABLE_SHARE) - pumps * (brokerInProcess ? 2 : 1);
  return Math.max(0, Math.min(pumps, Math.floor(free / 2)));
}
