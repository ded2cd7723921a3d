import type fc from 'fast-check';
import type { PumpCommand } from '../../../src/sim/protocol/commands.js';
import { formatCommand } from '../../../src/sim/protocol/lineCodec.js';
import type { Pump } from '../../../src/sim/pump/pump.js';
import { round3, valueInZone, type ZonedValue } from './doses.js';
import { runCommand, type PumpModel, type PumpReal } from './model.js';

/**
 * PROGRAM drug= dose= weight= vtbi= [load=] [override=1]: a library drug, the dose chosen in a
 * zone of its limits (below hard, low soft, normal, high soft, above hard) of the selected area.
 */
export class ProgramDrugCommand implements fc.Command<PumpModel, PumpReal> {
  private resolved = '';
  constructor(
    readonly drugIdx: number,
    readonly dose: ZonedValue,
    /** 0 to 1 across the area's weight range; above 1 is out of range. */
    readonly weightFrac: number,
    /** 0 to 1 of the drug's VTBI limit (or the pump's maximum). */
    readonly vtbiFrac: number,
    readonly load: ZonedValue | undefined,
    readonly override: boolean,
    readonly drugId: string | undefined,
  ) {}
  check(m: Readonly<PumpModel>): boolean {
    return m.hasLibrary;
  }
  cmd(pump: Pump): PumpCommand {
    const area = pump.careArea;
    const drugs = area?.drugs ?? [];
    const entry = drugs[this.drugIdx % Math.max(1, drugs.length)];
    if (!area || !entry) return { cmd: 'PROGRAM', drugId: this.drugId ?? 'nodrug', dose: 1, vtbiMl: 10 };
    const w = area.weightKg ?? { min: 0.5, max: 200 };
    const vtbiMax = Math.min(pump.type.maxVtbiMl, entry.limits.vtbiMl?.upperHard ?? pump.type.maxVtbiMl);
    return {
      cmd: 'PROGRAM',
      drugId: this.drugId ?? entry.id,
      dose: round3(valueInZone(entry.limits.doseRate, this.dose)),
      weightKg: Math.round((w.min + (w.max - w.min) * this.weightFrac) * 10) / 10,
      vtbiMl: Math.max(0.1, Math.round(vtbiMax * this.vtbiFrac * 10) / 10),
      load: this.load && entry.bolusUnit ? round3(valueInZone(entry.limits.bolusDose, this.load)) : undefined,
      override: this.override || undefined,
    };
  }
  run(m: PumpModel, r: PumpReal): void {
    const c = this.cmd(r.pump);
    this.resolved = formatCommand(c);
    runCommand(m, r, c);
  }
  toString(): string {
    return `PROGRAM(drug#${this.drugIdx}${this.drugId ? `=${this.drugId}` : ''} dose=${this.dose.zone}@${this.dose.frac.toFixed(3)} w=${this.weightFrac.toFixed(2)} vtbi=${this.vtbiFrac.toFixed(3)}${this.load ? ` load=${this.load.zone}` : ''}${this.override ? ' override' : ''})${this.resolved ? ` = ${this.resolved}` : ''}`;
  }
}
