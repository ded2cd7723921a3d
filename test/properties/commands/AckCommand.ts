import type fc from 'fast-check';
import { formatCommand } from '../../../src/sim/protocol/lineCodec.js';
import { runCommand, type PumpModel, type PumpReal } from './model.js';

/** ACK [alarm=ID]: acknowledge one alarm or all. */
export class AckCommand implements fc.Command<PumpModel, PumpReal> {
  constructor(readonly alarm: string | undefined) {}
  check(): boolean {
    return true;
  }
  run(m: PumpModel, r: PumpReal): void {
    runCommand(m, r, { cmd: 'ACK', alarm: this.alarm });
  }
  toString(): string {
    return formatCommand({ cmd: 'ACK', alarm: this.alarm });
  }
}
