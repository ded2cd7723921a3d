/**
 * CSAF advisories against the fleet (docs/advisories.md). Expected values come from the shipped
 * advisories' text and the component table of docs/inventory.md: firmware 0.9.2 carries
 * larkspur-tls 0.9.8 (no fix planned), 1.0.0 carries larkspur-tls 2.16.12 (fixed by 1.1.0).
 * Every `infusim advisory` process loads the CSAF validator (about 4 s of CPU, its schemas
 * compiled), so what is about the validator's verdict and wording is checked here in the test's
 * process (loadAdvisory, the function the CLI calls), and the CLI is spawned once per behaviour of
 * its own: exit 0 with the summary line, exit 2 with the message and nothing written, the matches.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadAdvisory } from '../../../src/harness/advisory/csaf.js';
import { CLI } from '../../support/cli.js';

function infusim(...args: string[]) {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 300_000 });
}
const TLS = 'scenarios/advisories/INFUSIM-SA-2026-001-tls.json';
const UNAUTH = 'scenarios/advisories/INFUSIM-SA-2026-002-unauthenticated-commands.json';

describe('infusim advisory', () => {
  const dir = mkdtempSync(join(tmpdir(), 'infusim-adv-'));

  it('every shipped advisory is valid CSAF 2.0', async () => {
    for (const f of ['INFUSIM-SA-2026-001-tls.json', 'INFUSIM-SA-2026-002-unauthenticated-commands.json', 'INFUSIM-SA-2026-003-hard-coded-credential.json', 'INFUSIM-SA-2026-004-network-stack-ranges.json']) {
      await expect(loadAdvisory(`scenarios/advisories/${f}`), f).resolves.toBeDefined();
    }
  });

  it('advisory check: exit 0 and a line naming the advisory', () => {
    const r = infusim('advisory', 'check', TLS);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^scenarios\/advisories\/INFUSIM-SA-2026-001-tls\.json: valid CSAF 2\.0: INFUSIM-SA-2026-001 "/);
  });

  interface Doc {
    document: { tracking: { id?: string }; csaf_version: string };
    vulnerabilities: { product_status: { known_affected: string[] } }[];
  }
  it.each([
    ['a missing tracking id', (d: Doc) => delete d.document.tracking.id, '/document/tracking'],
    ['a product status naming an undefined product', (d: Doc) => d.vulnerabilities[0]!.product_status.known_affected.push('NO-SUCH-PRODUCT'), '/vulnerabilities/0/product_status/known_affected/2'],
    ['a wrong CSAF version', (d: Doc) => (d.document.csaf_version = '1.9'), '/document/csaf_version'],
  ])('refuses %s with the JSON path', async (what, edit, path) => {
    const doc = JSON.parse(readFileSync(TLS, 'utf8')) as Doc;
    edit(doc);
    const file = join(dir, `bad-${what.replaceAll(' ', '-')}.json`);
    writeFileSync(file, JSON.stringify(doc, null, 2));
    await expect(loadAdvisory(file)).rejects.toThrow(`${file}: not a valid CSAF 2.0 document: ${path}`);
  });

  it('advisory match refuses an invalid advisory: exit 2, the JSON path on stderr, nothing written', () => {
    const doc = JSON.parse(readFileSync(TLS, 'utf8')) as Doc;
    delete doc.document.tracking.id;
    writeFileSync(join(dir, 'bad.json'), JSON.stringify(doc, null, 2));
    const r = infusim('advisory', 'match', join(dir, 'bad.json'), '--inventory', join(dir, 'none.csv'), '--json', join(dir, 'out.json'));
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`${join(dir, 'bad.json')}: not a valid CSAF 2.0 document: /document/tracking`);
    expect(existsSync(join(dir, 'out.json'))).toBe(false);
  });

  it('refuses a document that is not JSON with file:line:column', async () => {
    writeFileSync(join(dir, 'broken.json'), '{\n  "document": {,\n}');
    await expect(loadAdvisory(join(dir, 'broken.json'))).rejects.toThrow(/broken\.json:2:16: not valid JSON/);
  });

  it('matches a scenario: affected pumps by unit, infusing, legacy ones with compensating controls, VEX per pump', () => {
    const r = infusim('advisory', 'match', TLS, '--scenario', 'scenarios/legacy-rogue-client.yaml', '--at', '10m', '--csv', join(dir, 'm.csv'));
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('4 of 4 pumps affected, 4 infusing now, 2 cannot be patched; 0 fixed, 0 not affected');
    expect(r.stdout).toContain('unit ward: 4/4 affected, 4 infusing (heparin), 2 cannot be patched, 0 off the network');
    expect(r.stdout).toMatch(/legacy-1 +lvp +0\.9\.2 +INFUSING heparin +LEGACY, no fix: compensating controls {2}\[larkspur-tls@0\.9\.8\]/);
    expect(r.stdout).toMatch(/ward-1 +lvp +1\.0\.0 +INFUSING heparin +patch: Install infusim pump firmware 1\.1\.0/);
    expect(r.stdout).toContain('- segment-isolated: the pump segment reaches the gateway only');
    const csv = readFileSync(join(dir, 'm.csv'), 'utf8').split('\r\n');
    expect(csv[0]).toBe('advisory,pump_id,unit,segment,type,firmware,vex,vulnerabilities,components,use,drug,legacy,patchable,fix,controls');
    expect(csv[1]).toMatch(/^INFUSIM-SA-2026-001,legacy-1,ward,seg-ward,lvp,0\.9\.2,affected,INFUSIM-VULN-2026-001,larkspur-tls@0\.9\.8,in-use,heparin,yes,no,,/);
  });

  it('matches an inventory CSV; not-affected and fixed pumps by their SBOM', () => {
    const head = 'pump_id,type,firmware,unit,profile,use,drug\n';
    writeFileSync(join(dir, 'inv.csv'), `${head}a-1,lvp,0.9.2,icu,legacy-unauthenticated,idle,-\na-2,lvp,1.0.0,icu,secure,in-use,insulin\nb-1,syringe,1.1.0,ward,secure,idle,-\n`);
    const r = infusim('advisory', 'match', UNAUTH, '--inventory', join(dir, 'inv.csv'), '--format', 'json');
    expect(r.status, r.stderr).toBe(0);
    const m = JSON.parse(r.stdout) as { rows: { pumpId: string; vex: string; patchable: boolean }[] };
    expect(m.rows.map((x) => `${x.pumpId} ${x.vex} ${x.patchable}`)).toEqual(['a-1 affected false', 'a-2 not-affected false', 'b-1 not-affected false']);
    const tls = JSON.parse(infusim('advisory', 'match', TLS, '--inventory', join(dir, 'inv.csv'), '--format', 'json').stdout) as typeof m;
    expect(tls.rows.map((x) => `${x.pumpId} ${x.vex}`)).toEqual(['a-1 affected', 'a-2 affected', 'b-1 fixed']);
  });

  it('refuses a bad inventory CSV record: exit 2 with file:line', () => {
    writeFileSync(join(dir, 'bad.csv'), 'pump_id,type,firmware,unit,profile,use,drug\na-1,lvp,0.9,icu,secure,idle,-\n');
    const r = infusim('advisory', 'match', TLS, '--inventory', join(dir, 'bad.csv'));
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`${join(dir, 'bad.csv')}:2: column "firmware": expected a version MAJOR.MINOR.PATCH, got "0.9"`);
  });
});
