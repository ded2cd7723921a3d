import type fc from 'fast-check';
import { runCommand, type PumpModel, type PumpReal } from './model.js';

/** TICK ms=: move virtual time through the protocol. */
export class TickCommand implements fc.Command<PumpModel, PumpReal> {
  constructor(readonly ms: number) {}
  check(): boolean {
    return true;
  }
  run(m: PumpModel, r: PumpReal): void {
    runCommand(m, r, { cmd: 'TICK', ms: this.ms });
  }
  toString(): string {
    return `TICK ms=${this.ms}`;
  }
}
