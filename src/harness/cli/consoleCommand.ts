import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { Pump } from '../../sim/pump/pump.js';
import { pumpTypeById } from '../../sim/pump/pumpTypes.js';
import { LineSession } from '../../sim/protocol/lineSession.js';
import { DEFAULT_LIBRARY_PATH, loadLibraryFile } from '../paths.js';
import { areaProblem, parseMs, parsePumpId, parseSeed } from './options.js';

const HELP = `Type protocol requests: <id> <COMMAND> key=value ... (docs/protocol.md). Time moves only with TICK.
Examples:
  1 PROGRAM drug=heparin dose=18 weight=80 vtbi=250
  2 START
  3 TICK ms=600000
  4 INJECT occlusion=down
  5 STATUS
Console only: "help" shows this, "quit" leaves.`;

export function registerConsole(program: Command): void {
  const cmd = program
    .command('console')
    .description('a simulated pump on stdin/stdout speaking the line protocol, in virtual time')
    .option('--pump <type>', 'pump type: lvp or syringe', parsePumpId, 'lvp')
    .option('--seed <n>', 'seed of the pump mechanism', parseSeed, 1)
    .option('--library <file>', 'drug library (JSON)', DEFAULT_LIBRARY_PATH)
    .option('--area <id>', 'care area of the library', 'icu')
    .option('--status-every <ms>', 'print a status line every this many ms of pump time during TICK (0: never)', parseMs, 0)
    .action((opts: { pump: string; seed: number; library: string; area: string; statusEvery: number }) => {
      const library = loadLibraryFile(opts.library);
      const bad = areaProblem(library, opts.area);
      if (bad) {
        cmd.error(`error: ${bad}`, { exitCode: 2, code: 'infusim.console.area' });
        return;
      }
      const pump = new Pump({ type: pumpTypeById(opts.pump), seed: opts.seed, library, areaId: opts.area });
      const session = new LineSession(pump, { statusEveryMs: opts.statusEvery });
      const interactive = process.stdin.isTTY === true;
      if (interactive) process.stdout.write(`infusim console: ${pump.type.name}, ${library.name} ${library.version}, area ${opts.area}. "help" for help.\n`);
      const rl = createInterface({ input: process.stdin, terminal: false });
      rl.on('line', (line) => {
        const word = line.trim().toLowerCase();
        if (word === 'quit' || word === 'exit') {
          rl.close();
          return;
        }
        if (word === 'help') {
          process.stdout.write(HELP + '\n');
          return;
        }
        const out = session.feed(line + '\n');
        if (out.length) process.stdout.write(out.join('\n') + '\n');
      });
      rl.on('close', () => process.exit(0));
    });
}
