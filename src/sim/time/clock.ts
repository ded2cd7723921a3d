/**
 * A virtual clock: milliseconds since the pump was switched on. It only moves forward, and only
 * when the caller says so.
 */
export class VirtualClock {
  private nowMsValue: number;

  constructor(startMs = 0) {
    this.nowMsValue = startMs;
  }

  get nowMs(): number {
    return this.nowMsValue;
  }

  /** Move to an absolute time; refuses to go back. */
  advanceTo(targetMs: number): void {
    if (!Number.isFinite(targetMs)) throw new RangeError(`clock target must be finite, got ${targetMs}`);
    if (targetMs < this.nowMsValue) {
      throw new RangeError(`virtual clock cannot go back: now ${this.nowMsValue} ms, asked ${targetMs} ms`);
    }
    this.nowMsValue = targetMs;
  }

  advanceBy(deltaMs: number): void {
    this.advanceTo(this.nowMsValue + deltaMs);
  }
}
