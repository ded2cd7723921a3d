import type fc from 'fast-check';
import type { EndAction, PumpCommand } from '../../../../src/sim/protocol/commands.js';
import { formatCommand } from '../../../../src/sim/protocol/lineCodec.js';
import type { RefPump } from '../../../model/refPump.js';
import { runBoth, type RefReal } from '../world.js';

/** PROGRAM rate= vtbi= [end=] [kvo=] [load= loadrate=] [syringe=] [container=]: a basic infusion, in or out of the pump's ranges. */
export class ProgramBasicRef implements fc.Command<RefPump, RefReal> {
  constructor(
    readonly rateMlPerH: number,
    readonly vtbiMl: number,
    readonly endAction: EndAction | undefined,
    readonly kvoMlPerH: number | undefined,
    readonly load: { ml: number; rateMlPerH: number | undefined } | undefined = undefined,
    /** syringe= and container= (docs/protocol.md, "What is loaded"). */
    readonly loaded: { syringeMl?: number | undefined; containerMl?: number | undefined } = {},
  ) {}
  check(): boolean {
    return true;
  }
  cmd(): PumpCommand {
    return { cmd: 'PROGRAM', rateMlPerH: this.rateMlPerH, vtbiMl: this.vtbiMl, endAction: this.endAction, kvoMlPerH: this.kvoMlPerH, load: this.load?.ml, loadRateMlPerH: this.load?.rateMlPerH, syringeMl: this.loaded.syringeMl, containerMl: this.loaded.containerMl };
  }
  run(m: RefPump, r: RefReal): void {
    runBoth(m, r, this.cmd(), 'PROGRAM basic');
  }
  toString(): string {
    return formatCommand(this.cmd());
  }
}
