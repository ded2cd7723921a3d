/**
 * Every invariant fails when its rule is broken in the code. Each case builds a deliberately
 * broken pump (a subclass of Pump that corrupts one behaviour, reaching private fields by casts)
 * and shows (1) the checker reports that rule on a short deterministic script, and (2) the
 * model-based property itself fails against that pump (fc.check with the broken factory, fixed
 * seed, no shrinking), with that rule in the failure.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { PumpCommand, Reply } from '../../src/sim/protocol/commands.js';
import { Pump, type PumpOptions } from '../../src/sim/pump/pump.js';
import { LARGE_VOLUME_PUMP } from '../../src/sim/pump/pumpTypes.js';
import { checkPumpInvariants, InvariantObserver, RULES, type RuleId, type Violation } from '../../src/sim/safety/invariants.js';
import { entryHash } from '../../src/sim/trace/eventLog.js';
import type { PumpEvent } from '../../src/sim/trace/events.js';
import type { PumpFactory } from './commands/model.js';
import { LIBRARY, pumpModelProperty } from './pumpProperty.js';

/** Private parts of the pump, for the broken subclasses. */
interface Guts {
  primaryMl: number;
  lastDemandStartMs: number;
  program: { rateMlPerH: number; exactMlPerH: number; vtbiMl: number; drug?: { dose: number } } | undefined;
  mechanism: { systematicFraction: number };
  pca: { add(s: number, e: number, v: number): void } | undefined;
  alarms: { acknowledge(id: undefined, now: number, out: PumpEvent[]): number; flowStopping(): unknown };
  emitAll(events: PumpEvent[]): void;
}
const guts = (p: Pump): Guts => p as unknown as Guts;

interface LogGuts {
  entries: { seq: number; tMs: number; dir: string; text: string; hash: string }[];
  headHash: string;
  count: number;
}

// ------------------------------------------------------------------ broken pumps

/** Counted volume goes down a little on every command that is not a TICK. */
class LosesVolume extends Pump {
  override execute(c: PumpCommand): Reply {
    const g = guts(this);
    if (c.cmd !== 'TICK' && g.primaryMl > 0.1) g.primaryMl -= 0.05;
    return super.execute(c);
  }
}

/** Runs past the VTBI entered: the program's VTBI grows by 20% once accepted. */
class OverrunsVtbi extends Pump {
  override execute(c: PumpCommand): Reply {
    const r = super.execute(c);
    const p = guts(this).program;
    if (c.cmd === 'PROGRAM' && r.ok && p) p.vtbiMl = p.vtbiMl * 1.2 + 0.5;
    return r;
  }
}

/** A mechanism far out of its claimed accuracy (+40%). */
class Inaccurate extends Pump {
  constructor(o: PumpOptions) {
    super(o);
    guts(this).mechanism.systematicFraction = 0.4;
  }
}

/** A program refused for a hard (or soft) limit goes through anyway: the check is bypassed. */
function bypassLimits(kind: 'HARD_LIMIT' | 'SOFT_LIMIT'): PumpFactory {
  return (o) =>
    new (class extends Pump {
      override execute(c: PumpCommand): Reply {
        const r = super.execute(c);
        if (c.cmd !== 'PROGRAM' || r.ok || r.code !== kind || !c.drugId) return r;
        const entry = this.careArea?.drugs.find((d) => d.id === c.drugId);
        if (!entry) return r;
        const saved = entry.limits.doseRate;
        entry.limits.doseRate = kind === 'HARD_LIMIT' ? {} : { lowerHard: saved.lowerHard, upperHard: saved.upperHard };
        try {
          return super.execute({ ...c, override: kind === 'HARD_LIMIT' ? true : undefined });
        } finally {
          entry.limits.doseRate = saved;
        }
      }
    })(o);
}

/** Keeps pumping in ALARM state (the motor is not stopped by a flow-stopping alarm). */
class FlowsInAlarm extends Pump {
  override currentRateMlPerH(): number {
    const p = guts(this).program;
    if (this.state === 'ALARM' && p) return p.rateMlPerH || 1;
    return super.currentRateMlPerH();
  }
}

/** Forgets the last demand: no lockout. */
class NoLockout extends Pump {
  override execute(c: PumpCommand): Reply {
    if (c.cmd !== 'DEMAND') return super.execute(c);
    const g = guts(this);
    const saved = g.lastDemandStartMs;
    g.lastDemandStartMs = -Infinity;
    const r = super.execute(c);
    if (!r.ok) g.lastDemandStartMs = saved;
    return r;
  }
}

/** The PCA window counts half of what is delivered: the limit is passed. */
class HalfCountedPcaWindow extends Pump {
  override execute(c: PumpCommand): Reply {
    const r = super.execute(c);
    const w = guts(this).pca;
    if (c.cmd === 'PROGRAM' && r.ok && w) {
      const add = w.add.bind(w);
      w.add = (s, e, v) => add(s, e, v / 2);
    }
    return r;
  }
}

