import type fc from 'fast-check';
import type { EndAction, PumpCommand } from '../../../../src/sim/protocol/commands.js';
import { formatCommand } from '../../../../src/sim/protocol/lineCodec.js';
import type { RefPump } from '../../../model/refPump.js';
import { round3, valueInZone, type ZonedValue } from '../../commands/doses.js';
import { runBoth, type RefReal } from '../world.js';

/**
 * PROGRAM drug= dose= weight= vtbi= [end=] [override=1]: a drug of the reference's care area,
 * the dose in a zone of its limits (the arguments come from the model, never from the pump).
 */
export class ProgramDrugRef implements fc.Command<RefPump, RefReal> {
  private resolved = '';
  constructor(
    readonly drugIdx: number,
    readonly dose: ZonedValue,
    /** 0 to 1 across the area's weight range; above 1 is out of range. */
    readonly weightFrac: number,
    /** 0 to 1 of the drug's VTBI limit (or the pump's maximum). */
    readonly vtbiFrac: number,
    readonly endAction: EndAction | undefined,
    readonly override: boolean,
    readonly drugId: string | undefined,
    /** Send START right after an accepted program (drug infusions then run more often). */
    readonly thenStart = false,
    /** A loading dose in a zone of the drug's bolus limits (a drug with no bolus unit gets 1). */
    readonly load: ZonedValue | undefined = undefined,
    /** Pick among the area's drugs that have bolus limits (so boluses and their limits are reached). */
    readonly bolusDrug = false,
    /** syringe= and container= (docs/protocol.md, "What is loaded"). */
    readonly loaded: { syringeMl?: number | undefined; containerMl?: number | undefined } = {},
  ) {}
  check(m: Readonly<RefPump>): boolean {
    return m.area !== undefined;
  }
  cmd(m: RefPump): PumpCommand {
    const all = m.area?.drugs ?? [];
    const withBolus = all.filter((d) => d.limits.bolusDose !== undefined);
    const drugs = this.bolusDrug && withBolus.length > 0 ? withBolus : all;
    const entry = drugs[this.drugIdx % Math.max(1, drugs.length)];
    if (!m.area || !entry) return { cmd: 'PROGRAM', drugId: this.drugId ?? 'nodrug', dose: 1, vtbiMl: 10 };
    const w = m.area.weightKg ?? { min: 0.5, max: 200 };
    const vtbiMax = Math.min(m.type.maxVtbiMl, entry.limits.vtbiMl?.upperHard ?? m.type.maxVtbiMl);
    return {
      cmd: 'PROGRAM',
      drugId: this.drugId ?? entry.id,
      dose: round3(valueInZone(entry.limits.doseRate, this.dose)),
      weightKg: Math.round((w.min + (w.max - w.min) * this.weightFrac) * 10) / 10,
      vtbiMl: Math.max(0.1, Math.round(vtbiMax * this.vtbiFrac * 10) / 10),
      endAction: this.endAction,
      load: this.load ? (entry.bolusUnit ? round3(valueInZone(entry.limits.bolusDose, this.load)) : 1) : undefined,
      override: this.override || undefined,
      syringeMl: this.loaded.syringeMl,
      containerMl: this.loaded.containerMl,
    };
  }
  run(m: RefPump, r: RefReal): void {
    const c = this.cmd(m);
    this.resolved = formatCommand(c);
    const reply = runBoth(m, r, c, 'PROGRAM drug');
    if (this.thenStart && reply.ok) runBoth(m, r, { cmd: 'START' }, 'START');
  }
  toString(): string {
    return `PROGRAM(drug#${this.drugIdx}${this.bolusDrug ? '(bolus)' : ''}${this.drugId ? `=${this.drugId}` : ''} dose=${this.dose.zone}@${this.dose.frac.toFixed(3)} w=${this.weightFrac.toFixed(2)} vtbi=${this.vtbiFrac.toFixed(3)}${this.override ? ' override' : ''}${this.load ? ` load=${this.load.zone}` : ''}${this.thenStart ? ' +START' : ''})${this.resolved ? ` = ${this.resolved}` : ''}`;
  }
}
