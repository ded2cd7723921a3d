import type { Command } from 'commander';
import { Pump } from '../../sim/pump/pump.js';
import { pumpTypeById } from '../../sim/pump/pumpTypes.js';
import type { EventLog } from '../../sim/trace/eventLog.js';
import { ConsoleSession } from '../console/consoleSession.js';
import { DEFAULT_LIBRARY_PATH, loadLibraryFile } from '../paths.js';
import { areaProblem, parseMs, parsePumpId, parseSeed } from './options.js';

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
      const makePump = (startMs: number, log?: EventLog): Pump => new Pump({ type: pumpTypeById(opts.pump), seed: opts.seed, library, areaId: opts.area, startMs, log });
      const pump = makePump(0);
      const session = new ConsoleSession(pump, { statusEveryMs: opts.statusEvery, freshPump: makePump });
      if (process.stdin.isTTY === true) process.stdout.write(`infusim console: ${pump.type.name}, ${library.name} ${library.version}, area ${opts.area}. "help" for help.\n`);
      // Bytes as bytes (latin1: one character per byte), framed by the same LineSession as
      // `infusim device`: a line ends at LF only, and a byte outside printable ASCII is BAD_CHAR.
      process.stdin.on('data', (data: Buffer) => {
        const out = session.feed(data.toString('latin1'));
        if (out.length) process.stdout.write(out.join('\n') + '\n');
        if (session.quit) {
          process.stdin.pause();
          process.exit(0);
        }
      });
      process.stdin.on('end', () => process.exit(0));
    });
}
