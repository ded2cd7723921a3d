/**
 * The bench suite against the exact image you would flash (the test-clock build), run in avr8js
 * and bridged to a socat pseudo-terminal: the same suite as against `infusim device`, all green.
 * The sensor checks drive the emulated board's pins, not the protocol under test. A SKIP row is
 * allowed only for what the firmware does not have (PCA, INJECT) or for real time (virtual clock).
 * Also the new-user path through the CLI: `infusim emulate` on a pty, `infusim bench` against it.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { unoPinDriver } from '../../../src/harness/avr/pin-driver.js';
import { formatTable } from '../../../src/harness/bench/report.js';
import { runBench } from '../../../src/harness/bench/runBench.js';
import { IN_CI, REPO_ROOT, TEST_HEX, buildImages } from '../../hardware/helpers.js';
import { CLI } from '../../support/cli.js';
import { missingPtyTools, unoOnPtyForBlock } from '../../support/emulatedUno.js';
import { REPLY_TIMEOUT_MS } from '../../support/timeouts.js';

const missing = missingPtyTools();

/** Rows that may be SKIP against the Uno firmware, and why. */
const ALLOWED_SKIPS: Record<string, RegExp> = {
  'cmd INJECT (sensors)': /NOT_SUPPORTED .*pins/,
  'cmd DEMAND (PCA)': /PCA/,
  'ERR LOCKOUT, PCA_LIMIT': /PCA/,
  'real-time delivery': /clock=virtual/,
};

describe('bench against the emulated Uno: tools', () => {
  it('are installed (required on CI; locally the tests below say what is missing)', () => {
    if (missing !== undefined && IN_CI) expect.fail(`the bench cannot run against the emulated Uno: ${missing ?? ''}`);
  });
});

describe.skipIf(missing !== undefined)(`bench against the emulated Uno on a pty${missing ? ` (skipped: ${missing})` : ''}`, () => {
  const uno = unoOnPtyForBlock('infusim-bench-uno-');

  it('passes the whole suite in-process, sensor pins driven through the emulator', async () => {
    const board = uno.board;
    if (!board) throw new Error('no board');
    const t0 = Date.now();
    const { results, exitCode, profile } = await runBench({
      port: board.ptyLink,
      runs: 12,
      maxCommands: 15,
      seed: 3,
      // A reply bound for a loaded machine, where the emulator can fall to a quarter of a real Uno's
      // speed: a reply that never comes still fails, a slow one does not (and a late reply that
      // missed a short bound would run after the next reset, failing the checks that follow).
      timeoutMs: REPLY_TIMEOUT_MS,
      modelTimeLimitMs: 25_000,
      pins: unoPinDriver(board.uno),
    });
    const table = formatTable(results, 140);
    console.log(`${table}\n(${((Date.now() - t0) / 1000).toFixed(1)} s, emulator ${board.uno.speed.toFixed(2)}x a 16 MHz Uno)`);
    expect(profile).toMatch(/^reduced: model=lvp .*clock=virtual lib=uno-demo@1/);
    expect(results.filter((r) => r.status === 'FAIL'), table).toEqual([]);
    expect(exitCode).toBe(0);
    const badSkips = results.filter((r) => r.status === 'SKIP' && !ALLOWED_SKIPS[r.name]?.test(r.detail));
    expect(badSkips, table).toEqual([]);
    for (const name of ['sensor pin: occlusion -> OCCLUSION_DOWN', 'sensor pin: air -> AIR_IN_LINE', 'sensor pin: door -> DOOR_OPEN', 'ERR ALARM_ACTIVE']) {
      expect(results.find((r) => r.name === name)?.status, name).toBe('PASS');
    }
    for (const name of ['malformed lines', 'garbage bytes', 'commands at line speed', 'ERR TOO_LONG', 'ERR BAD_CHAR']) {
      expect(results.find((r) => r.name === name)?.status, name).toBe('PASS');
    }
    expect(results.filter((r) => r.name.startsWith('model: ')).map((r) => r.status)).toEqual(['PASS', 'PASS', 'PASS']);
  });
});

describe.skipIf(missing !== undefined)(`infusim emulate and infusim bench through the CLI${missing ? ` (skipped: ${missing})` : ''}`, () => {
  it('emulate prints the pty path; bench against it exits 0 with a green table', async () => {
    buildImages();
    const dir = mkdtempSync(join(tmpdir(), 'infusim-emulate-'));
    const link = join(dir, 'uno');
    const emu = spawn(process.execPath, [CLI, 'emulate', '--hex', TEST_HEX, '--port', link], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    emu.stdout.on('data', (d: Buffer) => (out += d.toString()));
    emu.stderr.on('data', (d: Buffer) => (err += d.toString()));
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`infusim emulate did not get ready: ${err}`)), 30_000);
        emu.stderr.on('data', () => {
          if (err.includes('ready on')) {
            clearTimeout(timer);
            resolve();
          }
        });
        emu.once('exit', (code) => reject(new Error(`infusim emulate exited ${String(code)}: ${err}`)));
      });
      expect(out.trim()).toBe(link);
      const bench = spawn(process.execPath, [CLI, 'bench', '--port', link, '--only', 'INFO,PING,ERR,line', '--no-model', '--quiet', '--timeout-ms', String(REPLY_TIMEOUT_MS)], {
        cwd: REPO_ROOT,
      });
      let table = '';
      bench.stdout.on('data', (d: Buffer) => (table += d.toString()));
      const code = await new Promise<number | null>((r) => bench.once('exit', r));
      expect(table).toMatch(/check\s+result\s+detail/);
      expect(table).toMatch(/commands at line speed\s+PASS/);
      expect(table).toMatch(/ 0 failed/);
      expect(code, table).toBe(0);
    } finally {
      const exited = new Promise<void>((r) => emu.once('close', () => r()));
      emu.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      rmSync(dir, { recursive: true, force: true });
    }
    expect(err).toMatch(/emulator speed \d+\.\d+x a 16 MHz Uno/);
  });
});
