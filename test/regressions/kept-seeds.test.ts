/** Replays every kept seed of the model-based property (kept-seeds.ts). */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { pumpModelProperty } from '../properties/pumpProperty.js';
import { KEPT_SEEDS } from './kept-seeds.js';

describe('kept property seeds', () => {
  it('the list is well formed', () => {
    for (const k of KEPT_SEEDS) {
      expect(k.path).toMatch(/^\d+(:\d+)*$/);
      expect(k.description.length).toBeGreaterThan(10);
    }
  });
  for (const k of KEPT_SEEDS) {
    it(`${k.typeId} seed=${k.seed} path=${k.path}: ${k.description}`, () => {
      const out = fc.check(pumpModelProperty({ typeId: k.typeId }), { seed: k.seed, path: k.path, endOnFailure: true });
      expect(out.failed, out.failed ? String(out.errorInstance) : 'replay passed').toBe(k.open === true);
    });
  }
});
