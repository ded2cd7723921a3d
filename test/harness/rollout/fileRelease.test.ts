/**
 * A release made with `infusim keys gen`, `firmware build` and `firmware sign` rolled out by a
 * scenario (issue 15, item 10; docs/firmware.md "End to end", docs/scenarios.md "A release from
 * files"): the pumps end on the version that was built, and a tampered or wrongly signed file is
 * refused when the scenario loads, with the file, the line and the reason (exit 2).
 */
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { infusimSync } from '../../support/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'infusim-fwfile-'));

function ok(args: string[]): string {
  const r = infusimSync(args);
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return r.stdout;
}

/** A ward of 4 large-volume pumps on 1.0.0; the rollout installs the release named by these file fields. */
function scenario(name: string, files: { image: string; manifest: string; trust: string }): string {
  const path = join(dir, `${name}.yaml`);
  writeFileSync(
    path,
    [
      `name: ${name}`,
      'seed: 7',
      'duration: 4h',
      'site:',
      '  segments: [{ id: seg-a }]',
      '  units:',
      '    - { id: ward, careArea: medsurg, segment: seg-a, pumps: [{ type: lvp, count: 4, firmware: 1.0.0 }] }',
      'releases:',
      '  - id: fw-120',
      `    image: ${files.image}`,
      `    manifest: ${files.manifest}`,
      `    trust: ${files.trust}`,
      'rollout:',
      '  release: fw-120',
      '  waves: [{ count: 1 }, { percent: 100 }]',
      '  gates: { soak: 10m }',
      'expect:',
      '  - { check: no-infusion-interrupted }',
      '',
    ].join('\n'),
  );
  return path;
}

const GOOD = { image: 'fw-1.2.0-lvp.img', manifest: 'fw-1.2.0-lvp.manifest.json', trust: 'keys/vendor.pub' };

beforeAll(() => {
  ok(['keys', 'gen', '--out', join(dir, 'keys'), '--name', 'vendor']);
  ok(['keys', 'gen', '--out', join(dir, 'keys'), '--name', 'other']);
  ok(['firmware', 'build', '--fw-version', '1.2.0', '--model', 'lvp', '--sequence', '3', '--pub', join(dir, 'keys/vendor.pub'), '--out', join(dir, 'fw-1.2.0-lvp'), '--notes', 'occlusion alarm fix']);
  ok(['firmware', 'sign', '--manifest', join(dir, 'fw-1.2.0-lvp.manifest.json'), '--key', join(dir, 'keys/vendor.key')]);
});

describe('a release built and signed with the CLI, in a scenario', () => {
  it('is rolled out: every pump ends on the built version, refused nowhere', () => {
    const out = join(dir, 'good.json');
    const r = infusimSync(['run', scenario('good', GOOD), '--json', out, '--no-progress']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const report = JSON.parse(readFileSync(out, 'utf8')) as { rollout: { release: string; version: string; pumps: { pumpId: string; status: string; version: string }[]; versions: { versions: Record<string, number> }[]; refusals: Record<string, number> } };
    expect(report.rollout.release).toBe('fw-120');
    expect(report.rollout.version).toBe('1.2.0');
    // What the pumps run at the end (sampled from each pump's own firmware version).
    expect(report.rollout.versions.at(-1)?.versions).toEqual({ '1.2.0': 4 });
    expect(report.rollout.pumps.map((p) => p.version)).toEqual(['1.2.0', '1.2.0', '1.2.0', '1.2.0']);
    expect(report.rollout.refusals).toEqual({});
    // The inventory at the end shows the built version on every pump.
    const inv = infusimSync(['inventory', join(dir, 'good.yaml'), '--json', join(dir, 'inv.json')]);
    expect(inv.status).toBe(0);
    const rows = (JSON.parse(readFileSync(join(dir, 'inv.json'), 'utf8')) as { pumps: { firmware: string }[] }).pumps;
    expect(rows.map((p) => p.firmware)).toEqual(['1.2.0', '1.2.0', '1.2.0', '1.2.0']);
  });

  it('a tampered image is refused at load: file, line, field and reason; exit 2', () => {
    const bytes = readFileSync(join(dir, GOOD.image));
    bytes[100] = (bytes[100] ?? 0) ^ 0xff;
    writeFileSync(join(dir, 'tampered.img'), bytes);
    const path = scenario('tampered', { ...GOOD, image: 'tampered.img' });
    const r = infusimSync(['run', path, '--no-progress']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`${path}:10:12: releases[0].image: the image tampered.img would be refused by the pumps: hash-mismatch`);
  });

  it('a release signed with a key the pumps do not trust is refused at load (unknown-key); exit 2', () => {
    const path = scenario('untrusted', { ...GOOD, trust: 'keys/other.pub' });
    const r = infusimSync(['run', path, '--no-progress']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`${path}:11:15: releases[0].manifest: the manifest fw-1.2.0-lvp.manifest.json would be refused by the pumps: unknown-key`);
  });

  it('a manifest edited after signing, or a tampered SBOM next to it, is refused at load; exit 2', () => {
    const edited = JSON.parse(readFileSync(join(dir, GOOD.manifest), 'utf8')) as { manifest: { minVersion: string } };
    edited.manifest.minVersion = '1.0.0';
    writeFileSync(join(dir, 'edited.manifest.json'), JSON.stringify(edited));
    const r = infusimSync(['run', scenario('edited', { ...GOOD, manifest: 'edited.manifest.json' }), '--no-progress']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('releases[0].manifest: the manifest edited.manifest.json would be refused by the pumps: bad-signature');

    copyFileSync(join(dir, GOOD.manifest), join(dir, 'sbomtamper.manifest.json'));
    writeFileSync(join(dir, 'sbomtamper.sbom.cdx.json'), readFileSync(join(dir, 'fw-1.2.0-lvp.sbom.cdx.json'), 'utf8').replace('"version"', '"version" '));
    const s = infusimSync(['run', scenario('sbom', { ...GOOD, manifest: 'sbomtamper.manifest.json' }), '--no-progress']);
    expect(s.status).toBe(2);
    expect(s.stderr).toContain('sbomtamper.sbom.cdx.json next to the manifest sbomtamper.manifest.json is refused');
  });

  it('a release from files takes no built-in-run field, and needs all three files', () => {
    const path = join(dir, 'mixed.yaml');
    writeFileSync(path, readFileSync(scenario('mixed', GOOD), 'utf8').replace('    trust: keys/vendor.pub\n', '    version: 1.2.0\n'));
    const r = infusimSync(['run', path, '--no-progress']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('releases[0].version: version: is for a release built in the run');
    expect(r.stderr).toContain('a release from files needs image:, manifest: and trust: (missing: trust)');
  });
});
