#!/usr/bin/env node
/** The infusim command line. Each command lives in its own file and registers itself here. */
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { readFileSync } from 'node:fs';
import { registerConsole } from './consoleCommand.js';
import { registerDemo } from './demoCommand.js';
import { registerTrumpet } from './trumpetCommand.js';
import { registerRun } from './runCommand.js';
import { registerDevice } from './deviceCommand.js';
import { registerBench } from './benchCommand.js';
import { registerFleet } from './fleetCommand.js'; // infusim fleet (MQTT)
import { runScenario } from '../run/runScenario.js';
import { registerEmulate } from './emulateCommand.js';
import { registerKeys } from './keysCommand.js';
import { registerFirmware } from './firmwareCommand.js';
import { registerLibrary } from './libraryCommand.js';
import { registerTrain } from './trainCommand.js';
import { registerInventory } from './inventoryCommand.js';
import { registerAdvisory } from './advisoryCommand.js';
import { registerHl7 } from './hl7Command.js';
import { PACKAGE_ROOT } from '../paths.js';
import { markRequiredOptions } from './requiredOptions.js';
import { exitOnSignals } from '../net/cleanup.js';

// A terminating signal ends the process through 'exit': temporary broker folders and port locks are removed.
exitOnSignals();

const pkg = JSON.parse(readFileSync(`${PACKAGE_ROOT}package.json`, 'utf8')) as { version: string };

const program = new Command();
program
  .name('infusim')
  .description('infusion pump simulator and test harness')
  .version(pkg.version)
  .exitOverride()
  .configureOutput({ outputError: (s, write) => write(s) });

registerDemo(program);
registerConsole(program);
registerTrumpet(program);
registerRun(program);
registerDevice(program);
registerBench(program);
registerFleet(program, runScenario); // the runner is passed in: mqtt/ sits below run/
registerEmulate(program);
registerKeys(program);
registerFirmware(program);
registerLibrary(program);
registerTrain(program);
registerInventory(program);
registerAdvisory(program);
registerHl7(program);
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