/** A latching alarm ends when its cause clears, without an acknowledgement (auto-ack). */
class AutoAcknowledges extends Pump {
  override execute(c: PumpCommand): Reply {
    const r = super.execute(c);
    if (c.cmd === 'INJECT' && r.ok) {
      const ev: PumpEvent[] = [];
      guts(this).alarms.acknowledge(undefined, this.nowMs, ev);
      guts(this).emitAll(ev);
    }
    return r;
  }
}

/** History is edited: an old log entry's text is changed after the fact. */
class ForgesLog extends Pump {
  override execute(c: PumpCommand): Reply {
    const r = super.execute(c);
    const entries = (this.log as unknown as LogGuts).entries;
    const first = entries[0];
    if (c.cmd === 'START' && first) first.text = `${first.text} (edited)`;
    return r;
  }
}

/** An entry is appended with a time before the previous one (hash chain kept valid). */
class LogTimeGoesBack extends Pump {
  override execute(c: PumpCommand): Reply {
    const r = super.execute(c);
    const log = this.log as unknown as LogGuts;
    if (c.cmd === 'TICK' && this.nowMs > 0) {
      const tMs = this.nowMs - 1;
      const seq = log.count;
      const hash = entryHash(log.headHash, seq, tMs, 'event', '! FORGED');
      log.entries.push({ seq, tMs, dir: 'event', text: '! FORGED', hash });
      log.headHash = hash;
      log.count++;
    }
    return r;
  }
}

/** A refused titration still changes the rate. */
class ErrChangesRate extends Pump {
  override execute(c: PumpCommand): Reply {
    const r = super.execute(c);
    const p = guts(this).program;
    if (c.cmd === 'TITRATE' && !r.ok && p && c.rateMlPerH !== undefined && c.rateMlPerH > 0) p.rateMlPerH = Math.min(999, c.rateMlPerH);
    return r;
  }
}

/**
 * Skips the bolus limits: every drug of the area is treated as bolusable without limits (and
 * with PCA limits that allow anything) while a BOLUS or a PROGRAM (loading dose, PCA) is judged.
 */
class SkipsBolusLimits extends Pump {
  override execute(c: PumpCommand): Reply {
    if (c.cmd !== 'BOLUS' && c.cmd !== 'PROGRAM') return super.execute(c);
    const drugs = this.careArea?.drugs ?? [];
    const saved = drugs.map((d) => ({ d, bolusDose: d.limits.bolusDose, allow: d.bolusWithoutLimits, pca: d.pca }));
    for (const d of drugs) {
      d.limits.bolusDose = undefined;
      d.bolusWithoutLimits = true;
      if (d.bolusUnit) d.pca = { demandDose: {}, lockoutMin: {}, hourlyLimit: {} };
    }
    try {
      return super.execute(c);
    } finally {
      for (const x of saved) {
        x.d.limits.bolusDose = x.bolusDose;
        x.d.bolusWithoutLimits = x.allow;
        x.d.pca = x.pca;
      }
    }
  }
}

/** Runs the rate entered, unrounded (limits were judged on the rounded rate it will not run). */
class RunsUnroundedRate extends Pump {
  override execute(c: PumpCommand): Reply {
    const r = super.execute(c);
    const p = guts(this).program;
    if ((c.cmd === 'PROGRAM' || c.cmd === 'TITRATE') && r.ok && p && p.exactMlPerH > 0) p.rateMlPerH = p.exactMlPerH;
    return r;
  }
}

// ------------------------------------------------------------------ the cases

interface Case {
  rule: RuleId;
  broken: string;
  factory: PumpFactory;
  options?: Partial<PumpOptions>;
  script: PumpCommand[];
  /** fc.check runs for the property against the broken pump (fixed seed, stops at the first failure). */
  runs?: number;
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
    rule: RULES.bolusLimit,
    broken: 'bolus limits skipped (heparin 100 mL at 80 kg = 125 units/kg)',
    factory: (o) => new SkipsBolusLimits(o),
    options: { library: LIBRARY, areaId: 'icu' },
    script: [{ cmd: 'PROGRAM', drugId: 'heparin', dose: 18, weightKg: 80, vtbiMl: 250 }, { cmd: 'START' }, { cmd: 'BOLUS', volumeMl: 100 }, tick(3_600_000)],
  },
  { rule: RULES.rateLimit, broken: 'runs the rate entered, unrounded (12.34 mL/h)', factory: (o) => new RunsUnroundedRate(o), script: [basic(12.34, 50), { cmd: 'START' }, tick(60_000)] },
];

function runScript(c: Case): Violation[] {
  const pump = c.factory({ type: LARGE_VOLUME_PUMP, seed: 7, ...c.options });
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
      const out = fc.check(pumpModelProperty({ typeId: 'lvp', factory: c.factory }), { numRuns: c.runs ?? 500, seed: 20261129, endOnFailure: true });
      expect(out.failed, `property did not fail in ${out.numRuns} runs`).toBe(true);
      expect(String(out.errorInstance)).toContain(`[${c.rule}]`);
    });
  }
});
