/**
 * Every invariant fails when its rule is broken in the code. Each case builds a deliberately
 * broken pump (test/properties/brokenPumps.ts: a subclass of Pump that corrupts one behaviour)
 * and shows (1) the checker reports that rule on a short deterministic script, and (2) the
 * model-based property itself fails against that pump (fc.check with the broken factory, fixed
 * seed, no shrinking), with that rule in the failure.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { PumpCommand } from '../../src/sim/protocol/commands.js';
import { Pump, type PumpOptions } from '../../src/sim/pump/pump.js';
import { LARGE_VOLUME_PUMP, SYRINGE_PUMP } from '../../src/sim/pump/pumpTypes.js';
import { checkPumpInvariants, InvariantObserver, RULES, type RuleId, type Violation } from '../../src/sim/safety/invariants.js';
import { AutoAcknowledges, BackInServiceOnPass, bypassLimits, ErrChangesRate, FlowsInAlarm, ForgesLog, HalfCountedPcaWindow, Inaccurate, LogTimeGoesBack, LosesVolume, NeverReannunciates, NoLockout, Overfills, OverrunsVtbi } from './brokenPumps.js';
import type { PumpFactory } from './commands/model.js';
import { LIBRARY, pumpModelProperty } from './pumpProperty.js';

// ------------------------------------------------------------------ the cases

interface Case {
  rule: RuleId;
  broken: string;
  factory: PumpFactory;
  options?: Partial<PumpOptions>;
  script: PumpCommand[];
  /** fc.check runs for the property against the broken pump (fixed seed, stops at the first failure). */
  runs?: number;
  /** The pump type of the script and the property (default lvp). */
  typeId?: 'lvp' | 'syringe';
}

const tick = (ms: number): PumpCommand => ({ cmd: 'TICK', ms });
const basic = (rate: number, vtbi: number, extra: Partial<Extract<PumpCommand, { cmd: 'PROGRAM' }>> = {}): PumpCommand => ({ cmd: 'PROGRAM', rateMlPerH: rate, vtbiMl: vtbi, ...extra });
const pca: PumpCommand = { cmd: 'PROGRAM', mode: 'pca', demandMl: 1, lockoutMin: 10, limitMl: 2, windowH: 4, vtbiMl: 100 };

