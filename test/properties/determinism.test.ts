/**
 * Determinism: the same seed and the same commands give a byte-identical event log; a different
 * seed gives a different mechanism (output for the same motion).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Pump } from '../../src/sim/pump/pump.js';
import { LARGE_VOLUME_PUMP, SYRINGE_PUMP } from '../../src/sim/pump/pumpTypes.js';
import { pumpCommandArbs } from './commands/index.js';
import { assertProperty, makeSetup, propertyParams } from './pumpProperty.js';

const FILE = 'test/properties/determinism.test.ts';

describe('determinism', () => {
  const label = 'same seed and commands give a byte-identical log';
  it(label, () => {
    const prop = fc.property(
      fc.constantFrom('lvp' as const, 'syringe' as const),
      fc.integer(),
      fc.boolean(),
      fc.constantFrom('icu', 'medsurg', 'neonatal'),
      fc.commands(pumpCommandArbs(), { maxCommands: 60, size: 'max' }),
      (typeId, seed, withLibrary, areaId, cmds) => {
        const logs: string[] = [];
        for (let i = 0; i < 2; i++) {
          const setup = makeSetup(typeId, seed, withLibrary, areaId);
          fc.modelRun(() => setup, cmds);
          logs.push(setup.real.pump.log.toText() + JSON.stringify(setup.real.pump.telemetry()));
        }
        expect(logs[1]).toBe(logs[0]);
      },
    );
    assertProperty(prop, propertyParams({ numRuns: Math.max(10, Math.floor(Number(process.env.PROPERTY_RUNS ?? 100) / 4)) }), label, FILE);
  });

  it('different seeds give a different mechanism output for the same program', () => {
    for (const type of [LARGE_VOLUME_PUMP, SYRINGE_PUMP]) {
      const outputs = new Set<number>();
      for (const seed of [1, 2, 3, 4, 5]) {
        const pump = new Pump({ type, seed });
        pump.execute({ cmd: 'PROGRAM', rateMlPerH: 20, vtbiMl: 40 });
        pump.execute({ cmd: 'START' });
        pump.execute({ cmd: 'TICK', ms: 3_600_000 });
        outputs.add(pump.telemetry().mechanismOutputMl);
        expect(pump.telemetry().motorNominalMl).toBeCloseTo(20, 9);
      }
      expect(outputs.size).toBe(5);
    }
  });
});
