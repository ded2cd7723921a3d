import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI } from '../support/cli.js';

function infusim(...args: string[]) {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 300_000 });
}

describe('infusim keys, firmware and library (signing tools)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'infusim-keys-'));

  it('generates keys, builds, signs and inspects a firmware release; every tampering is caught', () => {
    expect(infusim('keys', 'gen', '--out', dir, '--name', 'vendor').status).toBe(0);
    expect(infusim('keys', 'gen', '--out', dir, '--name', 'other').status).toBe(0);
    expect(statSync(join(dir, 'vendor.key')).mode & 0o777).toBe(0o600);
    // A missing --out folder is made, private to its owner (issue 15, item 10: docs/firmware.md end to end).
    const fresh = join(dir, 'new', 'keys');
    expect(infusim('keys', 'gen', '--out', fresh, '--name', 'k').status).toBe(0);
    expect(statSync(fresh).mode & 0o777).toBe(0o700);
    expect(statSync(join(fresh, 'k.key')).mode & 0o777).toBe(0o600);
    const prefix = join(dir, 'fw');
    expect(infusim('firmware', 'build', '--fw-version', '1.2.0', '--model', 'lvp', '--sequence', '7', '--pub', join(dir, 'vendor.pub'), '--out', prefix).status).toBe(0);
    const manifest = `${prefix}.manifest.json`;
    // Unsigned: refused.
    const unsigned = infusim('firmware', 'inspect', '--manifest', manifest, '--trust', join(dir, 'vendor.pub'));
    expect(unsigned.status).toBe(1);
    expect(unsigned.stdout).toContain('signature   bad-signature: no signature');
    // Signing with the wrong key is refused; with the right one it verifies with the image.
    expect(infusim('firmware', 'sign', '--manifest', manifest, '--key', join(dir, 'other.key')).status).toBe(2);
    expect(infusim('firmware', 'sign', '--manifest', manifest, '--key', join(dir, 'vendor.key')).status).toBe(0);
    const good = infusim('firmware', 'inspect', '--manifest', manifest, '--image', `${prefix}.img`, '--trust', join(dir, 'vendor.pub'));
    expect(good.status).toBe(0);
    expect(good.stdout).toMatch(/signature {3}valid \(trusted key\)\nimage .*size ok, hash ok/);
    // An untrusted key, a truncated image, an edited manifest.
    expect(infusim('firmware', 'inspect', '--manifest', manifest, '--trust', join(dir, 'other.pub')).stdout).toContain('unknown-key');
    writeFileSync(join(dir, 'short.img'), readFileSync(`${prefix}.img`).subarray(0, 100));
    const truncated = infusim('firmware', 'inspect', '--manifest', manifest, '--image', join(dir, 'short.img'), '--trust', join(dir, 'vendor.pub'));
    expect(truncated.status).toBe(1);
    expect(truncated.stdout).toContain('hash MISMATCH');
    const edited = JSON.parse(readFileSync(manifest, 'utf8')) as { manifest: { minVersion: string } };
    edited.manifest.minVersion = '0.1.0';
    writeFileSync(join(dir, 'edited.json'), JSON.stringify(edited));
    const forged = infusim('firmware', 'inspect', '--manifest', join(dir, 'edited.json'), '--trust', join(dir, 'vendor.pub'));
    expect(forged.status).toBe(1);
    expect(forged.stdout).toContain('bad-signature');
  });

  it('signs a drug library package and checks it', () => {
    const pkg = join(dir, 'lib.json');
    expect(infusim('keys', 'gen', '--out', dir, '--name', 'pharmacy').status).toBe(0);
    expect(infusim('library', 'sign', '--library', 'scenarios/druglib/general-hospital.json', '--key', join(dir, 'pharmacy.key'), '--sequence', '3', '--out', pkg).status).toBe(0);
    const ok = infusim('library', 'inspect', '--package', pkg, '--trust', join(dir, 'pharmacy.pub'));
    expect(ok.status).toBe(0);
    expect(ok.stdout).toContain('library     General Hospital@2026.11.1');
    expect(infusim('library', 'inspect', '--package', pkg).status).toBe(1);
    const bad = infusim('library', 'sign', '--library', 'package.json', '--key', join(dir, 'pharmacy.key'), '--sequence', '1', '--out', join(dir, 'x.json'));
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/drug library package\.json is not valid/);
  });
});
