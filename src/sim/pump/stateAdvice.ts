/**
 * Refusals that say what to do next: START and RESUME in a state where they do not apply, and the
 * DRUG reply's limit ranges (a missing limit is `none`, never an empty number).
 */
import { fmtNum, type PumpState } from '../trace/events.js';

/** `<lo>-<hi>`, a missing limit written `none` (e.g. `none-500`). */
export function formatLimitRange(lo: number | undefined, hi: number | undefined): string {
  return `${lo === undefined ? 'none' : fmtNum(lo)}-${hi === undefined ? 'none' : fmtNum(hi)}`;
}

const NEXT: Partial<Record<PumpState, string>> = {
  IDLE: 'no program; send PROGRAM, then START',
  PROGRAMMED: 'the program is not started yet; send START',
  RUNNING: 'the infusion is already running',
  PAUSED: 'the infusion is paused; send RESUME',
  ALARM: 'the infusion is stopped by an alarm; clear its cause, ACK it, then RESUME',
  KVO: 'the VTBI is complete and the pump keeps the vein open; send STOP to end the infusion, then PROGRAM a new one',
  COMPLETE: 'the VTBI is complete and the infusion stopped; send PROGRAM for a new infusion, or STOP to clear it',
  OFF: 'the pump is powered off',
};

export function startRefusal(state: PumpState, hasProgram: boolean): string {
  if (!hasProgram) return NEXT.IDLE ?? '';
  return `cannot START in ${state}: ${NEXT[state] ?? ''}`;
}

export function resumeRefusal(state: PumpState): string {
  return `cannot RESUME in ${state}: ${NEXT[state] ?? ''}`;
}
