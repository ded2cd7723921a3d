/**
 * Broken pumps for the reference suite: each breaks one rule the reference checks. They are
 * small subclasses of the pump that reach private parts by casts (as in
 * test/properties/invariants.mutation.test.ts); they are not part of the pump.
 */
import { err, type PumpCommand, type Reply } from '../../../src/sim/protocol/commands.js';
import { Pump } from '../../../src/sim/pump/pump.js';
import { AutoAcknowledges, bypassLimits, ErrChangesRate, FlowsInAlarm, LosesVolume, OverrunsVtbi } from '../brokenPumps.js';
import type { PumpFactory } from '../commands/model.js';

interface Guts {
  infusion: { program: { vtbiMl: number } | undefined };
  alarms: { active: { pausedUntilMs: number }[] };
}
const guts = (p: Pump): Guts => p as unknown as Guts;

/** Answers ERR to every command (and so does nothing): the suite of issue 12 passed such a pump. */
export class AnswersErrToEverything extends Pump {
  override execute(c: PumpCommand): Reply {
    return err('BAD_STATE', `refused ${c.cmd}`);
  }
}

/** Skips the bolus limits: a bolus refused for a bolus limit is given anyway. */
export class SkipsBolusLimits extends Pump {
  override execute(c: PumpCommand): Reply {
    const r = super.execute(c);
    if (c.cmd !== 'BOLUS' || r.ok || (r.code !== 'HARD_LIMIT' && r.code !== 'SOFT_LIMIT')) return r;
    const drugId = this.currentProgram?.drug?.entry.id;
    const entry = this.careArea?.drugs.find((d) => d.id === drugId);
    if (!entry) return r;
    const saved = entry.limits.bolusDose;
    entry.limits.bolusDose = {};
    try {
      return super.execute({ ...c, override: true });
    } finally {
      entry.limits.bolusDose = saved;
    }
  }
}

/** Never re-annunciates: a SILENCE pauses the audio of present alarms for good. */
export class NeverReannunciates extends Pump {
  override execute(c: PumpCommand): Reply {
    const r = super.execute(c);
    if (c.cmd === 'SILENCE' && r.ok) for (const a of guts(this).alarms.active) a.pausedUntilMs = Infinity;
    return r;
  }
}

/** Overfills: delivers past the VTBI entered (the program's VTBI grows by a fifth once accepted). */
export class Overfills extends Pump {
  override execute(c: PumpCommand): Reply {
    const r = super.execute(c);
    const p = guts(this).infusion.program;
    if (c.cmd === 'PROGRAM' && r.ok && p) p.vtbiMl = p.vtbiMl * 1.2 + 0.5;
    return r;
  }
}

export interface RefMutant {
  name: string;
  factory: PumpFactory;
  /** A protocol script on which the reference must disagree with this pump. */
  script: PumpCommand[];
  typeId?: 'lvp' | 'syringe';
}

export const REF_MUTANTS: RefMutant[] = [
  { name: 'answers ERR to everything', factory: (o) => new AnswersErrToEverything(o), script: [{ cmd: 'PING' }] },
  {
    name: 'skips the bolus limits',
    factory: (o) => new SkipsBolusLimits(o),
    script: [{ cmd: 'PROGRAM', drugId: 'heparin', dose: 18, weightKg: 80, vtbiMl: 250 }, { cmd: 'START' }, { cmd: 'BOLUS', dose: 101 }],
  },
  {
    name: 'never re-annunciates',
    factory: (o) => new NeverReannunciates(o),
    script: [{ cmd: 'PROGRAM', rateMlPerH: 100, vtbiMl: 50 }, { cmd: 'START' }, { cmd: 'INJECT', input: { sensor: 'door', value: 'open' } }, { cmd: 'SILENCE' }, { cmd: 'TICK', ms: 121_000 }],
  },
  {
    name: 'overfills',
    factory: (o) => new Overfills(o),
    script: [{ cmd: 'PROGRAM', rateMlPerH: 100, vtbiMl: 5, endAction: 'stop' }, { cmd: 'START' }, { cmd: 'TICK', ms: 3_600_000 }],
  },
];

const basic = (rateMlPerH: number, vtbiMl: number): PumpCommand => ({ cmd: 'PROGRAM', rateMlPerH, vtbiMl });

/**
 * Today's broken pumps (test/properties/brokenPumps.ts, made for the invariant checkers) that
 * break something the reference compares. Not here: Inaccurate (the physical output, not the
 * nominal volume), NoLockout and HalfCountedPcaWindow (PCA is not generated), ForgesLog and
 * LogTimeGoesBack (the event log is not compared).
 */
export const TODAYS_BROKEN_PUMPS: RefMutant[] = [
  { name: 'counted volume decreases', factory: (o) => new LosesVolume(o), script: [basic(100, 50), { cmd: 'START' }, { cmd: 'TICK', ms: 60_000 }, { cmd: 'STATUS' }] },
  { name: 'runs past the VTBI entered', factory: (o) => new OverrunsVtbi(o), script: [{ ...basic(100, 5), endAction: 'stop' } as PumpCommand, { cmd: 'START' }, { cmd: 'TICK', ms: 3_600_000 }] },
  { name: 'hard-limit check bypassed', factory: bypassLimits('HARD_LIMIT'), script: [{ cmd: 'PROGRAM', drugId: 'heparin', dose: 45, weightKg: 80, vtbiMl: 250 }] },
  { name: 'soft limit passed with no override', factory: bypassLimits('SOFT_LIMIT'), script: [{ cmd: 'PROGRAM', drugId: 'heparin', dose: 30, weightKg: 80, vtbiMl: 250 }] },
  { name: 'motor runs in ALARM', factory: (o) => new FlowsInAlarm(o), script: [basic(100, 50), { cmd: 'START' }, { cmd: 'INJECT', input: { sensor: 'door', value: 'open' } }, { cmd: 'TICK', ms: 60_000 }] },
  { name: 'latching alarm auto-acknowledged', factory: (o) => new AutoAcknowledges(o), script: [basic(100, 50), { cmd: 'START' }, { cmd: 'INJECT', input: { sensor: 'air', bubbleMl: 0.2 } }] },
  { name: 'refused titration changes the rate', factory: (o) => new ErrChangesRate(o), script: [basic(100, 50), { cmd: 'START' }, { cmd: 'TITRATE', rateMlPerH: 5000 }, { cmd: 'TICK', ms: 60_000 }] },
];
