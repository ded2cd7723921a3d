import type fc from 'fast-check';
import type { EndAction, PumpCommand } from '../../../../src/sim/protocol/commands.js';
import { formatCommand } from '../../../../src/sim/protocol/lineCodec.js';
import type { RefPump } from '../../../model/refPump.js';
import { runBoth, type RefReal } from '../world.js';

/**
 * PROGRAM mode=pca demand= lockout= limit= window= vtbi= [drug= [weight=]] [override=1], no basal: with no
 * drug (logged NO_LIBRARY), morphine (a `pca` entry in the library), heparin (none: NO_BOLUS), or a
 * drug not in the library. `limitDemands` sets the limit as a number of demand doses, so DEMAND
 * reaches the window limit (PCA_LIMIT, a cut demand) within a run.
 */
export class ProgramPcaRef implements fc.Command<RefPump, RefReal> {
  private resolved = '';
  constructor(
    readonly drugId: string | undefined,
    readonly demandMl: number,
    readonly lockoutMin: number,
    readonly limitDemands: number,
    readonly windowH: number,
    readonly vtbiMl: number,
    readonly endAction: EndAction | undefined,
    readonly override: boolean,
    readonly thenStart: boolean,
    readonly weightKg: number | undefined = undefined,
  ) {}
  check(): boolean {
    return true;
  }
  cmd(m?: RefPump): PumpCommand {
    return {
      cmd: 'PROGRAM',
      mode: 'pca',
      drugId: this.drugId,
      weightKg: this.drugId !== undefined ? this.weightKg : undefined,
      demandMl: this.demandMl,
      lockoutMin: this.lockoutMin,
      limitMl: Math.round(this.demandMl * this.limitDemands * 100) / 100,
      windowH: this.windowH,
      // Within what the pump type loads (a syringe holds 50 mL), so that most programs run.
      vtbiMl: m ? Math.min(this.vtbiMl, m.type.maxVtbiMl) : this.vtbiMl,
      endAction: this.endAction,
      override: this.override || undefined,
    };
  }
  run(m: RefPump, r: RefReal): void {
    this.resolved = formatCommand(this.cmd(m));
    const reply = runBoth(m, r, this.cmd(m), 'PROGRAM pca');
    if (this.thenStart && reply.ok) runBoth(m, r, { cmd: 'START' }, 'START');
  }
  toString(): string {
    return `${this.resolved || formatCommand(this.cmd())}${this.thenStart ? ' +START' : ''}`;
  }
}
