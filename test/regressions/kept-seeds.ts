/**
 * Failing cases of the model-based property kept as regressions (see README.md). Each replays the
 * exact case by seed and path; it must pass (the bug is fixed) unless `open` is set, in which case
 * it must still fail (the bug is known and not fixed yet).
 *
 * A seed and path only mean something for the arbitraries they were found with: when
 * test/properties/commands/ changes, a kept case may replay a different sequence. That is why each
 * real bug also gets a deterministic test (known-bugs.test.ts, bolus-at-vtbi.test.ts).
 */
export interface KeptSeed {
  typeId: 'lvp' | 'syringe';
  seed: number;
  path: string;
  description: string;
  /** The bug is not fixed yet: the replay must still fail. */
  open?: boolean;
}

export const KEPT_SEEDS: KeptSeed[] = [];
