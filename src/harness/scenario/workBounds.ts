/**
 * The work a scenario asks of a run, bounded (limits.ts): its duration, how often one timeline
 * entry repeats, how many timeline occurrences it schedules in all (once per targeted pump), and
 * how many status reports its pumps send. Each refusal points at the field that crosses the bound
 * and names the limit.
 */
import { formatDurationMs as formatHours, parseDurationMs } from './duration.js';
import { resolveTarget, type FleetPump } from './fleet.js';
import { MAX_REPETITIONS, MAX_RUN_DURATION_MS, MAX_TELEMETRY_REPORTS, MAX_TIMELINE_EVENTS } from './limits.js';

type Path = readonly (string | number)[];
export type AddProblem = (path: Path, message: string) => void;

function msOf(v: unknown): number | undefined {
  if (typeof v !== 'string' && typeof v !== 'number') return undefined;
  try {
    return parseDurationMs(v);
  } catch {
    return undefined;
  }
}

const count = (n: number): string => n.toLocaleString('en-US');
const DAY_MS = 86_400_000;
const formatDurationMs = (ms: number): string => (ms >= DAY_MS && ms % DAY_MS === 0 ? `${ms / DAY_MS}d` : formatHours(ms));

/**
 * `durationMs` is the parsed `duration:` (undefined when it is missing or not a duration: the
 * schema reports that). `pumps` is the fleet, when the site is valid. When the duration itself
 * is past its bound, the other checks are skipped (they would measure against it).
 */
export function checkWorkBounds(raw: Record<string, unknown>, durationMs: number | undefined, pumps: readonly FleetPump[] | undefined, add: AddProblem): void {
  if (durationMs === undefined) return;
  if (durationMs > MAX_RUN_DURATION_MS) {
    add(['duration'], `${formatDurationMs(durationMs)} is longer than a run may last: the limit is ${formatDurationMs(MAX_RUN_DURATION_MS)} (MAX_RUN_DURATION_MS)`);
    return;
  }
  if (pumps !== undefined) {
    const everyMs = raw.telemetryEvery === undefined ? 60_000 : msOf(raw.telemetryEvery);
    if (everyMs !== undefined) {
      const reports = everyMs === 0 ? Infinity : pumps.length * Math.floor(durationMs / everyMs);
      if (reports > MAX_TELEMETRY_REPORTS) {
        add([raw.telemetryEvery === undefined ? 'duration' : 'telemetryEvery'], `${pumps.length} pumps reporting every ${formatDurationMs(everyMs)} for ${formatDurationMs(durationMs)} would send ${Number.isFinite(reports) ? count(reports) : 'endless'} status reports; the limit is ${count(MAX_TELEMETRY_REPORTS)} (MAX_TELEMETRY_REPORTS)`);
      }
    }
  }
  const timeline = raw.timeline;
  if (!Array.isArray(timeline)) return;
  let total = 0;
  for (let i = 0; i < timeline.length; i++) {
    const e = timeline[i] as { at?: unknown; end?: unknown; every?: unknown; target?: unknown } | null;
    if (e === null || typeof e !== 'object') continue;
    let times = 1;
    if (e.every !== undefined) {
      const atMs = msOf(e.at);
      const endMs = msOf(e.end);
      const everyMs = msOf(e.every);
      if (atMs === undefined || endMs === undefined || everyMs === undefined || everyMs === 0 || endMs <= atMs) continue; // reported elsewhere
      times = Math.floor((Math.min(endMs, durationMs) - atMs) / everyMs) + 1;
      if (times > MAX_REPETITIONS) {
        add(['timeline', i, 'every'], `every ${formatDurationMs(everyMs)} from ${formatDurationMs(atMs)} to ${formatDurationMs(Math.min(endMs, durationMs))} repeats ${count(times)} times; one entry repeats at most ${count(MAX_REPETITIONS)} times (MAX_REPETITIONS)`);
        return;
      }
    }
    const targets = pumps !== undefined && typeof e.target === 'string' ? Math.max(1, resolveTarget(e.target, pumps).length) : 1;
    total += times * targets;
    if (total > MAX_TIMELINE_EVENTS) {
      add(['timeline', i], `the timeline up to this entry schedules ${count(total)} events (each occurrence once per targeted pump); the limit is ${count(MAX_TIMELINE_EVENTS)} (MAX_TIMELINE_EVENTS)`);
      return;
    }
  }
}
