import type fc from 'fast-check';
import type { PumpCommand } from '../../../../src/sim/protocol/commands.js';
import { formatCommand } from '../../../../src/sim/protocol/lineCodec.js';
import type { RefPump } from '../../../model/refPump.js';
import { round3, valueInZone, type ZonedValue } from '../../commands/doses.js';
import { runBoth, type RefReal } from '../world.js';

/** TITRATE rate= or dose= (in a zone of the reference program's drug limits) [override=1]. */
export class TitrateRef implements fc.Command<RefPump, RefReal> {
  private resolved = '';
  constructor(
    readonly by: { rateMlPerH: number } | { dose: ZonedValue },
    readonly override: boolean,
  ) {}
  check(m: Readonly<RefPump>): boolean {
    // Titrating a PCA basal is not generated (the reference's PCA programs have no basal).
    return m.program !== undefined && m.program.mode !== 'pca';
  }
  cmd(m: RefPump): PumpCommand {
    if ('rateMlPerH' in this.by) return { cmd: 'TITRATE', rateMlPerH: this.by.rateMlPerH, override: this.override || undefined };
    const entry = m.program?.drug?.entry;
    return { cmd: 'TITRATE', dose: round3(valueInZone(entry?.limits.doseRate, this.by.dose)), override: this.override || undefined };
  }
  run(m: RefPump, r: RefReal): void {
    const c = this.cmd(m);
    this.resolved = formatCommand(c);
    runBoth(m, r, c, 'rateMlPerH' in this.by ? 'TITRATE rate' : 'TITRATE dose');
  }
  toString(): string {
    const by = 'rateMlPerH' in this.by ? `rate=${this.by.rateMlPerH}` : `dose=${this.by.dose.zone}@${this.by.dose.frac.toFixed(3)}`;
    return `TITRATE(${by}${this.override ? ' override' : ''})${this.resolved ? ` = ${this.resolved}` : ''}`;
  }
}
