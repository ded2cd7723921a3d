import type fc from 'fast-check';
import { runAdvance, type PumpModel, type PumpReal } from './model.js';

/**
 * Move time directly with `advanceTo` (no log entry for the command): by `ms`, or, with
 * `toWake`, exactly to the pump's next wake-up (a threshold: VTBI, bolus end, alarm...).
 */
export class AdvanceCommand implements fc.Command<PumpModel, PumpReal> {
  constructor(
    readonly ms: number,
    readonly toWake: boolean,
  ) {}
  check(): boolean {
    return true;
  }
  run(m: PumpModel, r: PumpReal): void {
    const now = r.pump.nowMs;
    const wake = r.pump.nextWakeMs();
    const target = this.toWake && Number.isFinite(wake) ? Math.min(wake, now + 86_400_000) : now + this.ms;
    runAdvance(m, r, target, `advanceTo(${target})${this.toWake ? ' [wake]' : ''}`);
  }
  toString(): string {
    return this.toWake ? 'advanceTo(nextWake)' : `advanceBy(${this.ms})`;
  }
}
