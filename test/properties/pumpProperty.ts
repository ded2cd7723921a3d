/**
 * The model-based pump property, shared by the property tests, the mutation tests and the
 * regression replays.
 *
 * A failure reports the seed and the path of the failing case and how to replay it:
 *   PROPERTY_SEED=<seed> PROPERTY_PATH=<path> npx vitest run test/properties/pump.model.test.ts
 * or in code: fc.assert(pumpModelProperty(...), { seed, path, endOnFailure: true }).
 * PROPERTY_RUNS=<n> sets the number of runs (default 100 per pump type; `npm run test:deep`).
 */
import fc from 'fast-check';
import type { DrugLibrary } from '../../src/sim/druglib/schema.js';
import { Pump } from '../../src/sim/pump/pump.js';
import { LARGE_VOLUME_PUMP, SYRINGE_PUMP } from '../../src/sim/pump/pumpTypes.js';
import { finalCheck, formatViolations, InvariantObserver } from '../../src/sim/safety/invariants.js';
import { library } from '../support/library.js';
import { pumpCommandArbs } from './commands/index.js';
import { InvariantViolation, type PumpFactory, type PumpModel, type PumpReal } from './commands/model.js';

export const LIBRARY: DrugLibrary = library();

/** Most wake-ups one advanceTo may take before the property calls it a spin (the pump's own guard is 1,000,000). */
export const MAX_WAKES_PER_ADVANCE = 20_000;

/**
 * The pump under test, counting the wake-ups of each advanceTo: work per command must stay
 * bounded (a wake every 1 ms over hours means a threshold that is never acted on).
 */
export class BoundedWorkPump extends Pump {
  private wakes = 0;
  override nextWakeMs(): number {
    const w = super.nextWakeMs();
    if (++this.wakes > MAX_WAKES_PER_ADVANCE) {
      throw new InvariantViolation(`[bounded-work] advanceTo took more than ${MAX_WAKES_PER_ADVANCE} wake-ups: at t=${this.nowMs} state=${this.state} the next wake is ${w} (rate ${this.currentRateMlPerH()} mL/h)`);
    }
    return w;
  }
  override advanceTo(targetMs: number): void {
    this.wakes = 0;
    super.advanceTo(targetMs);
  }
}

export const defaultFactory: PumpFactory = (o) => new BoundedWorkPump(o);

export interface PumpPropertyOptions {
  typeId: 'lvp' | 'syringe';
  factory?: PumpFactory;
  maxCommands?: number;
}

/** Build a pump as the property does (also for replays and deterministic tests). */
export function makeSetup(typeId: 'lvp' | 'syringe', seed: number, withLibrary: boolean, areaId: string, factory: PumpFactory = defaultFactory): { model: PumpModel; real: PumpReal } {
  const library = withLibrary ? LIBRARY : undefined;
  const pump = factory({ type: typeId === 'lvp' ? LARGE_VOLUME_PUMP : SYRINGE_PUMP, seed, library, areaId: withLibrary ? areaId : undefined });
  const observer = new InvariantObserver(pump, { fullLogVerify: true });
  return {
    model: { typeId, state: pump.state, mode: '-', hasLibrary: withLibrary },
    real: { pump, observer, library, trace: [] },
  };
}

export function pumpModelProperty(opts: PumpPropertyOptions): fc.IPropertyWithHooks<[number, boolean, string, Iterable<fc.Command<PumpModel, PumpReal>>]> {
  const factory = opts.factory ?? defaultFactory;
  return fc.property(
    fc.integer(),
    fc.oneof({ weight: 4, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
    fc.constantFrom('icu', 'medsurg', 'neonatal'),
    fc.commands(pumpCommandArbs(), { maxCommands: opts.maxCommands ?? 100, size: 'max' }),
    (seed, withLibrary, areaId, cmds) => {
      const setup = makeSetup(opts.typeId, seed, withLibrary, areaId, factory);
      fc.modelRun(() => setup, cmds);
      const end = finalCheck(setup.real.pump);
      if (end.length > 0) throw new InvariantViolation(formatViolations(end));
    },
  );
}

export function propertyRuns(defaultRuns = 100): number {
  const n = Number(process.env.PROPERTY_RUNS ?? defaultRuns);
  return Number.isFinite(n) && n > 0 ? Math.floor(n) : defaultRuns;
}

/** fc.check parameters: PROPERTY_RUNS, and PROPERTY_SEED / PROPERTY_PATH to replay one case. */
export function propertyParams(extra: fc.Parameters<unknown> = {}): fc.Parameters<unknown> {
  const seed = process.env.PROPERTY_SEED;
  const path = process.env.PROPERTY_PATH;
  const base: fc.Parameters<unknown> = { numRuns: propertyRuns(), ...extra };
  if (seed !== undefined && seed !== '') return { ...base, seed: Number(seed), path, endOnFailure: path !== undefined };
  return base;
}

/** Run a property; on failure throw with the seed, the path and how to replay and keep it. */
export function assertProperty<Ts>(prop: fc.IProperty<Ts>, params: fc.Parameters<Ts>, label: string, file: string): void {
  const out = fc.check(prop, params);
  if (!out.failed) return;
  const replay = [
    `Property "${label}" failed: seed=${out.seed} path="${out.counterexamplePath ?? ''}"`,
    `Replay: PROPERTY_SEED=${out.seed} PROPERTY_PATH=${out.counterexamplePath ?? ''} npx vitest run ${file} -t "${label}"`,
    `   or: fc.assert(prop, { seed: ${out.seed}, path: "${out.counterexamplePath ?? ''}", endOnFailure: true })`,
    `Keep it: add { seed: ${out.seed}, path: "${out.counterexamplePath ?? ''}", ... } to test/regressions/kept-seeds.ts (see test/regressions/README.md)`,
  ].join('\n');
  const cause = out.errorInstance instanceof Error ? out.errorInstance.message : String(out.errorInstance);
  throw new Error(`${replay}\n\nViolation:\n${cause}\n\n${fc.defaultReportMessage(out as unknown as fc.RunDetails<unknown>) ?? ''}`);
}
