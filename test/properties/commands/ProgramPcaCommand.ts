import type fc from 'fast-check';
import type { PumpCommand } from '../../../src/sim/protocol/commands.js';
import { formatCommand } from '../../../src/sim/protocol/lineCodec.js';
import { KNOWN_BUGS } from '../knownBugs.js';
import { runCommand, type PumpModel, type PumpReal } from './model.js';

/** PROGRAM mode=pca basal= demand= lockout= limit= window= vtbi=: in or out of range. */
export class ProgramPcaCommand implements fc.Command<PumpModel, PumpReal> {
  constructor(
    readonly basalMlPerH: number | undefined,
    readonly demandMl: number,
    readonly lockoutMin: number,
    readonly limitMl: number,
    readonly windowH: number,
    readonly vtbiMl: number,
    readonly endAction: 'stop' | 'kvo' | 'continue' | undefined,
    /** A library drug held to its PCA limits (issue 12, defect 9), or none (logged NO_LIBRARY). */
    readonly drugId?: string | undefined,
  ) {}
  check(): boolean {
    return true;
  }
  cmd(): PumpCommand {
    return { cmd: 'PROGRAM', mode: 'pca', rateMlPerH: KNOWN_BUGS.pcaBasalAtLimitSpin ? undefined : this.basalMlPerH, demandMl: this.demandMl, lockoutMin: this.lockoutMin, limitMl: this.limitMl, windowH: this.windowH, vtbiMl: this.vtbiMl, endAction: this.endAction, drugId: this.drugId };
  }
  run(m: PumpModel, r: PumpReal): void {
    runCommand(m, r, this.cmd());
  }
  toString(): string {
    return formatCommand(this.cmd());
  }
}
