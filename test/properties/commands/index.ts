/** The arbitraries of every command of the model-based pump test. */
import fc from 'fast-check';
import { ALARM_IDS } from '../../../src/sim/alarms/alarmTable.js';
import type { SensorInput } from '../../../src/sim/protocol/commands.js';
import { AckCommand } from './AckCommand.js';
import { AdvanceCommand } from './AdvanceCommand.js';
import { AreaCommand } from './AreaCommand.js';
import { BolusCommand } from './BolusCommand.js';
import { DemandCommand } from './DemandCommand.js';
import { jumpMsArb, zonedValueArb } from './doses.js';
import { InjectCommand } from './InjectCommand.js';
import type { PumpModel, PumpReal } from './model.js';
import { PauseCommand } from './PauseCommand.js';
import { ProgramBasicCommand } from './ProgramBasicCommand.js';
import { ProgramDrugCommand } from './ProgramDrugCommand.js';
import { ProgramPcaCommand } from './ProgramPcaCommand.js';
import { ResumeCommand } from './ResumeCommand.js';
import { SimpleCommand } from './SimpleCommand.js';
import { StartCommand } from './StartCommand.js';
import { StopCommand } from './StopCommand.js';
import { TickCommand } from './TickCommand.js';
import { TitrateCommand } from './TitrateCommand.js';

export type PumpCommandArb = fc.Arbitrary<fc.Command<PumpModel, PumpReal>>;

const dec = (min: number, max: number, digits = 2): fc.Arbitrary<number> =>
  fc.integer({ min: Math.round(min * 10 ** digits), max: Math.round(max * 10 ** digits) }).map((n) => n / 10 ** digits);

/** Rates: mostly in the range of either pump type, sometimes outside both. */
const rateArb = fc.oneof(
  { weight: 4, arbitrary: dec(0.01, 10) },
  { weight: 5, arbitrary: dec(10, 200, 1) },
  { weight: 1, arbitrary: dec(200, 999, 0) },
  { weight: 1, arbitrary: fc.constantFrom(0, 0.001, 1000, 5000) },
);
/** VTBIs: small ones reach VTBI complete within the run; big ones exercise the battery and long runs. */
const vtbiArb = fc.oneof(
  { weight: 3, arbitrary: dec(0.1, 5) },
  { weight: 3, arbitrary: dec(5, 50, 1) },
  { weight: 2, arbitrary: dec(50, 1000, 0) },
  { weight: 1, arbitrary: fc.constantFrom(0, 0.05, 10_000, 51) },
);
const endArb = fc.option(fc.constantFrom('stop' as const, 'kvo' as const, 'continue' as const), { nil: undefined });
const kvoArb = fc.option(fc.oneof(dec(0.1, 5), fc.constantFrom(0, 25)), { nil: undefined });
const bolusRateArb = fc.option(fc.oneof(dec(10, 200, 0), dec(200, 999, 0), fc.constantFrom(1, 2000)), { nil: undefined });

const sensorArb: fc.Arbitrary<SensorInput> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom<SensorInput>(
    { sensor: 'occlusion', value: 'down' },
    { sensor: 'occlusion', value: 'up' },
    { sensor: 'occlusion', value: 'clear' },
    { sensor: 'door', value: 'open' },
    { sensor: 'door', value: 'closed' },
    { sensor: 'container', value: 'empty' },
    { sensor: 'container', value: 'ok' },
    { sensor: 'mains', value: 'off' },
    { sensor: 'mains', value: 'on' },
    { sensor: 'selftest', value: 'fail' },
    { sensor: 'selftest', value: 'pass' },
    { sensor: 'comm', value: 'lost' },
    { sensor: 'comm', value: 'ok' },
    { sensor: 'power', value: 'off' },
    { sensor: 'power', value: 'on' },
  ) },
  { weight: 1, arbitrary: fc.oneof(dec(0.001, 0.3, 3), fc.constantFrom(0, 11)).map((bubbleMl): SensorInput => ({ sensor: 'air', bubbleMl })) },
  { weight: 1, arbitrary: fc.oneof(fc.integer({ min: 0, max: 100 }), fc.constantFrom(-1, 150)).map((percent): SensorInput => ({ sensor: 'battery', percent })) },
);

const programBasicArb: PumpCommandArb = fc
  .record({ rate: rateArb, vtbi: vtbiArb, end: endArb, kvo: kvoArb, load: fc.option(fc.record({ ml: dec(0.05, 60), rateMlPerH: bolusRateArb }), { nil: undefined, freq: 4 }) })
  .map((a) => new ProgramBasicCommand(a.rate, a.vtbi, a.end, a.kvo, a.load));

