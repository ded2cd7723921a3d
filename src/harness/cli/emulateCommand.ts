/**
 * `infusim emulate --hex <file> --port <link>`: run a firmware image (the Uno .hex you would flash)
 * in the avr8js emulator, its USART bridged to a pseudo-terminal made with socat, so that
 * `infusim bench --port <link>` (or any serial client) can talk to it as to a board on /dev/ttyACM0.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { UNO_CLOCK_HZ } from '../avr/emulated-uno.js';
import { runUnoOnPty, type RunningUno } from '../avr/run-uno.js';
import { haveSocat, socatMissingMessage } from '../serial/socat.js';

function parseBaud(text: string): number {
  if (!/^\d{3,7}$/.test(text)) throw new InvalidArgumentError(`baud must be a whole number such as 115200, got "${text}"`);
  return Number(text);
}

function parseSpeed(text: string): number {
  const n = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text) || !(n > 0)) throw new InvalidArgumentError(`--speed-limit must be a positive number (1 = a real 16 MHz Uno), got "${text}"`);
  return n;
}

interface EmulateOpts {
  hex: string;
  port: string;
  baud: number;
  speedLimit?: number;
}

export function registerEmulate(program: Command): void {
  const cmd = program
    .command('emulate')
    .description('run an Arduino Uno firmware image (.hex) in the avr8js emulator on a pseudo-terminal (socat), for infusim bench or any serial client')
    .requiredOption('--hex <file>', 'firmware image, e.g. hardware/firmware/build/infusim_uno_testclock.hex')
    .requiredOption('--port <path>', 'path of the pseudo-terminal to create for the client, e.g. /tmp/infusim-uno')
    .option('--baud <n>', 'baud rate the firmware is expected to use (a mismatch is reported)', parseBaud, 115_200)
    .option('--speed-limit <x>', 'run no faster than this multiple of a 16 MHz Uno (default: as fast as possible for a test-clock image, 1 for a real-clock image)', parseSpeed)
    .action(async (opts: EmulateOpts) => {
      const note = (s: string): void => void process.stderr.write(`infusim emulate: ${s}\n`);
      const hexPath = resolve(opts.hex);
      if (!existsSync(hexPath)) {
        cmd.error(`error: ${opts.hex} not found (build it with: make -C hardware/firmware test-image)`, { exitCode: 2, code: 'infusim.emulate.hex' });
        return;
      }
      if (existsSync(opts.port)) {
        cmd.error(`error: ${opts.port} already exists; give a path that does not (socat creates it)`, { exitCode: 2, code: 'infusim.emulate.port' });
        return;
      }
      if (!haveSocat()) {
        note(socatMissingMessage);
        process.exit(1);
      }
      let board: RunningUno;
      try {
        board = await runUnoOnPty({ hexPath, ptyLink: opts.port, ...(opts.speedLimit !== undefined ? { speedLimit: opts.speedLimit } : {}) });
      } catch (e) {
        note(`cannot start: ${(e as Error).message}`);
        process.exit(1);
      }
      const { uno } = board;
      const clock = uno.virtualClock ? 'virtual' : 'real';
      const limit = uno.speedLimit === undefined ? 'as fast as possible' : `at most ${uno.speedLimit}x real time`;
      // The path the client opens, alone on stdout (for scripts); the rest goes to stderr.
      process.stdout.write(`${opts.port}\n`);
      note(`ready on ${opts.port} (${hexPath}, clock ${clock}, ${limit}); run: infusim bench --port ${opts.port}`);
      // Once the firmware has set up its USART, say if it is not at the expected rate.
      const baudCheck = setTimeout(() => {
        const actual = uno.usart.baudRate;
        if (uno.usart.rxEnable && Math.abs(actual - opts.baud) / opts.baud > 0.05) {
          note(`the firmware set its USART to ${actual} baud, not ${opts.baud}: a real board would not be understood at ${opts.baud}`);
        }
      }, 500);
      const stop = (): void => {
        clearTimeout(baudCheck);
        const speed = uno.speed;
        const effective = uno.effectiveSpeed;
        void board.close().then(() => {
          note(
            `stopped after ${(uno.emulatedMs / 1000).toFixed(1)} s of AVR time; emulator speed ${speed.toFixed(2)}x a 16 MHz Uno ` +
              `(${((speed * UNO_CLOCK_HZ) / 1e6).toFixed(1)} MHz while running, ${effective.toFixed(2)}x over wall-clock time)`,
          );
          process.exit(0);
        });
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}
