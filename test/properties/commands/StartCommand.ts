import type fc from 'fast-check';
import { runCommand, type PumpModel, type PumpReal } from './model.js';

/** START the entered program (a loading dose first, if any). */
export class StartCommand implements fc.Command<PumpModel, PumpReal> {
  check(m: Readonly<PumpModel>): boolean {
    return m.mode !== '-';
  }
  run(m: PumpModel, r: PumpReal): void {
    runCommand(m, r, { cmd: 'START' });
  }
  toString(): string {
    return 'START';
  }
}
