import type fc from 'fast-check';
import { KNOWN_BUGS } from '../knownBugs.js';
import { runCommand, type PumpModel, type PumpReal } from './model.js';

/** AREA id=: select a care area of the loaded drug library (or an unknown one). */
export class AreaCommand implements fc.Command<PumpModel, PumpReal> {
  constructor(readonly id: string) {}
  check(m: Readonly<PumpModel>): boolean {
    if (KNOWN_BUGS.areaChangeKeepsDrugProgram && m.state === 'PROGRAMMED' && m.mode === 'drug') return false;
    return m.hasLibrary;
  }
  run(m: PumpModel, r: PumpReal): void {
    runCommand(m, r, { cmd: 'AREA', id: this.id });
  }
  toString(): string {
    return `AREA id=${this.id}`;
  }
}