const CASES: Case[] = [
  { rule: RULES.volumeMonotonic, broken: 'counted volume decreases', factory: (o) => new LosesVolume(o), script: [basic(100, 50), { cmd: 'START' }, tick(60_000), { cmd: 'STATUS' }] },
  { rule: RULES.volumeWithinVtbi, broken: 'runs past the VTBI entered', factory: (o) => new OverrunsVtbi(o), script: [basic(100, 5, { endAction: 'stop' }), { cmd: 'START' }, tick(3_600_000)] },
  { rule: RULES.accuracy, broken: 'mechanism 40% off', factory: (o) => new Inaccurate(o), script: [basic(100, 50), { cmd: 'START' }, tick(600_000)] },
  {
    rule: RULES.hardLimit,
    broken: 'hard-limit check bypassed',
    factory: bypassLimits('HARD_LIMIT'),
    options: { library: LIBRARY, areaId: 'icu' },
    script: [{ cmd: 'PROGRAM', drugId: 'heparin', dose: 45, weightKg: 80, vtbiMl: 250 }, { cmd: 'START' }],
  },
  {
    rule: RULES.softLimitOverride,
    broken: 'soft limit passed with no override',
    factory: bypassLimits('SOFT_LIMIT'),
    options: { library: LIBRARY, areaId: 'icu' },
    script: [{ cmd: 'PROGRAM', drugId: 'heparin', dose: 30, weightKg: 80, vtbiMl: 250 }, { cmd: 'START' }],
  },
  {
    rule: RULES.noFlowInAlarm,
    broken: 'motor runs in ALARM',
    factory: (o) => new FlowsInAlarm(o),
    script: [basic(100, 50), { cmd: 'START' }, { cmd: 'INJECT', input: { sensor: 'door', value: 'open' } }, tick(60_000)],
  },
  { rule: RULES.pcaLockout, broken: 'no lockout', factory: (o) => new NoLockout(o), script: [pca, { cmd: 'START' }, { cmd: 'DEMAND' }, tick(60_000), { cmd: 'DEMAND' }], runs: 1000 },
  {
    rule: RULES.pcaWindowLimit,
    broken: 'PCA window counts half',
    factory: (o) => new HalfCountedPcaWindow(o),
    script: [pca, { cmd: 'START' }, { cmd: 'DEMAND' }, tick(900_000), { cmd: 'DEMAND' }, tick(900_000), { cmd: 'DEMAND' }, tick(900_000)],
    runs: 3000,
  },
  {
    rule: RULES.latchingAlarm,
    broken: 'latching alarm auto-acknowledged',
    factory: (o) => new AutoAcknowledges(o),
    script: [basic(100, 50), { cmd: 'START' }, { cmd: 'INJECT', input: { sensor: 'air', bubbleMl: 0.2 } }],
  },
  { rule: RULES.logChain, broken: 'old log entry edited', factory: (o) => new ForgesLog(o), script: [basic(100, 50), { cmd: 'START' }] },
  { rule: RULES.logTime, broken: 'log time goes back', factory: (o) => new LogTimeGoesBack(o), script: [tick(1000)] },
  { rule: RULES.errChangesNothing, broken: 'refused titration changes the rate', factory: (o) => new ErrChangesRate(o), script: [basic(100, 50), { cmd: 'START' }, { cmd: 'TITRATE', rateMlPerH: 5000 }] },
  {
    rule: RULES.highAlarmAudible,
    broken: 'ACK silences a persisting alarm for good (never re-annunciated)',
    factory: (o) => new NeverReannunciates(o),
    script: [basic(100, 50), { cmd: 'START' }, { cmd: 'INJECT', input: { sensor: 'door', value: 'open' } }, { cmd: 'ACK' }, tick(600_000)],
  },
  {
    rule: RULES.withinLoaded,
    broken: 'the syringe delivers 20 % more than was loaded',
    factory: (o) => new Overfills(o),
    typeId: 'syringe',
    script: [basic(100, 50, { endAction: 'continue' }), { cmd: 'START' }, tick(3_600_000)],
  },
  {
    rule: RULES.noTherapyOutOfService,
    broken: 'a passing self-test input puts the pump back in service',
    factory: (o) => new BackInServiceOnPass(o),
    script: [basic(100, 50), { cmd: 'START' }, { cmd: 'INJECT', input: { sensor: 'selftest', value: 'fail' } }, { cmd: 'INJECT', input: { sensor: 'selftest', value: 'pass' } }, { cmd: 'ACK' }, { cmd: 'RESUME' }, tick(60_000)],
  },
];

function runScript(c: Case): Violation[] {
  const pump = c.factory({ type: c.typeId === 'syringe' ? SYRINGE_PUMP : LARGE_VOLUME_PUMP, seed: 7, ...c.options });
  const observer = new InvariantObserver(pump);
  const out: Violation[] = [];
  for (const cmd of c.script) {
    const reply = pump.execute(cmd);
    out.push(...checkPumpInvariants(pump, observer, { cmd, reply }));
  }
  return out;
}

describe('each invariant fails when its rule is broken in the pump', () => {
  it('the unbroken pump passes every script', () => {
    for (const c of CASES) expect(runScript({ ...c, factory: (o) => new Pump(o) }), c.rule).toEqual([]);
  });

  for (const c of CASES) {
    it(`${c.rule}: ${c.broken}`, () => {
      const vs = runScript(c);
      expect(vs.map((v) => v.rule)).toContain(c.rule);
      // The model-based property fails too, for this rule.
      const out = fc.check(pumpModelProperty({ typeId: c.typeId ?? 'lvp', factory: c.factory }), { numRuns: c.runs ?? 500, seed: 20261129, endOnFailure: true });
      expect(out.failed, `property did not fail in ${out.numRuns} runs`).toBe(true);
      expect(String(out.errorInstance)).toContain(`[${c.rule}]`);
    });
  }
});
