/**
 * The firmware SBOM (docs/inventory.md#sbom). Expected values come from the component table in
 * docs/inventory.md, written out here by hand.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildSbomJson } from '../../../src/harness/sbom/build.js';
import { parseSbom } from '../../../src/harness/sbom/parse.js';
import { CLI } from '../../support/cli.js';

function infusim(...args: string[]) {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 300_000 });
}

describe('firmware SBOM (CycloneDX 1.6)', () => {
  it('lists the five components of a 1.0.x image with versions, suppliers, licences and end-of-support dates', () => {
    const text = buildSbomJson({ model: 'lvp', version: '1.0.0', profile: 'secure' });
    const doc = JSON.parse(text) as { bomFormat: string; specVersion: string; components: { name: string; version: string; supplier: { name: string } }[] };
    expect(doc.bomFormat).toBe('CycloneDX');
    expect(doc.specVersion).toBe('1.6');
    const sbom = parseSbom(doc, 'x');
    const byRole = Object.fromEntries(sbom.components.map((c) => [c.role, `${c.name}@${c.version} ${c.supplier} ${c.licenses.join('+')} ${c.endOfSupport}`]));
    expect(byRole).toEqual({
      rtos: 'kestrel-rtos@10.4.6 Kestrel RTOS Project MIT 2029-12-31',
      tls: 'larkspur-tls@2.16.12 Larkspur TLS Project Apache-2.0 2027-03-31',
      'network-stack': 'heron-ip@2.1.0 Heron Networking Project BSD-3-Clause 2028-06-30',
      'radio-firmware': 'wren-wifi-fw@4.2.0 Wren Radio Modules LicenseRef-Wren-Proprietary 2029-03-31',
      'dose-error-reduction': 'infusim-der@3.0.0 infusim MIT 2030-12-31',
    });
    expect(sbom.firmware.endOfSupport).toBe('2029-06-30');
    expect(sbom.firmware.cpe).toBe('cpe:2.3:o:infusim:lvp_pump_firmware:1.0.0:*:*:*:*:*:*:*');
  });

  it('is the same bytes for the same image (the signed manifest carries its hash)', () => {
    expect(buildSbomJson({ model: 'syringe', version: '1.1.0', profile: 'secure' })).toBe(buildSbomJson({ model: 'syringe', version: '1.1.0', profile: 'secure' }));
    expect(buildSbomJson({ model: 'syringe', version: '1.1.0', profile: 'secure' })).not.toBe(buildSbomJson({ model: 'lvp', version: '1.1.0', profile: 'secure' }));
  });

  it('refuses a document that is not a CycloneDX 1.6 SBOM, naming the JSON path and what was expected', () => {
    const doc = JSON.parse(buildSbomJson({ model: 'lvp', version: '1.0.0', profile: 'secure' })) as { components: { version?: string; properties: unknown[] }[]; specVersion: string };
    delete doc.components[2]!.version;
    expect(() => parseSbom(doc, 'f.json')).toThrow(/^f\.json: not a CycloneDX 1\.6 SBOM: \$\.components\[2\]\.version: /);
    const old = JSON.parse(buildSbomJson({ model: 'lvp', version: '1.0.0', profile: 'secure' })) as { specVersion: string };
    old.specVersion = '1.4';
    expect(() => parseSbom(old, 'f.json')).toThrow(/\$\.specVersion/);
    const noEos = JSON.parse(buildSbomJson({ model: 'lvp', version: '1.0.0', profile: 'secure' })) as { components: { properties: unknown[] }[] };
    noEos.components[0]!.properties = [];
    expect(() => parseSbom(noEos, 'f.json')).toThrow(/\$\.components\[0\]\.properties: expected a "infusim:end-of-support" property/);
  });
});

describe('infusim firmware build and inspect with the SBOM', () => {
  const dir = mkdtempSync(join(tmpdir(), 'infusim-sbom-'));

  it('builds the SBOM, signs its hash in the manifest, shows it, and refuses a tampered one', () => {
    expect(infusim('keys', 'gen', '--out', dir, '--name', 'vendor').status).toBe(0);
    const prefix = join(dir, 'fw');
    const built = infusim('firmware', 'build', '--fw-version', '1.0.3', '--model', 'syringe', '--sequence', '2', '--pub', join(dir, 'vendor.pub'), '--out', prefix);
    expect(built.status).toBe(0);
    const sbomText = readFileSync(`${prefix}.sbom.cdx.json`, 'utf8');
    const manifest = JSON.parse(readFileSync(`${prefix}.manifest.json`, 'utf8')) as { manifest: { sbomSha256: string } };
    expect(manifest.manifest.sbomSha256).toBe(createHash('sha256').update(sbomText).digest('hex'));
    expect(infusim('firmware', 'sign', '--manifest', `${prefix}.manifest.json`, '--key', join(dir, 'vendor.key')).status).toBe(0);
    const good = infusim('firmware', 'inspect', '--manifest', `${prefix}.manifest.json`, '--image', `${prefix}.img`, '--trust', join(dir, 'vendor.pub'));
    expect(good.status).toBe(0);
    expect(good.stdout).toContain('hash ok (CycloneDX 1.6, 5 components; firmware end of support 2029-06-30)');
    expect(good.stdout).toMatch(/tls +larkspur-tls +2\.16\.12 +Larkspur TLS Project · Apache-2\.0 · end of support 2027-03-31/);
    // One character changed: refused like a tampered image, and nothing of it shown.
    writeFileSync(join(dir, 'edited.sbom.cdx.json'), sbomText.replace('"2027-03-31"', '"2037-03-31"'));
    const tampered = infusim('firmware', 'inspect', '--manifest', `${prefix}.manifest.json`, '--sbom', join(dir, 'edited.sbom.cdx.json'), '--trust', join(dir, 'vendor.pub'));
    expect(tampered.status).toBe(1);
    expect(tampered.stdout).toContain('hash MISMATCH');
    expect(tampered.stdout).not.toContain('larkspur-tls');
    // Editing the hash in the manifest breaks its signature.
    const edited = JSON.parse(readFileSync(`${prefix}.manifest.json`, 'utf8')) as { manifest: { sbomSha256: string } };
    edited.manifest.sbomSha256 = createHash('sha256').update(readFileSync(join(dir, 'edited.sbom.cdx.json'))).digest('hex');
    writeFileSync(join(dir, 'edited.manifest.json'), JSON.stringify(edited));
    const forged = infusim('firmware', 'inspect', '--manifest', join(dir, 'edited.manifest.json'), '--sbom', join(dir, 'edited.sbom.cdx.json'), '--trust', join(dir, 'vendor.pub'));
    expect(forged.status).toBe(1);
    expect(forged.stdout).toContain('bad-signature');
  });

  it('a malformed SBOM whose hash matches is bad input: exit 2 with the JSON path', () => {
    const bad = JSON.parse(buildSbomJson({ model: 'lvp', version: '1.0.0', profile: 'secure' })) as { components: { supplier?: unknown }[] };
    delete bad.components[1]!.supplier;
    const text = JSON.stringify(bad);
    writeFileSync(join(dir, 'bad.sbom.cdx.json'), text);
    writeFileSync(
      join(dir, 'bad.manifest.json'),
      JSON.stringify({ manifest: { format: 'infusim-fw-manifest/1', version: '1.0.0', hardwareModel: 'lvp', imageSha256: '0'.repeat(64), sizeBytes: 4, minVersion: '1.0.0', releaseNotes: '', profile: 'secure', issuedMs: 0, expiresMs: 10, sequence: 1, keyId: '0'.repeat(16), sbomSha256: createHash('sha256').update(text).digest('hex') } }),
    );
    const r = infusim('firmware', 'inspect', '--manifest', join(dir, 'bad.manifest.json'));
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`${join(dir, 'bad.sbom.cdx.json')}: not a CycloneDX 1.6 SBOM: $.components[1].supplier:`);
  });
});
