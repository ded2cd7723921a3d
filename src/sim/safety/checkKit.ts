/** What the invariant checkers share: slack, step tests, number formatting and the limit verdict. */
import type { Limits } from '../druglib/schema.js';
import type { PumpCommand } from '../protocol/commands.js';
import type { LogEntry } from '../trace/eventLog.js';
import type { PumpState } from '../trace/events.js';
import type { StepRecord } from './observer.js';

export const MS_PER_H = 3_600_000;
/** Float slack for volumes (mL). */
export const EPS_ML = 1e-6;
/** Relative slack for limit comparisons (the pump's own is 1e-9; a little more for the re-computation). */
export const LIMIT_REL_EPS = 1e-7;

/** The step ran this command and the pump accepted it. */
export const ok = (step: StepRecord, cmd: PumpCommand['cmd']): boolean => step.cmd?.cmd === cmd && step.reply?.ok === true;
export const fmt = (n: number): string => (Math.abs(n) >= 1e-3 || n === 0 ? String(Math.round(n * 1e6) / 1e6) : n.toExponential(3));

/** The `what=` of every OVERRIDE line among these log entries. */
export function overridesIn(entries: readonly LogEntry[]): Set<string> {
  const out = new Set<string>();
  for (const e of entries) {
    const m = /^! OVERRIDE t=\d+ what=(\w+)/.exec(e.text);
    if (m?.[1]) out.add(m[1]);
  }
  return out;
}

export type Verdict = 'within' | 'soft' | 'hard';

/** Where a value stands against four limits; written here again so a broken pump check cannot hide. */
export function limitVerdict(value: number, limits: Limits | undefined): Verdict {
  if (!limits) return 'within';
  const above = (l: number | undefined): boolean => l !== undefined && value > l * (1 + LIMIT_REL_EPS);
  const below = (l: number | undefined): boolean => l !== undefined && value < l * (1 - LIMIT_REL_EPS);
  if (above(limits.upperHard) || below(limits.lowerHard)) return 'hard';
  if (above(limits.upperSoft) || below(limits.lowerSoft)) return 'soft';
  return 'within';
}

export const flowing = (s: PumpState): boolean => s === 'RUNNING' || s === 'KVO';
