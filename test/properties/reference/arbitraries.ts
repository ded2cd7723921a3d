/** The arbitraries of the reference suite: what fc.commands draws from, with weights. */
import fc from 'fast-check';
import type { PumpCommand, SensorInput } from '../../../src/sim/protocol/commands.js';
import { REF_ALARM_IDS, UNMODELLED_ALARMS } from '../../model/alarmSpec.js';
import type { RefPump } from '../../model/refPump.js';
import { jumpMsArb, zonedValueArb, type ZonedValue } from '../commands/doses.js';
import { BolusRef } from './commands/BolusRef.js';
import { DemandRef } from './commands/DemandRef.js';
import { FixedCommand } from './commands/FixedCommand.js';
import { ProgramBasicRef } from './commands/ProgramBasicRef.js';
import { ProgramDrugRef } from './commands/ProgramDrugRef.js';
import { ProgramPcaRef } from './commands/ProgramPcaRef.js';
import { TickRef } from './commands/TickRef.js';
import { TitrateRef } from './commands/TitrateRef.js';
import type { RefReal } from './world.js';

export type RefCommandArb = fc.Arbitrary<fc.Command<RefPump, RefReal>>;

const dec = (min: number, max: number, digits = 2): fc.Arbitrary<number> =>
  fc.integer({ min: Math.round(min * 10 ** digits), max: Math.round(max * 10 ** digits) }).map((n) => n / 10 ** digits);

/** Rates: mostly in the range of either pump type, sometimes outside both. */
const rateArb = fc.oneof(
  { weight: 4, arbitrary: dec(0.01, 10) },
  { weight: 5, arbitrary: dec(10, 200, 1) },
  { weight: 1, arbitrary: dec(200, 999, 0) },
  { weight: 1, arbitrary: fc.constantFrom(0, 0.001, 999.4, 1000, 5000) },
);
/** VTBIs: small ones complete within the run; big ones let the syringe empty. */
const vtbiArb = fc.oneof(
  { weight: 3, arbitrary: dec(0.1, 5) },
  { weight: 3, arbitrary: dec(5, 50, 1) },
  { weight: 2, arbitrary: dec(50, 1000, 0) },
  { weight: 1, arbitrary: fc.constantFrom(0, 0.05, 10_000, 51) },
);
const endArb = fc.option(fc.constantFrom('stop' as const, 'kvo' as const, 'continue' as const), { nil: undefined });
const kvoArb = fc.option(fc.oneof(dec(0.1, 5), fc.constantFrom(0, 25)), { nil: undefined });
const bolusRateArb = fc.option(fc.oneof(dec(10, 200, 0), dec(200, 999, 0), fc.constantFrom(1, 2000)), { nil: undefined });

/** Sensor inputs the reference models (no mains, no battery). */
const SENSORS: SensorInput[] = [
  { sensor: 'occlusion', value: 'down' },
  { sensor: 'occlusion', value: 'up' },
  { sensor: 'occlusion', value: 'clear' },
  { sensor: 'door', value: 'open' },
  { sensor: 'door', value: 'closed' },
  { sensor: 'container', value: 'empty' },
  { sensor: 'container', value: 'ok' },
  { sensor: 'selftest', value: 'fail' },
  { sensor: 'selftest', value: 'pass' },
  { sensor: 'comm', value: 'lost' },
  { sensor: 'comm', value: 'ok' },
  { sensor: 'power', value: 'off' },
  { sensor: 'power', value: 'on' },
  // Bubbles: single ones over the alarm size, and small ones that add up in the 15 min window.
  { sensor: 'air', bubbleMl: 0.263 },
  { sensor: 'air', bubbleMl: 0.117 },
  { sensor: 'air', bubbleMl: 0.047 },
  { sensor: 'air', bubbleMl: 0.031 },
];
const label = (i: SensorInput): string => `INJECT ${i.sensor}=${'value' in i ? i.value : 'bubbleMl' in i ? String(i.bubbleMl) : ''}`;

const fixed = (cmd: PumpCommand, l?: string): RefCommandArb => fc.constant(0).map(() => new FixedCommand(cmd, l));

/**
 * What is loaded (docs/protocol.md, "What is loaded"): mostly nothing said; sometimes a syringe size
 * (one the syringe pump does not take, or one on the LVP, is refused) and a fill or bag volume.
 */
