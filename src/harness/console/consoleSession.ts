/**
 * The line session of `infusim console`: the very `LineSession` the serial device uses (bytes in,
 * lines out, one framing for every front end: docs/protocol.md, Lines), plus two console words
 * a person may type on a line of their own: `help` and `quit` (or `exit`).
 */
import { LineSession, type LineSessionOptions } from '../../sim/session/lineSession.js';
import type { Pump } from '../../sim/pump/pump.js';

export const CONSOLE_HELP = `Type protocol requests: <id> <COMMAND> key=value ... (docs/protocol.md). Time moves only with TICK.
Examples:
  1 PROGRAM drug=heparin dose=18 weight=80 vtbi=250
  2 START
  3 TICK ms=600000
  4 INJECT occlusion=down
  5 STATUS
Console only: "help" shows this, "quit" leaves.`;

export class ConsoleSession extends LineSession {
  /** Set by `quit` or `exit`; later lines are ignored. */
  quit = false;

  constructor(pump: Pump, options: LineSessionOptions = {}) {
    super(pump, options);
  }

  override handleLine(line: string, out: string[] = []): string[] {
    if (this.quit) return out;
    const word = line.trim().toLowerCase();
    if (word === 'quit' || word === 'exit') {
      this.quit = true;
      return out;
    }
    if (word === 'help') {
      out.push(...CONSOLE_HELP.split('\n'));
      return out;
    }
    return super.handleLine(line, out);
  }
}
