import type fc from 'fast-check';
import { runCommand, type PumpModel, type PumpReal } from './model.js';

/** PAUSE the infusion. */
export class PauseCommand implements fc.Command<PumpModel, PumpReal> {
  check(m: Readonly<PumpModel>): boolean {
    return m.mode !== '-';
  }
  run(m: PumpModel, r: PumpReal): void {
    runCommand(m, r, { cmd: 'PAUSE' });
  }
  toString(): string {
    return 'PAUSE';
  }
}