export interface LoadedArgs {
  syringeMl?: number | undefined;
  containerMl?: number | undefined;
}
const loadedArb: fc.Arbitrary<LoadedArgs> = fc.oneof(
  { weight: 3, arbitrary: fc.constant({}) },
  {
    weight: 1,
    arbitrary: fc.record({
      syringeMl: fc.option(fc.constantFrom(5, 10, 20, 30, 50, 15), { nil: undefined, freq: 3 }),
      containerMl: fc.option(fc.oneof(dec(0.5, 10, 1), dec(10, 60, 0), fc.constantFrom(0, 250, 500, 1000)), { nil: undefined, freq: 4 }),
    }),
  },
);

const programBasicArb: RefCommandArb = fc
  .record({
    rate: rateArb,
    vtbi: vtbiArb,
    end: endArb,
    kvo: kvoArb,
    load: fc.oneof({ weight: 3, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.record({ ml: dec(0.05, 60), rateMlPerH: bolusRateArb }) }),
    loaded: loadedArb,
  })
  .map((a) => new ProgramBasicRef(a.rate, a.vtbi, a.end, a.kvo, a.load, a.loaded));

/** Doses mostly inside the limits, so that drug infusions run and can be titrated and bolused. */
const mostlyNormalArb: fc.Arbitrary<ZonedValue> = fc.oneof(
  { weight: 3, arbitrary: zonedValueArb },
  { weight: 4, arbitrary: fc.double({ min: 0, max: 1, noNaN: true }).map((frac): ZonedValue => ({ zone: 'normal', frac })) },
);

const programDrugArb: RefCommandArb = fc
  .record({
    idx: fc.nat(20),
    dose: mostlyNormalArb,
    w: fc.oneof({ weight: 9, arbitrary: fc.double({ min: 0, max: 1, noNaN: true }) }, { weight: 1, arbitrary: fc.constant(1.6) }),
    vtbi: fc.oneof({ weight: 1, arbitrary: fc.double({ min: 0, max: 0.05, noNaN: true }) }, { weight: 4, arbitrary: fc.double({ min: 0.2, max: 1, noNaN: true }) }, { weight: 1, arbitrary: fc.double({ min: 1, max: 1.1, noNaN: true }) }),
    end: endArb,
    override: fc.boolean(),
    // Mostly the drug at the index; sometimes a named one (perhaps not in this area, or in no area).
    drugId: fc.oneof({ weight: 7, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.constantFrom('nosuchdrug', 'heparin', 'dopamine') }),
    thenStart: fc.boolean(),
    load: fc.oneof({ weight: 3, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: zonedValueArb }),
    bolusDrug: fc.boolean(),
    loaded: loadedArb,
  })
  .map((a) => new ProgramDrugRef(a.idx, a.dose, a.w, a.vtbi, a.end, a.override, a.drugId, a.thenStart, a.load, a.bolusDrug, a.loaded));

