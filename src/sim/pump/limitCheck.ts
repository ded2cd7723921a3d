/**
 * One library limit check with its refusal and its logged override, shared by programs, boluses
 * and PCA settings. A hard breach refuses; a soft breach needs `override=1`, which is logged (the
 * OVERRIDE event is returned, effects as data).
 */
import { checkLimits, type LimitVerdict } from '../druglib/limits.js';
import type { Limits } from '../druglib/schema.js';
import { err, type Reply } from '../protocol/commands.js';
import { fmtNum, type OverrideWhat, type PumpEvent } from '../trace/events.js';
import { NO_EVENTS } from './effects.js';

/** A limit check: refused, or passed with what to log (an overridden soft limit). */
export type LimitOutcome = { ok: false; reply: Reply } | { ok: true; events: readonly PumpEvent[] };

const PASSED: LimitOutcome = { ok: true, events: NO_EVENTS };

export function applyLimits(what: OverrideWhat, value: number, unitText: string, limits: Limits | undefined, override: boolean, nowMs: number): LimitOutcome {
  const v: LimitVerdict = checkLimits(value, limits);
  if (v.kind === 'hard') {
    return { ok: false, reply: err('HARD_LIMIT', `${what} ${fmtNum(value)} ${unitText} is ${v.side === 'upper' ? 'above' : 'below'} the hard limit ${fmtNum(v.limit)}; change the program`) };
  }
  if (v.kind === 'soft') {
    if (!override) {
      return { ok: false, reply: err('SOFT_LIMIT', `${what} ${fmtNum(value)} ${unitText} is ${v.side === 'upper' ? 'above' : 'below'} the soft limit ${fmtNum(v.limit)}; resend with override=1 to confirm`) };
    }
    return { ok: true, events: [{ type: 'OVERRIDE', tMs: nowMs, what, value, limit: v.limit, side: v.side }] };
  }
  return PASSED;
}

/** 0 within, 1 beyond a soft limit, 2 beyond a hard limit. */
export function limitRank(value: number, limits: Limits | undefined): 0 | 1 | 2 {
  const k = checkLimits(value, limits).kind;
  return k === 'hard' ? 2 : k === 'soft' ? 1 : 0;
}
