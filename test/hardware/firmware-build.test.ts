import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseIntelHex } from '../../src/harness/avr/intel-hex.js';
import { FIRMWARE_DIR, IN_CI, missingBuildTools } from './helpers.js';

const missing = missingBuildTools();

describe('firmware toolchain', () => {
  it('is installed (required on CI; locally the tests below say what is missing)', () => {
    if (missing !== undefined && IN_CI) expect.fail(`the Uno firmware cannot be built: ${missing ?? ''}`);
  });
});

describe.skipIf(missing !== undefined)(`firmware build${missing ? ` (skipped: ${missing})` : ''}`, () => {
  const buildDir = mkdtempSync(join(tmpdir(), 'infusim-fw-'));
  afterAll(() => rmSync(buildDir, { recursive: true, force: true }));

  it('builds the real-clock and test-clock images and reports flash and RAM', () => {
    const out = execFileSync('make', ['--no-print-directory', '-C', FIRMWARE_DIR, `BUILD=${buildDir}`, '-j2', 'all-images'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const sizes = [...out.matchAll(/(\S+\.elf): flash (\d+) bytes .*RAM (\d+) bytes/g)].map((m) => ({
      elf: m[1] ?? '',
      flash: Number(m[2]),
      ram: Number(m[3]),
    }));
    expect(sizes.map((s) => s.elf.replace(/.*\//, '')).sort()).toEqual(['infusim_uno.elf', 'infusim_uno_testclock.elf']);
    for (const s of sizes) {
      console.log(`${s.elf}: flash ${s.flash} B, RAM ${s.ram} B`);
      expect(s.flash).toBeGreaterThan(2000);
      expect(s.flash).toBeLessThanOrEqual(32256); // the Uno's flash minus the bootloader
      expect(s.ram).toBeGreaterThan(0);
      expect(s.ram).toBeLessThan(1500); // static RAM, leaves the rest of the 2 KB to the stack
    }
    for (const hex of ['infusim_uno.hex', 'infusim_uno_testclock.hex']) {
      const path = join(buildDir, hex);
      expect(existsSync(path)).toBe(true);
      parseIntelHex(readFileSync(path, 'utf8')); // well-formed, checksums good, fits in 32 KB
    }
    const size = execFileSync('make', ['--no-print-directory', '-C', FIRMWARE_DIR, `BUILD=${buildDir}`, 'size'], { encoding: 'utf8' });
    expect(size).toMatch(/infusim_uno\.elf: flash \d+ bytes/);
    expect(size).toMatch(/infusim_uno_testclock\.elf: flash \d+ bytes/);
  });
});