/** PCA programs (no basal): no drug, morphine (PCA entry), heparin (none), or a drug not in the area. */
const programPcaArb: RefCommandArb = fc
  .record({
    drugId: fc.constantFrom(undefined, undefined, 'morphine', 'morphine', 'heparin', 'nosuchdrug'),
    demandMl: fc.oneof({ weight: 10, arbitrary: dec(0.5, 4, 1) }, { weight: 1, arbitrary: fc.constantFrom(0.05, 9.9, 10) }),
    // Mostly inside the pump's PCA ranges (docs/clinical.md, "PCA"), sometimes just outside.
    lockoutMin: fc.oneof({ weight: 8, arbitrary: fc.constantFrom(5, 6, 8, 10, 60) }, { weight: 1, arbitrary: fc.constantFrom(4, 61) }),
    limitDemands: fc.oneof({ weight: 10, arbitrary: fc.integer({ min: 1, max: 4 }) }, { weight: 1, arbitrary: fc.constantFrom(0.5, 1.5, 20) }),
    windowH: fc.oneof({ weight: 8, arbitrary: fc.constantFrom(1, 2, 4, 12) }, { weight: 1, arbitrary: fc.constantFrom(0, 13) }),
    vtbiMl: fc.oneof(dec(1, 10, 1), dec(10, 100, 0)),
    end: endArb,
    override: fc.boolean(),
    thenStart: fc.oneof({ weight: 3, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
    weightKg: fc.option(fc.constantFrom(70, 0.1), { nil: undefined, freq: 4 }),
  })
  .map((a) => new ProgramPcaRef(a.drugId, a.demandMl, a.lockoutMin, a.limitDemands, a.windowH, a.vtbiMl, a.end, a.override, a.thenStart, a.weightKg));

const titrateArb: RefCommandArb = fc
  .record({ by: fc.oneof(rateArb.map((rateMlPerH) => ({ rateMlPerH })), zonedValueArb.map((dose) => ({ dose }))), override: fc.boolean() })
  .map((a) => new TitrateRef(a.by, a.override));

const bolusArb: RefCommandArb = fc
  .record({
    by: fc.oneof(
      fc.oneof(dec(0.05, 5), dec(5, 120, 1)).map((volumeMl) => ({ volumeMl })),
      fc.record({ dose: zonedValueArb, asVolume: fc.boolean() }),
    ),
    rate: bolusRateArb,
    override: fc.boolean(),
  })
  .map((a) => new BolusRef(a.by, a.rate, a.override));

const bolusOnDrugArb: RefCommandArb = fc
  .record({ dose: zonedValueArb, asVolume: fc.boolean(), override: fc.boolean() })
  .map((a) => new BolusRef({ dose: a.dose, asVolume: a.asVolume }, undefined, a.override, true));

const ackArb: RefCommandArb = fc
  .option(fc.constantFrom<string>(...REF_ALARM_IDS.filter((id) => !UNMODELLED_ALARMS.has(id)), 'NOT_AN_ALARM'), { nil: undefined, freq: 2 })
  .map((id) => new FixedCommand({ cmd: 'ACK', alarm: id }, id === undefined ? 'ACK' : 'ACK alarm='));
const injectArb: RefCommandArb = fc.constantFrom(...SENSORS).map((i) => new FixedCommand({ cmd: 'INJECT', input: i }, label(i)));
const tickArb: RefCommandArb = jumpMsArb.map((ms) => new TickRef(ms, false));
const tickNextArb: RefCommandArb = fc.constant(0).map(() => new TickRef(0, true));
const areaArb: RefCommandArb = fc.constantFrom('icu', 'medsurg', 'neonatal', 'nowhere').map((id) => new FixedCommand({ cmd: 'AREA', id }));
const drugInfoArb: RefCommandArb = fc.integer({ min: 0, max: 8 }).map((idx) => new FixedCommand({ cmd: 'DRUG', idx }));
const badTickArb: RefCommandArb = fc.constantFrom(0, 86_400_001).map((ms) => new FixedCommand({ cmd: 'TICK', ms }, 'TICK (out of range)'));
const readArb: RefCommandArb = fc.constantFrom<PumpCommand['cmd']>('PING', 'INFO', 'STATUS', 'LOG', 'SILENCE').map((n) => new FixedCommand({ cmd: n } as PumpCommand));

/** How often each kind of step is drawn (fc.commands draws its arbitraries uniformly: a weight is a repeat count). */
const WEIGHTS: [RefCommandArb, number][] = [
  [programBasicArb, 2],
  [programDrugArb, 3],
  [programPcaArb, 3],
  [fc.record({ after: fc.boolean(), extraMs: fc.oneof(fc.constant(1), fc.integer({ min: 1, max: 600_000 })) }).map((a) => new DemandRef(a.after, a.extraMs)), 3],
  [fixed({ cmd: 'START' }), 4],
  [fixed({ cmd: 'PAUSE' }), 1],
  [fixed({ cmd: 'RESUME' }), 3],
  [fixed({ cmd: 'STOP' }), 1],
  [titrateArb, 2],
  [bolusArb, 2],
  [bolusOnDrugArb, 2],
  [ackArb, 3],
  [readArb, 1],
  [drugInfoArb, 1],
  [badTickArb, 1],
  [injectArb, 3],
  [areaArb, 1],
  [tickArb, 4],
  [tickNextArb, 3],
];

export function refCommandArbs(): RefCommandArb[] {
  return WEIGHTS.flatMap(([arb, n]) => Array.from({ length: n }, () => arb));
}
