/**
 * The reference property: random command sequences run on the pump under test and on the
 * reference pump (test/model/refPump.ts); after every step the reply, state, mode, nominal
 * volume, alarms and high-priority audio must agree (compare.ts).
 *
 * A failure prints the seed and path; replay with
 *   PROPERTY_SEED=<seed> PROPERTY_PATH=<path> npx vitest run test/properties/reference.model.test.ts
 */
import fc from 'fast-check';
import type { PumpFactory } from '../commands/model.js';
import { LIBRARY } from '../pumpProperty.js';
import { Pump } from '../../../src/sim/pump/pump.js';
import { LARGE_VOLUME_PUMP, SYRINGE_PUMP } from '../../../src/sim/pump/pumpTypes.js';
import { PENDING_FIXES, type PendingFixId } from '../../model/pendingFixes.js';
import { RefPump } from '../../model/refPump.js';
import { refCommandArbs } from './arbitraries.js';
import { COVERAGE, type Coverage } from './coverage.js';
import { ReferenceMismatch, runBoth, type RefReal } from './world.js';
import type { PumpCommand } from '../../../src/sim/protocol/commands.js';

export interface RefPropertyOptions {
  typeId: 'lvp' | 'syringe';
  factory?: PumpFactory;
  pending?: ReadonlySet<PendingFixId>;
  coverage?: Coverage;
  maxCommands?: number;
}

export function makeRefSetup(o: RefPropertyOptions, seed: number, withLibrary: boolean, areaId: string): { model: RefPump; real: RefReal } {
  const type = o.typeId === 'lvp' ? LARGE_VOLUME_PUMP : SYRINGE_PUMP;
  const library = withLibrary ? LIBRARY : undefined;
  const pump = (o.factory ?? ((p) => new Pump(p)))({ type, seed, library, areaId: withLibrary ? areaId : undefined });
  // The reference gets its own copy of the library: a pump that edits its library must not edit the oracle's.
  const model = new RefPump({ type, library: library && structuredClone(library), areaId: withLibrary ? areaId : undefined, pending: o.pending ?? PENDING_FIXES });
  return { model, real: { pump, coverage: o.coverage ?? COVERAGE, trace: [] } };
}

export function referenceProperty(o: RefPropertyOptions): fc.IPropertyWithHooks<[number, boolean, string, Iterable<fc.Command<RefPump, RefReal>>]> {
  return fc.property(
    fc.integer(),
    fc.oneof({ weight: 4, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
    fc.constantFrom('icu', 'medsurg', 'neonatal'),
    fc.commands(refCommandArbs(), { maxCommands: o.maxCommands ?? 60, size: 'max' }),
    (seed, withLibrary, areaId, cmds) => {
      fc.modelRun(() => makeRefSetup(o, seed, withLibrary, areaId), cmds);
    },
  );
}

/** Run a fixed protocol script on both pumps; the first disagreement, or undefined. */
export function runRefScript(o: RefPropertyOptions, script: readonly PumpCommand[], areaId = 'icu'): ReferenceMismatch | undefined {
  const { model, real } = makeRefSetup(o, 7, true, areaId);
  try {
    for (const c of script) runBoth(model, real, c, c.cmd);
  } catch (e) {
    if (e instanceof ReferenceMismatch) return e;
    throw e;
  }
  return undefined;
}
