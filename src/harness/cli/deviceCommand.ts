import { InvalidArgumentError, type Command } from 'commander';
import { DEFAULT_LIBRARY_PATH, loadLibraryFile } from '../paths.js';
import { SerialDevice } from '../serial/device.js';
import { areaProblem, parseChoice, parseMs, parseSeed } from './options.js';

function parseBaud(text: string): number {
  if (!/^\d{3,7}$/.test(text)) throw new InvalidArgumentError(`baud must be a whole number such as 115200, got "${text}"`);
  return Number(text);
}

interface DeviceOpts {
  port: string;
  baud: number;
  pump: 'lvp' | 'syringe';
  seed: number;
  clock: 'virtual' | 'real';
  statusEvery: number;
  library: string;
  area: string;
}

export function registerDevice(program: Command): void {
  const cmd = program
    .command('device')
    .description('a simulated pump served on a serial port (pseudo-terminal or USB-serial adapter), speaking the line protocol')
    .requiredOption('--port <path>', 'serial port to serve, e.g. /dev/ttyUSB0 or one end of a socat pty pair')
    .option('--baud <n>', 'baud rate', parseBaud, 115_200)
    .option('--pump <type>', 'pump type: lvp or syringe', parseChoice(['lvp', 'syringe'] as const, '--pump'), 'lvp')
    .option('--seed <n>', 'seed of the pump mechanism', parseSeed, 1)
    .option('--clock <clock>', 'virtual (time moves on TICK) or real (pump time follows the wall clock; TICK is NOT_SUPPORTED)', parseChoice(['virtual', 'real'] as const, '--clock'), 'virtual')
    .option('--status-every <ms>', 'emit a * STATUS line every this many ms of pump time (0: never)', parseMs, 0)
    .option('--library <file>', 'drug library (JSON)', DEFAULT_LIBRARY_PATH)
    .option('--area <id>', 'care area of the library', 'icu')
    .action(async (opts: DeviceOpts) => {
      const library = loadLibraryFile(opts.library);
      const bad = areaProblem(library, opts.area);
      if (bad) {
        cmd.error(`error: ${bad}`, { exitCode: 2, code: 'infusim.device.area' });
        return;
      }
      const note = (s: string): void => void process.stderr.write(`infusim device: ${s}\n`);
      const device = await SerialDevice.start({
        path: opts.port,
        baudRate: opts.baud,
        pumpType: opts.pump,
        seed: opts.seed,
        clock: opts.clock,
        statusEveryMs: opts.statusEvery,
        library,
        areaId: opts.area,
        onNote: note,
      });
      note(`ready on ${opts.port} (${opts.pump}, clock ${opts.clock}, ${opts.baud} baud, seed ${opts.seed})`);
      const stop = (): void => {
        void device.close().then(() => process.exit(0));
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      const reason = await device.done;
      if (reason !== 'closed') {
        note(`stopping: ${reason}`);
        process.exit(1);
      }
    });
}
