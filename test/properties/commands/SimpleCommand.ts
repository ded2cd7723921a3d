import type fc from 'fast-check';
import type { PumpCommand } from '../../../src/sim/protocol/commands.js';
import { formatCommand } from '../../../src/sim/protocol/lineCodec.js';
import { runCommand, type PumpModel, type PumpReal } from './model.js';

type Simple = 'PING' | 'INFO' | 'STATUS' | 'LOG' | 'SILENCE';

/** Commands with no argument that only read (or, SILENCE, pause audio). */
export class SimpleCommand implements fc.Command<PumpModel, PumpReal> {
  constructor(readonly name: Simple) {}
  check(): boolean {
    return true;
  }
  run(m: PumpModel, r: PumpReal): void {
    runCommand(m, r, { cmd: this.name } as PumpCommand);
  }
  toString(): string {
    return formatCommand({ cmd: this.name } as PumpCommand);
  }
}
