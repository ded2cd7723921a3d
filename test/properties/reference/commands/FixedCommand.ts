import type fc from 'fast-check';
import type { PumpCommand } from '../../../../src/sim/protocol/commands.js';
import { formatCommand } from '../../../../src/sim/protocol/lineCodec.js';
import type { RefPump } from '../../../model/refPump.js';
import { runBoth, type RefReal } from '../world.js';

/** A command whose arguments do not depend on the model: START, PAUSE, ACK, INJECT, AREA, PING... */
export class FixedCommand implements fc.Command<RefPump, RefReal> {
  constructor(
    readonly cmd: PumpCommand,
    /** The coverage label (defaults to the command name). */
    readonly label: string = cmd.cmd,
  ) {}
  check(): boolean {
    return true;
  }
  run(m: RefPump, r: RefReal): void {
    runBoth(m, r, this.cmd, this.label);
  }
  toString(): string {
    return formatCommand(this.cmd);
  }
}
