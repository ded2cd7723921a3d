/**
 * The PCA dose limit over a sliding window (1 to 12 h), counting basal and demand doses but
 * not clinician boluses (docs/clinical.md#pca). Delivery is kept as segments of constant rate so
 * the window total is exact at any instant.
 */
const MS_PER_H = 3_600_000;

interface Segment {
  startMs: number;
  endMs: number;
  rateMlPerH: number;
}

export class PcaWindow {
  private readonly segments: Segment[] = [];
  /** The last total asked for, kept until delivery is added (a pump asks twice per instant). */
  private lastTotal = { atMs: NaN, ml: 0 };

  constructor(readonly windowMs: number) {}

  /** Record delivery at a constant rate over [startMs, endMs]. */
  add(startMs: number, endMs: number, volumeMl: number): void {
    if (endMs <= startMs || volumeMl <= 0) return;
    this.lastTotal.atMs = NaN;
    const rateMlPerH = (volumeMl * MS_PER_H) / (endMs - startMs);
    const last = this.segments[this.segments.length - 1];
    if (last && last.endMs === startMs && Math.abs(last.rateMlPerH - rateMlPerH) < 1e-12) last.endMs = endMs;
    else this.segments.push({ startMs, endMs, rateMlPerH });
    // Bounded: drop what can no longer count.
    while (this.segments.length > 0 && (this.segments[0]?.endMs ?? Infinity) <= endMs - this.windowMs) this.segments.shift();
  }

  /** Volume delivered after instant `fromMs` (mL). */
  private volumeAfter(fromMs: number): number {
    let v = 0;
    for (const s of this.segments) {
      const a = Math.max(s.startMs, fromMs);
      if (s.endMs > a) v += (s.rateMlPerH * (s.endMs - a)) / MS_PER_H;
    }
    return v;
  }

  /** Total in the window ending at nowMs (nothing is delivered after nowMs yet). */
  totalMl(nowMs: number): number {
    const last = this.lastTotal;
    if (last.atMs !== nowMs) {
      last.ml = this.volumeAfter(nowMs - this.windowMs);
      last.atMs = nowMs;
    }
    return last.ml;
  }

  /**
   * With no further delivery, the first instant ≥ nowMs at which the window total falls to
   * `targetMl` or below.
   */
  msWhenTotalFallsTo(nowMs: number, targetMl: number): number {
    if (this.totalMl(nowMs) <= targetMl) return nowMs;
    // volumeAfter(x) is non-increasing and piecewise linear in x; walk the segments.
    for (const s of this.segments) {
      const atStart = this.volumeAfter(s.startMs);
      const atEnd = this.volumeAfter(s.endMs);
      if (atEnd <= targetMl && atStart > targetMl) {
        const x = s.startMs + ((atStart - targetMl) * MS_PER_H) / s.rateMlPerH;
        return Math.max(nowMs, x + this.windowMs);
      }
      if (atStart <= targetMl) return Math.max(nowMs, s.startMs + this.windowMs);
    }
    const lastEnd = this.segments[this.segments.length - 1]?.endMs ?? nowMs;
    return Math.max(nowMs, lastEnd + this.windowMs);
  }
}
