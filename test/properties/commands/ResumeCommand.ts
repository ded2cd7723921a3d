import type fc from 'fast-check';
import { runCommand, type PumpModel, type PumpReal } from './model.js';

/** RESUME after a pause or an alarm (refused while a flow-stopping alarm is active). */
export class ResumeCommand implements fc.Command<PumpModel, PumpReal> {
  check(m: Readonly<PumpModel>): boolean {
    return m.mode !== '-';
  }
  run(m: PumpModel, r: PumpReal): void {
    runCommand(m, r, { cmd: 'RESUME' });
  }
  toString(): string {
    return 'RESUME';
  }
}
