/**
 * A binary min-heap of timed entries, ordered by time then by insertion sequence, so two runs of
 * one seed pop entries in the same order.
 *
 * The keys (time, sequence) live in typed arrays beside the entries (issue 20): sifting compares
 * numbers stored side by side and moves entry references without reading the entries, so a pop
 * in a queue of a 10,000-pump fleet (tens of thousands of entries, 15 levels) no longer reads an
 * object scattered in the heap at every level (those reads missed the CPU cache).
 */
export interface Timed {
  atMs: number;
  seq: number;
}

/** Omit that distributes over a union of entry kinds. */
export type WithoutSeq<T> = T extends unknown ? Omit<T, 'seq'> : never;

const INITIAL_CAPACITY = 1024;

export class EventQueue<T extends Timed> {
  private items: (T | undefined)[] = new Array<T | undefined>(INITIAL_CAPACITY);
  private times = new Float64Array(INITIAL_CAPACITY);
  private seqs = new Float64Array(INITIAL_CAPACITY);
  private n = 0;
  private nextSeq = 0;

  get size(): number {
    return this.n;
  }

  /** Stamp the entry with the next sequence number and insert it (its `atMs` must not change while it waits). */
  push(entry: WithoutSeq<T>): T {
    // The entry is stamped in place (callers pass fresh objects): no copy on this hot path.
    const e = entry as unknown as T;
    const seq = this.nextSeq++;
    e.seq = seq;
    const t = e.atMs;
    if (this.n === this.times.length) this.grow();
    const { items, times, seqs } = this;
    // Sift up with a hole: parents move down one write each, the entry is written once.
    let i = this.n++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const pt = times[p]!;
      // A new entry has the largest sequence: it goes above its parent only on an earlier time.
      if (!(t < pt)) break;
      items[i] = items[p];
      times[i] = pt;
      seqs[i] = seqs[p]!;
      i = p;
    }
    items[i] = e;
    times[i] = t;
    seqs[i] = seq;
    return e;
  }

  peek(): T | undefined {
    return this.n > 0 ? this.items[0] : undefined;
  }

  /** The time of the first entry, or Infinity (without reading the entry). */
  peekMs(): number {
    return this.n > 0 ? this.times[0]! : Infinity;
  }

  pop(): T | undefined {
    if (this.n === 0) return undefined;
    const { items, times, seqs } = this;
    const top = items[0];
    const n = --this.n;
    if (n > 0) {
      // Sift the last entry down from the root with a hole.
      const last = items[n];
      const lt = times[n]!;
      const ls = seqs[n]!;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        let c = l;
        let ct = times[l]!;
        let cs = seqs[l]!;
        if (r < n) {
          const rt = times[r]!;
          const rs = seqs[r]!;
          if (rt < ct || (rt === ct && rs < cs)) {
            c = r;
            ct = rt;
            cs = rs;
          }
        }
        if (!(ct < lt || (ct === lt && cs < ls))) break;
        items[i] = items[c];
        times[i] = ct;
        seqs[i] = cs;
        i = c;
      }
      items[i] = last;
      times[i] = lt;
      seqs[i] = ls;
    }
    items[n] = undefined; // the queue holds no entry it gave back
    return top;
  }

  private grow(): void {
    const cap = this.times.length * 2;
    const times = new Float64Array(cap);
    times.set(this.times);
    const seqs = new Float64Array(cap);
    seqs.set(this.seqs);
    this.times = times;
    this.seqs = seqs;
    this.items.length = cap;
  }
}
