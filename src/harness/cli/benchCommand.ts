import { InvalidArgumentError, type Command } from 'commander';
import { SerialPort } from 'serialport';
import { formatTable } from '../bench/report.js';
import { runBench } from '../bench/runBench.js';
import { loadLibraryFile } from '../paths.js';
import { parseSeed } from './options.js';

function parseWhole(what: string, min: number, max: number): (text: string) => number {
  return (text) => {
    const n = Number(text);
    if (!/^\d{1,9}$/.test(text) || n < min || n > max) throw new InvalidArgumentError(`${what} must be a whole number from ${min} to ${max}, got "${text}"`);
    return n;
  };
}

function parsePath(text: string): string {
  if (!/^\d{1,9}(:\d{1,9}){0,999}$/.test(text)) throw new InvalidArgumentError(`--path is the path a failure printed: numbers separated by colons, e.g. 93:1, got "${text}"`);
  return text;
}

interface BenchOpts {
  port?: string;
  baud: number;
  runs: number;
  seed: number;
  path?: string;
  replayPath?: string;
  timeoutMs: number;
  maxCommands: number;
  only?: string;
  model: boolean;
  library?: string;
  list?: boolean;
  quiet?: boolean;
}

export function registerBench(program: Command): void {
  const cmd = program
    .command('bench')
    .description('drive a device under test over a serial port: conformance suite, then model-based runs against the Pump model; prints a pass/fail table')
    .option('--port <path>', 'serial port of the device under test')
    .option('--baud <n>', 'baud rate', parseWhole('--baud', 300, 4_000_000), 115_200)
    .option('--runs <n>', 'property runs per model aspect', parseWhole('--runs', 1, 100_000), 100)
    .option('--seed <n>', 'seed of the property runs and garbage bytes', parseSeed, 1)
    .option('--path <path>', 'replay one model-based run: the path a failure printed, with its --seed (e.g. 93:1)', parsePath)
    .option('--replay-path <text>', 'with --path: which commands of the run ran, as the failure printed it')
    .option('--timeout-ms <ms>', 'wait for any one reply', parseWhole('--timeout-ms', 10, 600_000), 2000)
    .option('--max-commands <n>', 'commands per property run', parseWhole('--max-commands', 1, 1000), 25)
    .option('--only <names>', 'comma-separated parts of check names to run (e.g. "ERR,model")')
    .option('--no-model', 'skip the model-based property runs')
    .option('--library <file>', 'drug library of the oracle (default: the shipped one)')
    .option('--list', 'list serial ports and exit')
    .option('--quiet', 'print only the table')
    .action(async (opts: BenchOpts) => {
      if (opts.list) {
        const ports = await SerialPort.list();
        if (ports.length === 0) process.stdout.write('no serial ports found (a socat pty pair is not listed; give its path to --port)\n');
        for (const p of ports) process.stdout.write(`${p.path}\t${p.manufacturer ?? '-'}\t${p.serialNumber ?? '-'}\t${p.vendorId ?? '-'}:${p.productId ?? '-'}\n`);
        process.exit(0);
      }
      const port = opts.port;
      if (!port) {
        cmd.error('error: --port <path> is required (or --list)', { exitCode: 2, code: 'infusim.bench.port' });
        return;
      }
      const log = opts.quiet ? undefined : (s: string): void => void process.stderr.write(`${s}\n`);
      const { results, exitCode } = await runBench({
        port,
        baudRate: opts.baud,
        runs: opts.runs,
        seed: opts.seed,
        ...(opts.path ? { path: opts.path } : {}),
        ...(opts.replayPath ? { replayPath: opts.replayPath } : {}),
        timeoutMs: opts.timeoutMs,
        maxCommands: opts.maxCommands,
        noModel: !opts.model,
        ...(opts.only ? { only: opts.only.split(',').filter(Boolean) } : {}),
        ...(opts.library ? { library: loadLibraryFile(opts.library) } : {}),
        ...(log ? { log } : {}),
      });
      process.stdout.write(`${formatTable(results)}\n`);
      process.exit(exitCode);
    });
}
