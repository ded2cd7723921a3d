/**
 * Model-based safety properties of the pump (fast-check `fc.commands`): random programs (basic,
 * library drug, PCA; in range, beyond soft and hard limits, with and without override),
 * titrations, boluses, PCA demands, sensor faults, care-area changes, power and mains events, and
 * time jumps from 1 ms to a day, on both pump types. Every invariant of
 * src/sim/safety/invariants.ts is checked after every step.
 *
 * A failure prints the seed and path and how to replay:
 *   PROPERTY_SEED=<seed> PROPERTY_PATH=<path> npx vitest run test/properties/pump.model.test.ts -t "<name>"
 *   or fc.assert(pumpModelProperty({ typeId }), { seed, path, endOnFailure: true })
 * Keep every real bug found as a regression (test/regressions/README.md).
 * PROPERTY_RUNS=<n> raises the number of runs (default 100 per pump type).
 */
import { describe, it } from 'vitest';
import { assertProperty, propertyParams, pumpModelProperty } from './pumpProperty.js';

const FILE = 'test/properties/pump.model.test.ts';

describe('pump safety invariants hold after every step (model-based)', () => {
  for (const typeId of ['lvp', 'syringe'] as const) {
    const label = `${typeId} pump`;
    it(label, () => {
      assertProperty(pumpModelProperty({ typeId }), propertyParams(), label, FILE);
    });
  }
});
