import type fc from 'fast-check';
import { runCommand, type PumpModel, type PumpReal } from './model.js';

/** STOP: end the infusion and clear the program. */
export class StopCommand implements fc.Command<PumpModel, PumpReal> {
  check(m: Readonly<PumpModel>): boolean {
    return m.mode !== '-';
  }
  run(m: PumpModel, r: PumpReal): void {
    runCommand(m, r, { cmd: 'STOP' });
  }
  toString(): string {
    return 'STOP';
  }
}
