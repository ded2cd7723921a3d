/**
 * The air-in-line detector: a single bubble at or above the detector's threshold, or air
 * accumulated over a rolling window, raises AIR_IN_LINE (docs/clinical.md, "Air in line"; figures
 * in the pump type's `air` group). It acts on input only: nothing to integrate, no wake.
 */
import { err, type Reply } from '../protocol/commands.js';
import { NO_EFFECTS, clear, raise, type Effect } from './effects.js';

export interface AirConfig {
  /** A single bubble at least this large alarms (mL). */
  singleBubbleAlarmMl: number;
  /** Accumulated air over the window above this alarms (mL). */
  accumulatedAlarmMl: number;
  accumulatedWindowMs: number;
}

/** Bubbles remembered at most (a bound on the window's list). */
const MAX_BUBBLES = 1000;

export class AirDetector {
  private bubbles: { tMs: number; ml: number }[] = [];

  constructor(private readonly config: AirConfig) {}

  /** Why a bubble size is refused (the protocol's range), or undefined. */
  static refusal(bubbleMl: number): Reply | undefined {
    return bubbleMl > 0 && bubbleMl <= 10 ? undefined : err('OUT_OF_RANGE', 'air bubble must be above 0 and at most 10 mL');
  }

  /** INJECT air=<mL>: the alarm is momentary (raised and its cause gone at once; it latches). */
  input(bubbleMl: number, nowMs: number): readonly Effect[] {
    this.bubbles = this.bubbles.filter((a) => a.tMs > nowMs - this.config.accumulatedWindowMs);
    this.bubbles.push({ tMs: nowMs, ml: bubbleMl });
    if (this.bubbles.length > MAX_BUBBLES) this.bubbles.shift();
    const total = this.bubbles.reduce((s, a) => s + a.ml, 0);
    // Single bubble above the detector's threshold, or accumulated air over 1 mL in 15 min (docs/clinical.md#air-in-line).
    if (bubbleMl >= this.config.singleBubbleAlarmMl || total > this.config.accumulatedAlarmMl) {
      this.bubbles = [];
      return [raise('AIR_IN_LINE'), clear('AIR_IN_LINE')];
    }
    return NO_EFFECTS;
  }
}
