import { describe, expect, it } from 'vitest';
import { hashToSigned, Prng } from '../../src/sim/time/prng.js';

const take = (p: Prng, n: number): number[] => Array.from({ length: n }, () => p.nextUint32());

describe('Prng', () => {
  it('is deterministic: the same seed gives the same stream', () => {
    expect(take(new Prng(123), 50)).toEqual(take(new Prng(123), 50));
  });

  it('different seeds give different streams', () => {
    expect(take(new Prng(1), 10)).not.toEqual(take(new Prng(2), 10));
    expect(take(new Prng(0), 10)).not.toEqual(take(new Prng(0x100000000), 10).map((x) => x + 1));
  });

  it('treats the seed as unsigned 32-bit', () => {
    expect(take(new Prng(-1), 5)).toEqual(take(new Prng(0xffffffff), 5));
  });

  it('next() is in [0, 1), uniform() and int() stay in their ranges', () => {
    const p = new Prng(7);
    const seenInts = new Set<number>();
    for (let i = 0; i < 5000; i++) {
      const x = p.next();
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThan(1);
      const u = p.uniform(-2, 3);
      expect(u).toBeGreaterThanOrEqual(-2);
      expect(u).toBeLessThan(3);
      const k = p.int(1, 6);
      expect(Number.isInteger(k)).toBe(true);
      expect(k).toBeGreaterThanOrEqual(1);
      expect(k).toBeLessThanOrEqual(6);
      seenInts.add(k);
    }
    expect([...seenInts].sort()).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('normal() has about the asked mean and sd', () => {
    const p = new Prng(99);
    const xs = Array.from({ length: 20_000 }, () => p.normal(10, 2));
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length);
    expect(mean).toBeCloseTo(10, 1);
    expect(Math.abs(sd - 2)).toBeLessThan(0.05);
    expect(xs.every(Number.isFinite)).toBe(true);
  });

  it('fork() gives an independent, reproducible stream', () => {
    const a = new Prng(5);
    const b = new Prng(5);
    const fa = a.fork();
    const fb = b.fork();
    // Same parent state → same child.
    expect(take(fa, 20)).toEqual(take(fb, 20));
    // Drawing from a child does not move the parent.
    const parentA = take(a, 20);
    const c = new Prng(5);
    c.fork();
    expect(take(c, 20)).toEqual(parentA);
    // The child's stream is not the parent's.
    const d = new Prng(5);
    const child = d.fork();
    expect(take(child, 20)).not.toEqual(take(d, 20));
    // Two successive forks differ.
    const e = new Prng(5);
    expect(take(e.fork(), 10)).not.toEqual(take(e.fork(), 10));
  });
});

describe('hashToSigned', () => {
  it('stays in [-1, 1) for many seeds and indices, including huge indices', () => {
    let min = Infinity;
    let max = -Infinity;
    for (let s = 0; s < 50; s++) {
      for (const i of [0, 1, 2, 3, 1000, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 2 ** 40 + 7, Number.MAX_SAFE_INTEGER]) {
        const h = hashToSigned(s * 2654435761, i);
        expect(h).toBeGreaterThanOrEqual(-1);
        expect(h).toBeLessThan(1);
      }
      for (let i = 0; i < 200; i++) {
        const h = hashToSigned(s, i);
        min = Math.min(min, h);
        max = Math.max(max, h);
      }
    }
    // Spread over the range, not stuck in one half.
    expect(min).toBeLessThan(-0.9);
    expect(max).toBeGreaterThan(0.9);
  });

  it('is a pure function of (seed, index), whatever the order of calls', () => {
    const forward = Array.from({ length: 100 }, (_, i) => hashToSigned(77, i));
    const backward = Array.from({ length: 100 }, (_, i) => hashToSigned(77, 99 - i)).reverse();
    expect(backward).toEqual(forward);
    expect(hashToSigned(77, 5)).not.toBe(hashToSigned(78, 5));
    // Indices above 2^32 do not alias the low 32 bits.
    expect(hashToSigned(77, 2 ** 32 + 5)).not.toBe(hashToSigned(77, 5));
  });
});

