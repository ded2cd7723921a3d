/**
 * Broken pumps for the reference suite: each breaks one rule the reference checks. They are
 * small subclasses of the pump that reach private parts by casts (as in
 * test/properties/invariants.mutation.test.ts); they are not part of the pump.
 */
import { err, type PumpCommand, type Reply } from '../../../src/sim/protocol/commands.js';
import { Pump } from '../../../src/sim/pump/pump.js';
import type { PumpFactory } from '../commands/model.js';

interface Guts {
  program: { vtbiMl: number } | undefined;
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
    const p = guts(this).program;
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
