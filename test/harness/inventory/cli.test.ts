/**
 * `infusim inventory` on a shipped scenario. Expected values from the scenario file and the
 * tables in docs/inventory.md: legacy-rogue-client has 4 LVPs on seg-ward, two on 0.9.2 (legacy
 * credentials, image end of support 2024-12-31, before the default date 2026-12-01) and two on
 * 1.0.0; a rogue client appears at 15m.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI } from '../../support/cli.js';

function infusim(...args: string[]) {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 300_000 });
}

describe('infusim inventory', () => {
  const dir = mkdtempSync(join(tmpdir(), 'infusim-inv-'));

  it('lists every pump with support status, credentials and use; unknown devices once the network shows them', () => {
    const early = infusim('inventory', 'scenarios/legacy-rogue-client.yaml', '--at', '10m', '--csv', join(dir, 'inv.csv'), '--json', join(dir, 'inv.json'));
    expect(early.status, early.stderr).toBe(0);
    expect(early.stdout).toContain('inventory at 10m (2026-12-01): 4 pumps, 4 in use, 0 idle, 0 off the network; 2 past end of support, 2 with legacy credentials');
    expect(early.stdout).toMatch(/legacy-1 +lvp +0\.9\.2 +- +ward +seg-ward +clinical-engineering +ENDED 2024-12-31 +legacy +in-use +heparin/);
    expect(early.stdout).toMatch(/ward-1 +lvp +1\.0\.0 +- +ward +seg-ward +clinical-engineering +ok to 2029-06-30 +current +in-use +heparin/);
    expect(early.stdout).not.toContain('unknown devices');
    const csv = readFileSync(join(dir, 'inv.csv'), 'utf8').split('\r\n');
    expect(csv[0]).toBe('pump_id,serial,type,model,firmware,other_slot,library,unit,location,segment,owner,support_status,end_of_support,components_past_support,sbom,credentials,profile,last_seen_ms,use,off_reason,drug');
    expect(csv.filter(Boolean)).toHaveLength(5);
    const json = JSON.parse(readFileSync(join(dir, 'inv.json'), 'utf8')) as { format: string; pumps: { pumpId: string; componentsPastSupport: string[] }[] };
    expect(json.format).toBe('infusim-inventory/1');
    expect(json.pumps.find((p) => p.pumpId === 'legacy-2')?.componentsPastSupport).toEqual(['kestrel-rtos@8.2.3', 'larkspur-tls@0.9.8', 'heron-ip@1.4.0', 'wren-wifi-fw@2.0.7', 'infusim-der@1.2.0']);
    const late = infusim('inventory', 'scenarios/legacy-rogue-client.yaml', '--at', '20m');
    expect(late.stdout).toMatch(/unknown devices \(1\):\n {2}rogue-client@seg-ward {2}segment seg-ward {2}first seen 15m/);
  });

  it('refuses a scenario whose records CSV is broken: exit 2, the CSV line, nothing written', () => {
    const scenario = readFileSync('scenarios/legacy-rogue-client.yaml', 'utf8').replace('outcome: violation', 'outcome: violation\ninventory:\n  records: records.csv');
    writeFileSync(join(dir, 's.yaml'), scenario);
    writeFileSync(join(dir, 'records.csv'), 'pump_id,type,firmware,unit\nlegacy-1,lvp,0.9.2,ward\nward-1,lvp,one,ward\n');
    const r = infusim('inventory', join(dir, 's.yaml'), '--csv', join(dir, 'never.csv'));
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`inventory.records: the hospital's records are refused: records.csv:3: column "firmware": expected a version MAJOR.MINOR.PATCH, got "one"`);
    expect(existsSync(join(dir, 'never.csv'))).toBe(false);
  });

  it('reports drift against the records the scenario names', () => {
    writeFileSync(join(dir, 'records.csv'), 'pump_id,type,firmware,unit\nlegacy-1,lvp,0.9.2,ward\nlegacy-2,lvp,1.0.0,ward\nward-1,lvp,1.0.0,ward\nward-7,lvp,1.0.0,ward\n');
    const r = infusim('inventory', join(dir, 's.yaml'), '--at', '5m');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain("drift against the hospital's records: 3");
    expect(r.stdout).toContain('recorded, never seen: ward-7 (unit ward, records line 5)');
    expect(r.stdout).toContain('seen, not recorded:   ward-2 (unit ward, firmware 1.0.0)');
    expect(r.stdout).toContain('version differs:      legacy-2 recorded 1.0.0, reports 0.9.2');
  });
});
