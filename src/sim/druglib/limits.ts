/**
 * Dose error reduction: where a value stands against the four limits.
 * Soft limits may be overridden after an explicit confirmation (logged); hard limits refuse.
 */
import type { Limits } from './schema.js';

export type LimitVerdict =
  | { kind: 'within' }
  | { kind: 'soft'; side: 'lower' | 'upper'; limit: number }
  | { kind: 'hard'; side: 'lower' | 'upper'; limit: number };

/** Relative tolerance for comparing a rounded rate's dose with a limit (float noise only). */
const EPS = 1e-9;

export function checkLimits(value: number, limits: Limits | undefined): LimitVerdict {
  if (!limits) return { kind: 'within' };
  if (limits.upperHard !== undefined && value > limits.upperHard * (1 + EPS)) return { kind: 'hard', side: 'upper', limit: limits.upperHard };
  if (limits.lowerHard !== undefined && value < limits.lowerHard * (1 - EPS)) return { kind: 'hard', side: 'lower', limit: limits.lowerHard };
  if (limits.upperSoft !== undefined && value > limits.upperSoft * (1 + EPS)) return { kind: 'soft', side: 'upper', limit: limits.upperSoft };
  if (limits.lowerSoft !== undefined && value < limits.lowerSoft * (1 - EPS)) return { kind: 'soft', side: 'lower', limit: limits.lowerSoft };
  return { kind: 'within' };
}
