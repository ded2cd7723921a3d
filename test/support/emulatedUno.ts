/**
 * The emulated Uno behind a socat pseudo-terminal, for a describe block: what the tools lack, and
 * the test-clock image built and started before the block's tests, closed after them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { runUnoOnPty, type RunningUno } from '../../src/harness/avr/run-uno.js';
import { TEST_HEX, buildImages, missingBuildTools, missingSocat } from '../hardware/helpers.js';

/** What is missing to run the Uno on a pty (the firmware build tools, socat); undefined if nothing. */
export function missingPtyTools(): string | undefined {
  return [missingBuildTools(), missingSocat()].filter((m) => m !== undefined).join('; ') || undefined;
}

export interface UnoOnPty {
  /** The folder that holds the pty link (`<dir>/uno`); removed after the block. */
  readonly dir: string;
  /** The running board (undefined until the block's beforeAll has run, or if it failed). */
  readonly board: RunningUno | undefined;
}

/** Call inside a describe: builds the images and runs the test-clock image on `<dir>/uno` for the block's tests. */
export function unoOnPtyForBlock(dirPrefix: string): UnoOnPty {
  const dir = mkdtempSync(join(tmpdir(), dirPrefix));
  let board: RunningUno | undefined;

  beforeAll(async () => {
    buildImages();
    board = await runUnoOnPty({ hexPath: TEST_HEX, ptyLink: join(dir, 'uno') });
  });

  afterAll(async () => {
    await board?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  return {
    dir,
    get board() {
      return board;
    },
  };
}
