/** Values chosen against a drug's four limits, so that every zone (inside, soft, hard) is hit. */
import fc from 'fast-check';
import type { Limits } from '../../../src/sim/druglib/schema.js';

export const ZONES = ['belowHard', 'lowSoft', 'normal', 'highSoft', 'aboveHard'] as const;
export type Zone = (typeof ZONES)[number];

export interface ZonedValue {
  zone: Zone;
  /** Where in the zone, 0 to 1. */
  frac: number;
}

export const zonedValueArb: fc.Arbitrary<ZonedValue> = fc.record({
  zone: fc.constantFrom(...ZONES),
  frac: fc.double({ min: 0, max: 1, noNaN: true }),
});

const between = (lo: number, hi: number, f: number): number => lo + (hi - lo) * (0.02 + 0.96 * f);

/** A value in the zone (falls back to the normal zone when the drug has no such limit). */
export function valueInZone(limits: Limits | undefined, z: ZonedValue): number {
  const l = limits ?? {};
  const lowNormal = l.lowerSoft ?? l.lowerHard ?? (l.upperSoft ?? l.upperHard ?? 10) / 20;
  const highNormal = l.upperSoft ?? l.upperHard ?? lowNormal * 20;
  switch (z.zone) {
    case 'belowHard':
      if (l.lowerHard !== undefined) return l.lowerHard * (0.1 + 0.85 * z.frac);
      break;
    case 'lowSoft':
      if (l.lowerSoft !== undefined) return between(l.lowerHard ?? l.lowerSoft / 4, l.lowerSoft, z.frac);
      break;
    case 'highSoft':
      if (l.upperSoft !== undefined) return between(l.upperSoft, l.upperHard ?? l.upperSoft * 3, z.frac);
      break;
    case 'aboveHard':
      if (l.upperHard !== undefined) return l.upperHard * (1.02 + z.frac);
      break;
    case 'normal':
      break;
  }
  return round3(between(lowNormal, highNormal, z.frac));
}

export function round3(x: number): number {
  return Math.max(0.001, Math.round(x * 1000) / 1000);
}

/** A time jump from 1 ms to a day, weighted to short and medium jumps. */
export const jumpMsArb: fc.Arbitrary<number> = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: 1, max: 2_000 }) },
  { weight: 4, arbitrary: fc.integer({ min: 2_000, max: 600_000 }) },
  { weight: 2, arbitrary: fc.integer({ min: 600_000, max: 4 * 3_600_000 }) },
  { weight: 1, arbitrary: fc.integer({ min: 4 * 3_600_000, max: 24 * 3_600_000 }) },
);
