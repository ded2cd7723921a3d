/**
 * Shared by the hardware tests: where the firmware lives, which tools are missing, and building
 * the images once (make is serialised with flock because test files run in parallel).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const FIRMWARE_DIR = join(REPO_ROOT, 'hardware', 'firmware');
export const BUILD_DIR = join(FIRMWARE_DIR, 'build');
export const REAL_HEX = join(BUILD_DIR, 'infusim_uno.hex');
export const TEST_HEX = join(BUILD_DIR, 'infusim_uno_testclock.hex');
export const ARDUINO_CORE = '/usr/share/arduino/hardware/arduino/avr/cores/arduino/Arduino.h';

export const IN_CI = Boolean(process.env.CI);

function hasCommand(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

/** What is missing to build the firmware, naming the Debian packages; undefined if nothing. */
export function missingBuildTools(): string | undefined {
  const missing: string[] = [];
  if (!hasCommand('make')) missing.push('make (Debian package make)');
  if (!hasCommand('avr-gcc') || !hasCommand('avr-g++')) missing.push('avr-gcc (Debian package gcc-avr)');
  if (!existsSync('/usr/lib/avr/include/avr/io.h')) missing.push('avr-libc headers (Debian package avr-libc)');
  if (!existsSync(ARDUINO_CORE)) missing.push('the Arduino AVR core (Debian package arduino-core-avr)');
  return missing.length ? `missing ${missing.join(', ')}` : undefined;
}

export function missingSocat(): string | undefined {
  return hasCommand('socat') ? undefined : 'missing socat (Debian package socat)';
}

/** Build both images in hardware/firmware/build (no-op when up to date); returns make's output. */
export function buildImages(): string {
  mkdirSync(BUILD_DIR, { recursive: true });
  const lock = join(BUILD_DIR, '.make.lock');
  const args = ['make', '--no-print-directory', '-C', FIRMWARE_DIR, 'all-images'];
  const out = hasCommand('flock')
    ? execFileSync('flock', [lock, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
    : execFileSync(args[0] ?? 'make', args.slice(1), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return out;
}
