/**
 * Version ranges in advisories (issue 16, item 3; docs/advisories.md#version-ranges). Expected
 * values by hand from the vers specification (package-url VERSION-RANGE-SPEC) and, for the match,
 * from reading scenarios/advisories/INFUSIM-SA-2026-004-network-stack-ranges.json against the
 * component table of docs/inventory.md#sbom:
 *
 * - INFUSIM-VULN-2026-004 affects heron-ip >=1.0.0|<2.0.0 (no fix planned) and >=2.0.0|<2.2.0
 *   (fixed by firmware 1.1.0); heron-ip >=2.2.0 is fixed. Firmware 0.9.x carries heron-ip 1.4.0,
 *   1.0.x carries 2.1.0, 1.1.x carries 2.3.1.
 * - INFUSIM-VULN-2026-005 affects LVP firmware <1.0.0 (no fix planned); LVP >=1.0.0 is not
 *   affected; it names no syringe firmware.
 *
 * So: lvp 0.9.2 is affected by both and cannot be patched; syringe 0.9.2 by 004 only, and cannot
 * be patched; lvp and syringe 1.0.0 are affected by 004 and can be patched; 1.1.0 is fixed.
 */
import { describe, expect, it } from 'vitest';
import { loadAdvisory, AdvisoryError } from '../../../src/harness/advisory/csaf.js';
import { matchAdvisory } from '../../../src/harness/advisory/match.js';
import { inVersRange, parseVers } from '../../../src/harness/advisory/vers.js';
import type { InventoryRow } from '../../../src/harness/inventory/inventory.js';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const RANGES = 'scenarios/advisories/INFUSIM-SA-2026-004-network-stack-ranges.json';

describe('vers ranges', () => {
  it.each([
    ['vers:generic/>=2.0.0|<2.3.1', ['2.0.0', '2.1.0', '2.3.0'], ['1.9.9', '2.3.1', '3.0.0']],
    ['vers:generic/<1.0.0', ['0.9.2', '0.0.1'], ['1.0.0', '1.1.0']],
    ['vers:generic/>=2.2.0', ['2.2.0', '2.3.1', '10.0.0'], ['2.1.9', '2.1.0']],
    // Two intervals, and an exclusion inside one of them.
    ['vers:generic/>=1.0.0|<1.5.0|!=1.2.0|>=2.0.0|<2.1.0', ['1.0.0', '1.4.9', '2.0.5'], ['1.2.0', '1.5.0', '1.9.0', '2.1.0']],
    ['vers:generic/1.4.0|2.1.0', ['1.4.0', '2.1.0'], ['1.4.1', '2.0.0']],
    ['vers:generic/!=2.1.0', ['2.0.0', '2.2.0'], ['2.1.0']],
    ['vers:semver/*', ['0.0.1', '99.1.2'], []],
    // Numeric, not textual, order: 10.4.6 is above 9.0.0.
    ['vers:generic/>9.0.0', ['10.4.6'], ['8.2.3']],
  ])('%s', (text, inside, outside) => {
    const r = parseVers(text);
    for (const v of inside) expect(inVersRange(v, r), `${v} in ${text}`).toBe(true);
    for (const v of outside) expect(inVersRange(v, r), `${v} not in ${text}`).toBe(false);
  });

  it.each([
    ['>=2.0.0', 'expected vers:<scheme>/<constraints>'],
    ['vers:npm/>=2.0.0', 'the vers scheme "npm" is not one infusim reads'],
    ['vers:generic/>=2.0.0|<2.x', '"<2.x" is not a constraint'],
    ['vers:generic/>=2.0.0|<2.0.0', 'the version 2.0.0 appears twice'],
  ])('refuses %s', (text, why) => {
    expect(() => parseVers(text)).toThrow(why);
  });
});

function row(pumpId: string, type: 'lvp' | 'syringe', firmware: string): InventoryRow {
  return { pumpId, serial: pumpId, type, model: type, firmware, otherSlot: '-', library: '-', unit: 'ward', location: 'ward', segment: 'seg', owner: 'clinical-engineering', supportStatus: 'supported', endOfSupport: '2030-01-01', componentsPastSupport: [], sbom: 'checked', credentials: 'current', profile: 'secure', lastSeenMs: 0, use: 'idle', offReason: '', drug: '-' } as InventoryRow;
}

describe('an advisory that names versions by range', () => {
  it('matches the pumps whose SBOM versions fall in the ranges, by component and by firmware', async () => {
    const a = await loadAdvisory(RANGES);
    const m = matchAdvisory(a, [row('lvp-old', 'lvp', '0.9.2'), row('syr-old', 'syringe', '0.9.2'), row('lvp-cur', 'lvp', '1.0.0'), row('syr-cur', 'syringe', '1.0.0'), row('lvp-new', 'lvp', '1.1.0')]);
    expect(m.rows.map((r) => `${r.pumpId} ${r.vex} [${r.vulnerabilities.join(' ')}] [${r.components.join(' ')}] patchable=${r.patchable}`)).toEqual([
      'lvp-old affected [INFUSIM-VULN-2026-004 INFUSIM-VULN-2026-005] [heron-ip@1.4.0 lvp-pump-firmware@0.9.2] patchable=false',
      'syr-old affected [INFUSIM-VULN-2026-004] [heron-ip@1.4.0] patchable=false',
      'lvp-cur affected [INFUSIM-VULN-2026-004] [heron-ip@2.1.0] patchable=true',
      'syr-cur affected [INFUSIM-VULN-2026-004] [heron-ip@2.1.0] patchable=true',
      'lvp-new fixed [] [] patchable=false',
    ]);
    expect(m.rows.find((r) => r.pumpId === 'lvp-cur')?.fix).toBe('Install infusim pump firmware 1.1.0 (heron-ip 2.3.1).');
  });

  it('refuses a range that is not vers with the JSON path of the branch name', async () => {
    const doc = JSON.parse(readFileSync(RANGES, 'utf8')) as { product_tree: { branches: { branches: { branches: { name: string }[] }[] }[] } };
    doc.product_tree.branches[0]!.branches[0]!.branches[1]!.name = '2.0 to 2.1';
    const dir = mkdtempSync(join(tmpdir(), 'infusim-vers-'));
    writeFileSync(join(dir, 'bad.json'), JSON.stringify(doc));
    await expect(loadAdvisory(join(dir, 'bad.json'))).rejects.toThrow(AdvisoryError);
    await expect(loadAdvisory(join(dir, 'bad.json'))).rejects.toThrow(`${join(dir, 'bad.json')}: /product_tree/branches/0/branches/0/branches/1/name: "2.0 to 2.1" is not a vers range`);
  });
});
