import type fc from 'fast-check';
import type { PumpCommand } from '../../../src/sim/protocol/commands.js';
import { formatCommand } from '../../../src/sim/protocol/lineCodec.js';
import type { Pump } from '../../../src/sim/pump/pump.js';
import { round3, valueInZone, type ZonedValue } from './doses.js';
import { KNOWN_BUGS } from '../knownBugs.js';
import { runCommand, type PumpModel, type PumpReal } from './model.js';

/** BOLUS volume= or dose= (in a zone of the drug's bolus limits) [rate=] [override=1]. */
export class BolusCommand implements fc.Command<PumpModel, PumpReal> {
  private resolved = '';
  constructor(
    readonly by: { volumeMl: number } | { dose: ZonedValue },
    readonly rateMlPerH: number | undefined,
    readonly override: boolean,
  ) {}
  check(m: Readonly<PumpModel>): boolean {
    if (KNOWN_BUGS.pcaLimitClinicianBolusSpin && m.mode === 'pca') return false;
    return m.mode !== '-';
  }
  cmd(pump: Pump): PumpCommand {
    if ('volumeMl' in this.by) return { cmd: 'BOLUS', volumeMl: this.by.volumeMl, rateMlPerH: this.rateMlPerH, override: this.override || undefined };
    const entry = pump.currentProgram?.drug?.entry;
    return { cmd: 'BOLUS', dose: round3(valueInZone(entry?.limits.bolusDose, this.by.dose)), rateMlPerH: this.rateMlPerH, override: this.override || undefined };
  }
  run(m: PumpModel, r: PumpReal): void {
    const c = this.cmd(r.pump);
    this.resolved = formatCommand(c);
    runCommand(m, r, c);
  }
  toString(): string {
    const by = 'volumeMl' in this.by ? `volume=${this.by.volumeMl}` : `dose=${this.by.dose.zone}@${this.by.dose.frac.toFixed(3)}`;
    return `BOLUS(${by}${this.rateMlPerH !== undefined ? ` rate=${this.rateMlPerH}` : ''}${this.override ? ' override' : ''})${this.resolved ? ` = ${this.resolved}` : ''}`;
  }
}
