/**
 * The reference suite can fail: each broken pump of test/properties/reference/mutants.ts (answers
 * ERR to everything, skips the bolus limits, never re-annunciates, overfills), and each of
 * today's broken pumps in the reference's scope (brokenPumps.ts), disagrees with the reference on
 * a short script, and the model-based property finds it from random sequences.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { REF_MUTANTS, TODAYS_BROKEN_PUMPS } from './reference/mutants.js';
import { referenceProperty, runRefScript } from './reference/property.js';
import { Coverage } from './reference/coverage.js';

describe('each broken pump fails the reference suite', () => {
  it('the unbroken pump passes every mutant script', () => {
    for (const m of [...REF_MUTANTS, ...TODAYS_BROKEN_PUMPS]) expect(runRefScript({ typeId: m.typeId ?? 'lvp' }, m.script)?.message, m.name).toBeUndefined();
  });

  for (const m of [...REF_MUTANTS, ...TODAYS_BROKEN_PUMPS]) {
    it(m.name, () => {
      const o = { typeId: m.typeId ?? 'lvp', factory: m.factory, coverage: new Coverage() } as const;
      expect(runRefScript(o, m.script), 'the script shows no disagreement').toBeDefined();
      const out = fc.check(referenceProperty(o), { numRuns: 1000, seed: 20261207, endOnFailure: true });
      expect(out.failed, `the property did not fail in ${out.numRuns} runs`).toBe(true);
      expect(String(out.errorInstance)).toContain('pump and reference disagree');
    });
  }
});
