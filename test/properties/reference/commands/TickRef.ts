import type fc from 'fast-check';
import type { RefPump } from '../../../model/refPump.js';
import { runBoth, type RefReal } from '../world.js';

/** Keep a step's end this far (ms) from any instant the reference expects a change at. */
export const THRESHOLD_MARGIN_MS = 5;

/**
 * TICK ms=: move virtual time. The reference says when it expects a threshold (VTBI, bolus end,
 * occlusion, end of an audio pause); a step that would end within THRESHOLD_MARGIN_MS of one is
 * lengthened past it, since the pump acts at whole milliseconds and the reference in continuous
 * time. With `toNext`, the step goes just past the reference's next threshold.
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
    let ms = this.ms;
    if (this.toNext) {
      const next = m.thresholdsWithin(86_400_000 - 2 * THRESHOLD_MARGIN_MS)[0];
      if (next !== undefined) ms = Math.ceil(next - m.nowMs) + THRESHOLD_MARGIN_MS;
    }
    for (let i = 0; i < 20; i++) {
      const end = m.nowMs + ms;
      const near = m.thresholdsWithin(ms + THRESHOLD_MARGIN_MS).find((t) => Math.abs(t - end) < THRESHOLD_MARGIN_MS);
      if (near === undefined) break;
      ms = Math.ceil(near - m.nowMs) + THRESHOLD_MARGIN_MS;
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
