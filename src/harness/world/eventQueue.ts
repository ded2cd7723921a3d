/**
 * A binary min-heap of timed entries, ordered by time then by insertion sequence, so two runs of
 * one seed pop entries in the same order.
 */
export interface Timed {
  atMs: number;
  seq: number;
}

/** Omit that distributes over a union of entry kinds. */
export type WithoutSeq<T> = T extends unknown ? Omit<T, 'seq'> : never;

export class EventQueue<T extends Timed> {
  private readonly heap: T[] = [];
  private nextSeq = 0;

  get size(): number {
    return this.heap.length;
  }

  /** Stamp the entry with the next sequence number and insert it. */
  push(entry: WithoutSeq<T>): T {
    // The entry is stamped in place (callers pass fresh literals): no copy on this hot path.
    const e = entry as unknown as T;
    e.seq = this.nextSeq++;
    const h = this.heap;
    // Sift up with a hole: parents move down one write each, the entry is written once.
    let i = h.length;
    h.push(e);
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = h[p]!;
      if (!less(e, parent)) break;
      h[i] = parent;
      i = p;
    }
    h[i] = e;
    return e;
  }

  peek(): T | undefined {
    return this.heap[0];
  }

  pop(): T | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    const n = h.length;
    if (n > 0 && last) {
      // Sift the last entry down from the root with a hole (issue 20: the queue grows with the
      // fleet, so each level saved counts).
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const c = r < n && less(h[r]!, h[l]!) ? r : l;
        const child = h[c]!;
        if (!less(child, last)) break;
        h[i] = child;
        i = c;
      }
      h[i] = last;
    }
    return top;
  }
}

function less(a: Timed, b: Timed): boolean {
  return a.atMs < b.atMs || (a.atMs === b.atMs && a.seq < b.seq);
}
