/**
 * The world's event queue (src/harness/world/eventQueue.ts) pops entries by time, then by the
 * order they were pushed: one seed gives one run. Oracle: a plain list kept sorted by (time,
 * push order), written here, against thousands of pushes and pops interleaved, with many equal
 * times (a fleet's messages land on the same millisecond) and a queue of about 2,000 entries.
 * A guard for changes to the queue (issue 20 tried one): the heap's hole sifting, tie on time.
 */
import { describe, expect, it } from 'vitest';
import { EventQueue } from '../../../src/harness/world/eventQueue.js';
import { Prng } from '../../../src/sim/time/prng.js';

interface E {
  atMs: number;
  seq: number;
  id: number;
}

describe('event queue order (issue 20)', () => {
  it.each([1, 2, 3])('pops by time then push order, as a sorted list does (seed %i)', (seed) => {
    const prng = new Prng(seed);
    const q = new EventQueue<E>();
    const model: { atMs: number; order: number; id: number }[] = [];
    let pushed = 0;
    const popped: number[] = [];
    const expected: number[] = [];
    let now = 0;
    /** The model's next entry: the earliest, first pushed among equal times. */
    const takeFirst = (): number => {
      let best = 0;
      for (let i = 1; i < model.length; i++) {
        const a = model[i]!;
        const b = model[best]!;
        if (a.atMs < b.atMs || (a.atMs === b.atMs && a.order < b.order)) best = i;
      }
      return model.splice(best, 1)[0]!.id;
    };
    for (let step = 0; step < 12_000; step++) {
      // Grow to about 2,000 entries, then drain and refill.
      const push = step % 6000 < 4000 ? prng.next() < 0.75 : prng.next() < 0.3;
      if (push || model.length === 0) {
        const atMs = now + Math.floor(prng.next() * 50); // few distinct times: many ties
        const id = pushed++;
        q.push({ atMs, id });
        model.push({ atMs, order: id, id });
      } else {
        expected.push(takeFirst());
        const e = q.pop()!;
        popped.push(e.id);
        now = e.atMs;
      }
      if (q.size !== model.length) expect.fail(`size ${q.size}, model ${model.length} at step ${step}`);
    }
    expect(pushed).toBeGreaterThan(2000);
    while (model.length > 0) {
      expected.push(takeFirst());
      popped.push(q.pop()!.id);
    }
    expect(popped).toEqual(expected);
    expect(q.pop()).toBeUndefined();
    expect(q.peek()).toBeUndefined();
  });
});
