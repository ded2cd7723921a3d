/**
 * Today's broken pumps: each a subclass of Pump that corrupts one behaviour, reaching private
 * fields by casts. Shared by the invariant mutation tests (invariants.mutation.test.ts) and the
 * reference suite's mutation tests (reference.mutants.test.ts).
 */
import type { PumpCommand, Reply } from '../../src/sim/protocol/commands.js';
import { Pump, type PumpOptions } from '../../src/sim/pump/pump.js';
import { entryHash } from '../../src/sim/trace/eventLog.js';
import type { PumpEvent } from '../../src/sim/trace/events.js';
import type { PumpFactory } from './commands/model.js';

/** Private parts of the pump, for the broken subclasses. */
interface Guts {
  infusion: {
    primaryMl: number;
    lastDemandStartMs: number;
    program: { rateMlPerH: number; exactMlPerH: number; vtbiMl: number; drug?: { dose: number } } | undefined;
    pca: { add(s: number, e: number, v: number): void } | undefined;
  };
  mechanism: { systematicFraction: number };
  alarms: { acknowledge(id: undefined, now: number): { events: PumpEvent[] }; flowStopping(): unknown; list(): { acknowledged: boolean; causeActive: boolean; pausedUntilMs: number }[] };
  emitAll(events: PumpEvent[]): void;
  container: { volumeMl: number };
  service: { out: boolean };
  clearAlarm(id: string): void;
}
const guts = (p: Pump): Guts => p as unknown as Guts;

const FLOW_THRESHOLD_ALARMS: ReadonlySet<string> = new Set(['OCCLUSION_DOWN', 'OCCLUSION_UP', 'CONTAINER_EMPTY', 'BATTERY_DEPLETED']);

interface LogGuts {
  entries: { seq: number; tMs: number; dir: string; text: string; hash: string }[];
  headHash: string;
  count: number;
}

// ------------------------------------------------------------------ broken pumps

/** Counted volume goes down a little on every command that is not a TICK. */
export class LosesVolume extends Pump {
  override execute(c: PumpCommand): Reply {
    const g = guts(this);
    if (c.cmd !== 'TICK' && g.infusion.primaryMl > 0.1) g.infusion.primaryMl -= 0.05;
    return super.execute(c);
  }
}

/** Runs past the VTBI entered: the program's VTBI grows by 20% once accepted. */
export class OverrunsVtbi extends Pump {
  override execute(c: PumpCommand): Reply {
    const r = super.execute(c);
    const p = guts(this).infusion.program;
    if (c.cmd === 'PROGRAM' && r.ok && p) p.vtbiMl = p.vtbiMl * 1.2 + 0.5;
    return r;
  }
}

/** A mechanism far out of its claimed accuracy (+40%). */
export class Inaccurate extends Pump {
  constructor(o: PumpOptions) {
    super(o);
    guts(this).mechanism.systematicFraction = 0.4;
  }
}

