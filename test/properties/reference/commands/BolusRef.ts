import type fc from 'fast-check';
import type { PumpCommand } from '../../../../src/sim/protocol/commands.js';
import { formatCommand } from '../../../../src/sim/protocol/lineCodec.js';
import { bolusDoseToMl } from '../../../model/doseMath.js';
import type { RefPump } from '../../../model/refPump.js';
import { round3, valueInZone, type ZonedValue } from '../../commands/doses.js';
import { runBoth, type RefReal } from '../world.js';

/**
 * BOLUS by volume or by dose, [rate=] [override=1]. The dose is chosen in a zone of the drug's
 * bolus limits; `asVolume` asks for the same amount in mL, so a bolus limit that holds by dose but
 * not by volume (issue 12, item 1) shows.
 */
export class BolusRef implements fc.Command<RefPump, RefReal> {
  private resolved = '';
  constructor(
    readonly by: { volumeMl: number } | { dose: ZonedValue; asVolume: boolean },
    readonly rateMlPerH: number | undefined,
    readonly override: boolean,
    /** Only on a running drug infusion with a bolus entry (to reach the bolus limits more often). */
    readonly onlyWhenRunningDrug = false,
  ) {}
  check(m: Readonly<RefPump>): boolean {
    // A clinician bolus on a PCA program is not generated (how the window counts it during a basal is not pinned down).
    if (m.program?.mode === 'pca') return false;
    if (this.onlyWhenRunningDrug) return m.state === 'RUNNING' && m.program?.drug?.entry.limits.bolusDose !== undefined;
    return m.program !== undefined;
  }
  cmd(m: RefPump): PumpCommand {
    const base = { cmd: 'BOLUS' as const, rateMlPerH: this.rateMlPerH, override: this.override || undefined };
    if ('volumeMl' in this.by) return { ...base, volumeMl: this.by.volumeMl };
    const drug = m.program?.drug;
    const dose = round3(valueInZone(drug?.entry.limits.bolusDose, this.by.dose));
    if (this.by.asVolume && drug?.bolusUnit) return { ...base, volumeMl: round3(bolusDoseToMl(dose, drug.bolusUnit, drug.entry.concentration, drug.weightKg)) };
    return { ...base, dose };
  }
  run(m: RefPump, r: RefReal): void {
    const c = this.cmd(m);
    this.resolved = formatCommand(c);
    runBoth(m, r, c, c.cmd === 'BOLUS' && c.dose !== undefined ? 'BOLUS dose' : 'BOLUS volume');
  }
  toString(): string {
    const by = 'volumeMl' in this.by ? `volume=${this.by.volumeMl}` : `dose=${this.by.dose.zone}@${this.by.dose.frac.toFixed(3)}${this.by.asVolume ? ' as mL' : ''}`;
    return `BOLUS(${by}${this.rateMlPerH !== undefined ? ` rate=${this.rateMlPerH}` : ''}${this.override ? ' override' : ''})${this.resolved ? ` = ${this.resolved}` : ''}`;
  }
}
