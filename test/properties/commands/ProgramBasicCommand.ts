import type fc from 'fast-check';
import type { EndAction, PumpCommand } from '../../../src/sim/protocol/commands.js';
import { formatCommand } from '../../../src/sim/protocol/lineCodec.js';
import { runCommand, type PumpModel, type PumpReal } from './model.js';

/** PROGRAM rate= vtbi= [end=] [kvo=] [load= loadrate=]: a basic (non-library) infusion, in or out of range. */
export class ProgramBasicCommand implements fc.Command<PumpModel, PumpReal> {
  constructor(
    readonly rateMlPerH: number,
    readonly vtbiMl: number,
    readonly endAction: EndAction | undefined,
    readonly kvoMlPerH: number | undefined,
    readonly load: { ml: number; rateMlPerH: number | undefined } | undefined,
  ) {}
  check(): boolean {
    return true;
  }
  cmd(): PumpCommand {
    return { cmd: 'PROGRAM', rateMlPerH: this.rateMlPerH, vtbiMl: this.vtbiMl, endAction: this.endAction, kvoMlPerH: this.kvoMlPerH, load: this.load?.ml, loadRateMlPerH: this.load?.rateMlPerH };
  }
  run(m: PumpModel, r: PumpReal): void {
    runCommand(m, r, this.cmd());
  }
  toString(): string {
    return formatCommand(this.cmd());
  }
}
