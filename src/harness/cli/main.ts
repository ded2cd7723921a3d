#!/usr/bin/env node
/**
 * The infusim command line. Each command lives in its own file and registers itself here. Only the
 * command named on the command line is loaded (its file brings in what it needs: the MQTT stack,
 * serial ports, the scenario loader); a line without a known command name (`--help`, `--version`,
 * `help run`, a misspelt command) loads them all, in this order, so that help and errors list every
 * command. The commands do not depend on each other, so one registered alone parses as it does
 * among the others; a test spawns the CLI many times, and this keeps each start short.
 */
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { readFileSync } from 'node:fs';
import { PACKAGE_ROOT } from '../paths.js';
import { markRequiredOptions } from './requiredOptions.js';
import { exitOnSignals } from '../net/cleanup.js';

// A terminating signal ends the process through 'exit': temporary broker folders and port locks are removed.
exitOnSignals();

/** Every command: its name and how to register it (the order of `infusim --help`). */
const COMMANDS: [name: string, register: (program: Command) => Promise<void>][] = [
  ['demo', async (p) => (await import('./demoCommand.js')).registerDemo(p)],
  ['console', async (p) => (await import('./consoleCommand.js')).registerConsole(p)],
  ['trumpet', async (p) => (await import('./trumpetCommand.js')).registerTrumpet(p)],
  ['run', async (p) => (await import('./runCommand.js')).registerRun(p)],
  ['device', async (p) => (await import('./deviceCommand.js')).registerDevice(p)],
  ['bench', async (p) => (await import('./benchCommand.js')).registerBench(p)],
  // The runner is passed in: mqtt/ sits below run/.
  ['fleet', async (p) => (await import('./fleetCommand.js')).registerFleet(p, (await import('../run/runScenario.js')).runScenario)],
  ['emulate', async (p) => (await import('./emulateCommand.js')).registerEmulate(p)],
  ['keys', async (p) => (await import('./keysCommand.js')).registerKeys(p)],
  ['firmware', async (p) => (await import('./firmwareCommand.js')).registerFirmware(p)],
  ['library', async (p) => (await import('./libraryCommand.js')).registerLibrary(p)],
  ['train', async (p) => (await import('./trainCommand.js')).registerTrain(p)],
  ['inventory', async (p) => (await import('./inventoryCommand.js')).registerInventory(p)],
  ['advisory', async (p) => (await import('./advisoryCommand.js')).registerAdvisory(p)],
  ['hl7', async (p) => (await import('./hl7Command.js')).registerHl7(p)],
];

const pkg = JSON.parse(readFileSync(`${PACKAGE_ROOT}package.json`, 'utf8')) as { version: string };

const program = new Command();
program
  .name('infusim')
  .description('infusion pump simulator and test harness')
  .version(pkg.version)
  .exitOverride()
  .configureOutput({ outputError: (s, write) => write(s) });

const named = COMMANDS.find(([name]) => name === process.argv[2]);
for (const [, register] of named ? [named] : COMMANDS) await register(program);
markRequiredOptions(program);

try {
  await program.parseAsync(process.argv);
} catch (e) {
  // Commander has printed its own parse errors; an option checked inside an action has not.
  if (e instanceof InvalidArgumentError) process.stderr.write(`error: ${e.message}\n`);
  if (e instanceof CommanderError) process.exit(e.exitCode === 0 ? 0 : 2);
  process.stderr.write(`infusim: ${(e as Error).message}\n`);
  process.exit(2);
}
