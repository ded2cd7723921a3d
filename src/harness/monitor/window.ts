/**
 * A sliding window of timed lines: how many things happened within the last `windowMs`, and the
 * lines that say what. Bounded: it keeps at most `cap` entries (the newest).
 */
export class TimedWindow {
  private readonly times: number[] = [];
  private readonly lines: string[] = [];

  constructor(
    private readonly windowMs: number,
    private readonly cap = 10_000,
  ) {}

  /** Add one at `tMs` and return how many lie within (tMs − windowMs, tMs]. */
  add(tMs: number, line: string): number {
    this.times.push(tMs);
    this.lines.push(line);
    while (this.times.length > 0 && ((this.times[0] ?? tMs) <= tMs - this.windowMs || this.times.length > this.cap)) {
      this.times.shift();
      this.lines.shift();
    }
    return this.times.length;
  }

  /** The newest `n` lines, oldest first. */
  last(n: number): string[] {
    return this.lines.slice(-n);
  }
}