const programDrugArb: PumpCommandArb = fc
  .record({
    idx: fc.nat(20),
    dose: zonedValueArb,
    w: fc.oneof({ weight: 9, arbitrary: fc.double({ min: 0, max: 1, noNaN: true }) }, { weight: 1, arbitrary: fc.constant(1.6) }),
    vtbi: fc.oneof(fc.double({ min: 0, max: 0.05, noNaN: true }), fc.double({ min: 0, max: 1.1, noNaN: true })),
    load: fc.option(zonedValueArb, { nil: undefined, freq: 4 }),
    override: fc.boolean(),
    drugId: fc.option(fc.constantFrom('nosuchdrug', 'heparin', 'dopamine'), { nil: undefined, freq: 8 }),
  })
  .map((a) => new ProgramDrugCommand(a.idx, a.dose, a.w, a.vtbi, a.load, a.override, a.drugId));

const programPcaArb: PumpCommandArb = fc
  .record({
    basal: fc.option(fc.oneof(fc.constant(0), dec(0.1, 10)), { nil: undefined }),
    demand: fc.oneof({ weight: 9, arbitrary: dec(0.1, 9.9, 1) }, { weight: 1, arbitrary: fc.constantFrom(0.05, 12) }),
    lockout: fc.oneof({ weight: 9, arbitrary: fc.integer({ min: 5, max: 60 }) }, { weight: 1, arbitrary: fc.constantFrom(1, 90) }),
    limitFactor: fc.oneof({ weight: 9, arbitrary: dec(1, 6) }, { weight: 1, arbitrary: fc.constantFrom(0.5, 500) }),
    window: fc.oneof({ weight: 9, arbitrary: fc.integer({ min: 1, max: 12 }) }, { weight: 1, arbitrary: fc.constantFrom(0.5, 24) }),
    vtbi: vtbiArb,
    end: endArb,
    drugId: fc.option(fc.constantFrom('morphine', 'heparin'), { nil: undefined, freq: 3 }),
  })
  .map((a) => new ProgramPcaCommand(a.basal, a.demand, a.lockout, Math.round(a.demand * a.limitFactor * 100) / 100, a.window, a.vtbi, a.end, a.drugId));

const titrateArb: PumpCommandArb = fc
  .record({ by: fc.oneof(rateArb.map((rateMlPerH) => ({ rateMlPerH })), zonedValueArb.map((dose) => ({ dose }))), override: fc.boolean() })
  .map((a) => new TitrateCommand(a.by, a.override));

const bolusArb: PumpCommandArb = fc
  .record({
    by: fc.oneof(fc.oneof(dec(0.05, 5), dec(5, 120, 1)).map((volumeMl) => ({ volumeMl })), zonedValueArb.map((dose) => ({ dose }))),
    rate: bolusRateArb,
    override: fc.boolean(),
  })
  .map((a) => new BolusCommand(a.by, a.rate, a.override));

const ackArb: PumpCommandArb = fc.option(fc.constantFrom<string>(...ALARM_IDS, 'NOT_AN_ALARM'), { nil: undefined, freq: 2 }).map((id) => new AckCommand(id));
const injectArb: PumpCommandArb = sensorArb.map((i) => new InjectCommand(i));
const tickArb: PumpCommandArb = jumpMsArb.map((ms) => new TickCommand(ms));
const advanceArb: PumpCommandArb = jumpMsArb.map((ms) => new AdvanceCommand(ms, false));
const wakeArb: PumpCommandArb = fc.constant(new AdvanceCommand(0, true));

/** How often each kind of step is drawn (fc.commands draws its arbitraries uniformly, so a weight is a repeat count). */
const WEIGHTS: [PumpCommandArb, number][] = [
  [programBasicArb, 2],
  [programDrugArb, 3],
  [programPcaArb, 2],
  [fc.constant(new StartCommand()), 4],
  [fc.constant(new PauseCommand()), 1],
  [fc.constant(new ResumeCommand()), 3],
  [fc.constant(new StopCommand()), 1],
  [titrateArb, 2],
  [bolusArb, 2],
  [fc.constant(new DemandCommand()), 3],
  [ackArb, 3],
  [fc.constantFrom('PING', 'INFO', 'STATUS', 'LOG', 'SILENCE' as const).map((n) => new SimpleCommand(n)), 1],
  [injectArb, 3],
  [fc.constantFrom('icu', 'medsurg', 'neonatal', 'nowhere').map((id) => new AreaCommand(id)), 1],
  [tickArb, 4],
  [advanceArb, 1],
  [wakeArb, 3],
];

export function pumpCommandArbs(): PumpCommandArb[] {
  return WEIGHTS.flatMap(([arb, n]) => Array.from({ length: n }, () => arb));
}
