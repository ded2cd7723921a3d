/**
 * Issue 13, item 8: the signing tools refuse what would hurt their user, in one clear line, exit 2
 * and with nothing written: an existing key is not overwritten without --force, a private key
 * others can read is refused (as ssh does), a `null` manifest is named as such, and a bad field is
 * named with its reason instead of a zod JSON dump.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI } from '../../support/cli.js';

function infusim(...args: string[]) {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 300_000 });
}

/** One line on stderr, no JSON dump, no stack. */
function oneLine(stderr: string): string {
  const lines = stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  expect(stderr).not.toMatch(/^\s*[[{]/m);
  expect(stderr).not.toContain('"code"');
  return lines[0] ?? '';
}

const dir = mkdtempSync(join(tmpdir(), 'infusim-keys-refusals-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const key = join(dir, 'vendor.key');
const pub = join(dir, 'vendor.pub');
beforeAll(() => {
  expect(infusim('keys', 'gen', '--out', dir, '--name', 'vendor').status).toBe(0);
});

describe('infusim keys gen', () => {
  it('refuses to overwrite an existing key without --force, and changes nothing', () => {
    const before = readFileSync(key, 'utf8');
    const beforePub = readFileSync(pub, 'utf8');
    const r = infusim('keys', 'gen', '--out', dir, '--name', 'vendor');
    expect(r.status).toBe(2);
    expect(oneLine(r.stderr)).toMatch(/vendor\.key already exists.*--force/);
    expect(readFileSync(key, 'utf8')).toBe(before);
    expect(readFileSync(pub, 'utf8')).toBe(beforePub);
  });

  it('refuses when only the public half exists, writing neither', () => {
    writeFileSync(join(dir, 'half.pub'), 'x');
    const r = infusim('keys', 'gen', '--out', dir, '--name', 'half');
    expect(r.status).toBe(2);
    expect(existsSync(join(dir, 'half.key'))).toBe(false);
    expect(readFileSync(join(dir, 'half.pub'), 'utf8')).toBe('x');
  });

  it('--force replaces the pair, the private key with mode 0600', () => {
    const other = join(dir, 'again.key');
    expect(infusim('keys', 'gen', '--out', dir, '--name', 'again').status).toBe(0);
    chmodSync(other, 0o644);
    const before = readFileSync(other, 'utf8');
    const r = infusim('keys', 'gen', '--out', dir, '--name', 'again', '--force');
    expect(r.status).toBe(0);
    expect(readFileSync(other, 'utf8')).not.toBe(before);
    expect(statSync(other).mode & 0o777).toBe(0o600);
  });
});

describe('a private key others can read', () => {
  it('is refused with its mode and the chmod that fixes it', () => {
    const open = join(dir, 'open.key');
    writeFileSync(open, readFileSync(key));
    chmodSync(open, 0o644);
    writeFileSync(join(dir, 'm.json'), JSON.stringify({ manifest: {} }));
    const r = infusim('library', 'sign', '--library', 'scenarios/druglib/general-hospital.json', '--key', open, '--sequence', '1', '--out', join(dir, 'never.json'));
    expect(r.status).toBe(2);
    expect(oneLine(r.stderr)).toMatch(new RegExp(`open\\.key.* mode 0644 .*chmod 600 ${open.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    expect(existsSync(join(dir, 'never.json'))).toBe(false);
  });
});

describe('manifests and packages that are not what they claim', () => {
  it('a null manifest is named, not a crash', () => {
    writeFileSync(join(dir, 'null.json'), 'null\n');
    for (const args of [['firmware', 'sign', '--manifest', join(dir, 'null.json'), '--key', key], ['firmware', 'inspect', '--manifest', join(dir, 'null.json')]]) {
      const r = infusim(...args);
      expect(r.status).toBe(2);
      const line = oneLine(r.stderr);
      expect(line).not.toContain('Cannot read properties');
      expect(line).toMatch(/null\.json: .*JSON object.*got null/);
    }
  });

  it('a bad --sequence or --models names the option and why, in one line', () => {
    const lib = 'scenarios/druglib/general-hospital.json';
    const seq = infusim('library', 'sign', '--library', lib, '--key', key, '--sequence', 'abc', '--out', join(dir, 'p.json'));
    expect(seq.status).toBe(2);
    expect(oneLine(seq.stderr)).toMatch(/--sequence.*"abc"/);
    const models = infusim('library', 'sign', '--library', lib, '--key', key, '--sequence', '1', '--models', 'lvp,foo', '--out', join(dir, 'p.json'));
    expect(models.status).toBe(2);
    expect(oneLine(models.stderr)).toMatch(/--models.*"foo"/);
    expect(existsSync(join(dir, 'p.json'))).toBe(false);
  });

  it('firmware build with a bad version names the field and why, in one line', () => {
    const r = infusim('firmware', 'build', '--fw-version', '1.2', '--model', 'lvp', '--sequence', '1', '--pub', pub, '--out', join(dir, 'fw'));
    expect(r.status).toBe(2);
    const line = oneLine(r.stderr);
    for (const part of ['--fw-version', '"1.2"', 'MAJOR.MINOR.PATCH']) expect(line).toContain(part);
    expect(existsSync(join(dir, 'fw.img'))).toBe(false);
  });
});
