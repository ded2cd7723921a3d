import type fc from 'fast-check';
import type { RefPump } from '../../../model/refPump.js';
import { runBoth, type RefReal } from '../world.js';

/** Keep a step's end at least this far (ms) from any instant the reference expects a change at. */
export const THRESHOLD_MARGIN_MS = 5;
/** ...and this far in volume (mL) at the rate then running: see RefPump.thresholdsWithin. */
export const THRESHOLD_SLACK_ML = 2e-4;

/**
 * TICK ms=: move virtual time. The reference says when it expects a threshold (VTBI, bolus end,
 * occlusion, end of an audio pause); a step that would end too near one is lengthened past it,
 * since the pump acts at whole milliseconds and the reference in continuous time. With `toNext`,
 * the step goes just past the reference's next threshold.
 */
export class TickRef implements fc.Command<RefPump, RefReal> {
  private resolvedMs = 0;
  constructor(
    readonly ms: number,
    readonly toNext: boolean,
  ) {}
  check(): boolean {
    return true;
  }
  steppedMs(m: RefPump): number {
    const within = (ms: number): { tMs: number; marginMs: number }[] => m.thresholdsWithin(ms, THRESHOLD_SLACK_ML, THRESHOLD_MARGIN_MS);
    let ms = this.ms;
    if (this.toNext) {
      const next = within(86_000_000)[0];
      ms = next ? Math.ceil(next.tMs - m.nowMs + next.marginMs) : 1;
    }
    for (let i = 0; i < 50; i++) {
      const end = m.nowMs + ms;
      const near = within(ms + 3_600_000).find((t) => Math.abs(t.tMs - end) < t.marginMs);
      if (near === undefined) break;
      ms = Math.ceil(near.tMs + near.marginMs - m.nowMs);
    }
    return Math.max(1, Math.min(86_400_000, ms));
  }
  run(m: RefPump, r: RefReal): void {
    this.resolvedMs = this.steppedMs(m);
    runBoth(m, r, { cmd: 'TICK', ms: this.resolvedMs }, this.toNext ? 'TICK (next threshold)' : 'TICK');
  }
  toString(): string {
    return `${this.toNext ? 'TICK(next)' : `TICK(${this.ms})`}${this.resolvedMs ? ` = TICK ms=${this.resolvedMs}` : ''}`;
  }
}
