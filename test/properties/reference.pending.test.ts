/**
 * Every entry of test/model/pendingFixes.ts hides a real disagreement: with the entry removed,
 * the reference disagrees with today's pump on a short protocol script (the issue 12 transcript
 * where there is one), and the random suite (fixed seed) fails too. When a fix lands, this test fails for its entry ("the pump now agrees"):
 * delete the entry from pendingFixes.ts, and its case here.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { PumpCommand } from '../../src/sim/protocol/commands.js';
import { PENDING_FIXES, PENDING_FIX_IDS, type PendingFixId } from '../model/pendingFixes.js';
import { Coverage } from './reference/coverage.js';
import { referenceProperty, runRefScript } from './reference/property.js';

/** For each pending fix: a script on which the target behaviour differs from today's pump, and what differs (none is pending now). */
interface Witness {
  typeId: 'lvp' | 'syringe';
  script: PumpCommand[];
  differs: RegExp;
}
const WITNESSES: Record<PendingFixId, Witness> = {};

describe('each pending fix hides a real disagreement with today\'s pump', () => {
  it('with every entry in force, the witness scripts pass', () => {
    for (const id of PENDING_FIX_IDS) {
      const w: Witness = WITNESSES[id];
      expect(runRefScript({ typeId: w.typeId, coverage: new Coverage() }, w.script)?.message, id).toBeUndefined();
    }
  });

  for (const id of PENDING_FIX_IDS) {
    it(`without "${id}" the reference disagrees with the pump`, () => {
      const pending = new Set([...PENDING_FIXES].filter((p) => p !== id));
      const w: Witness = WITNESSES[id];
      const mismatch = runRefScript({ typeId: w.typeId, pending, coverage: new Coverage() }, w.script);
      expect(mismatch, `the pump now agrees with the target of "${id}": delete the entry from test/model/pendingFixes.ts`).toBeDefined();
      expect(mismatch?.message).toMatch(w.differs);
      // The random suite reaches the case too: without the entry it fails on today's pump.
      const out = fc.check(referenceProperty({ typeId: w.typeId, pending, coverage: new Coverage() }), { numRuns: 3000, seed: 20261207, endOnFailure: true });
      expect(out.failed, `the property did not find it in ${out.numRuns} runs`).toBe(true);
    });
  }
});