/** A program refused for a hard (or soft) limit goes through anyway: the check is bypassed. */
export function bypassLimits(kind: 'HARD_LIMIT' | 'SOFT_LIMIT'): PumpFactory {
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

/**
 * Keeps pumping in ALARM state (the motor is not stopped by a flow-stopping alarm), while no alarm
 * of a flow threshold (occlusion, empty container, depleted battery) is up: past such a threshold
 * the pump would wake every millisecond at a threshold nothing acts on, which advanceTo refuses
 * (its wake guard throws) before the invariant can see the flow.
 */
export class FlowsInAlarm extends Pump {
  override currentRateMlPerH(): number {
    const p = guts(this).infusion.program;
    const thresholdAlarm = this.activeAlarms.some((a) => FLOW_THRESHOLD_ALARMS.has(a.id));
    if (this.state === 'ALARM' && p && !thresholdAlarm) return p.rateMlPerH || 1;
    return super.currentRateMlPerH();
  }
}

/** Forgets the last demand: no lockout. */
export class NoLockout extends Pump {
  override execute(c: PumpCommand): Reply {
    if (c.cmd !== 'DEMAND') return super.execute(c);
    const g = guts(this);
    const saved = g.infusion.lastDemandStartMs;
    g.infusion.lastDemandStartMs = -Infinity;
    const r = super.execute(c);
    if (!r.ok) g.infusion.lastDemandStartMs = saved;
    return r;
  }
}

/** The PCA window counts half of what is delivered: the limit is passed. */
export class HalfCountedPcaWindow extends Pump {
  override execute(c: PumpCommand): Reply {
    const r = super.execute(c);
    const w = guts(this).infusion.pca;
    if (c.cmd === 'PROGRAM' && r.ok && w) {
      const add = w.add.bind(w);
      w.add = (s, e, v) => add(s, e, v / 2);
    }
    return r;
  }
}

/** A latching alarm ends when its cause clears, without an acknowledgement (auto-ack). */
export class AutoAcknowledges extends Pump {
  override execute(c: PumpCommand): Reply {
    const r = super.execute(c);
    if (c.cmd === 'INJECT' && r.ok) {
      guts(this).emitAll(guts(this).alarms.acknowledge(undefined, this.nowMs).events);
    }
    return r;
  }
}

/** History is edited: an old log entry's text is changed after the fact. */
export class ForgesLog extends Pump {
  override execute(c: PumpCommand): Reply {
    const r = super.execute(c);
    const entries = (this.log as unknown as LogGuts).entries;
    const first = entries[0];
    if (c.cmd === 'START' && first) first.text = `${first.text} (edited)`;
    return r;
  }
}

/** An entry is appended with a time before the previous one (hash chain kept valid). */
export class LogTimeGoesBack extends Pump {
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
export class ErrChangesRate extends Pump {
  override execute(c: PumpCommand): Reply {
    const r = super.execute(c);
    const p = guts(this).infusion.program;
    if (c.cmd === 'TITRATE' && !r.ok && p && c.rateMlPerH !== undefined && c.rateMlPerH > 0) p.rateMlPerH = Math.min(999, c.rateMlPerH);
    return r;
  }
}

/** ACK silences a persisting alarm for good: it is never re-annunciated (issue 12, defect 5). */
export class NeverReannunciates extends Pump {
  override execute(c: PumpCommand): Reply {
    const r = super.execute(c);
    if (c.cmd === 'ACK' && r.ok) for (const a of guts(this).alarms.list()) if (a.acknowledged && a.causeActive) a.pausedUntilMs = Infinity;
    return r;
  }
}

/** The syringe holds 20 % more than was loaded: the pump overfills (issue 12, defect 3). */
export class Overfills extends Pump {
  override execute(c: PumpCommand): Reply {
    const r = super.execute(c);
    const k = guts(this).container;
    if (c.cmd === 'PROGRAM' && r.ok && k.volumeMl < Infinity) k.volumeMl *= 1.2;
    return r;
  }
}

/** A passing self-test input puts the pump back in service, no power cycle (issue 12, defect 6). */
export class BackInServiceOnPass extends Pump {
  override execute(c: PumpCommand): Reply {
    const r = super.execute(c);
    if (c.cmd === 'INJECT' && r.ok && c.input.sensor === 'selftest' && c.input.value === 'pass') {
      guts(this).service.out = false;
      guts(this).clearAlarm('SELF_TEST_FAIL');
    }
    return r;
  }
}

/**
 * Skips the bolus limits: every drug of the area is treated as bolusable without limits (and
 * with PCA limits that allow anything) while a BOLUS or a PROGRAM (loading dose, PCA) is judged.
 */
export class SkipsBolusLimits extends Pump {
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
export class RunsUnroundedRate extends Pump {
  override execute(c: PumpCommand): Reply {
    const r = super.execute(c);
    const p = guts(this).infusion.program;
    if ((c.cmd === 'PROGRAM' || c.cmd === 'TITRATE') && r.ok && p && p.exactMlPerH > 0) p.rateMlPerH = p.exactMlPerH;
    return r;
  }
}
