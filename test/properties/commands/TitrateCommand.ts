import type fc from 'fast-check';
import type { PumpCommand } from '../../../src/sim/protocol/commands.js';
import { formatCommand } from '../../../src/sim/protocol/lineCodec.js';
import type { Pump } from '../../../src/sim/pump/pump.js';
import { round3, valueInZone, type ZonedValue } from './doses.js';
import { KNOWN_BUGS } from '../knownBugs.js';
import { runCommand, type PumpModel, type PumpReal } from './model.js';

/** TITRATE rate= or dose= (in a zone of the running drug's limits) [override=1]. */
export class TitrateCommand implements fc.Command<PumpModel, PumpReal> {
  private resolved = '';
  constructor(
    readonly by: { rateMlPerH: number } | { dose: ZonedValue },
    readonly override: boolean,
  ) {}
  check(m: Readonly<PumpModel>): boolean {
    if (KNOWN_BUGS.pcaBasalAtLimitSpin && m.mode === 'pca') return false;
    return m.mode !== '-';
  }
  cmd(pump: Pump): PumpCommand {
    if ('rateMlPerH' in this.by) return { cmd: 'TITRATE', rateMlPerH: this.by.rateMlPerH, override: this.override || undefined };
    const entry = pump.currentProgram?.drug?.entry;
    return { cmd: 'TITRATE', dose: round3(valueInZone(entry?.limits.doseRate, this.by.dose)), override: this.override || undefined };
  }
  run(m: PumpModel, r: PumpReal): void {
    const c = this.cmd(r.pump);
    this.resolved = formatCommand(c);
    runCommand(m, r, c);
  }
  toString(): string {
    const by = 'rateMlPerH' in this.by ? `rate=${this.by.rateMlPerH}` : `dose=${this.by.dose.zone}@${this.by.dose.frac.toFixed(3)}`;
    return `TITRATE(${by}${this.override ? ' override' : ''})${this.resolved ? ` = ${this.resolved}` : ''}`;
  }
}
