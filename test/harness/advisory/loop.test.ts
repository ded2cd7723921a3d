/**
 * The advisory loop in a run (docs/advisories.md#the-loop-in-a-scenario), on a small ward: two
 * LVPs on 1.0.0 (larkspur-tls 2.16.12: patchable to 1.1.0) and two on 0.9.2 (larkspur-tls 0.9.8:
 * no fix planned, so compensating controls). Expected values from the shipped TLS advisory's
 * product status and remediations and the component table of docs/inventory.md.
 */
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../../src/harness/run/runScenario.js';
import { parseScenarioText, ScenarioError } from '../../../src/harness/scenario/load.js';
import { renderHtmlReport } from '../../../src/harness/report/html.js';
import { oneWardSite } from '../../support/scenarioText.js';

const ADVISORY = resolve('scenarios/advisories/INFUSIM-SA-2026-001-tls.json');

function scenario(advisoryFile: string, extra = ''): string {
  return `name: loop
seed: 7
duration: 8h
${oneWardSite(['{ type: lvp, count: 2, firmware: 1.0.0 }', '{ type: lvp, count: 2, firmware: "0.9.2", profile: legacy-unauthenticated, prefix: legacy }'])}
releases:
  - { id: fw-110, version: 1.1.0, minVersion: 1.0.0 }
rollout:
  release: fw-110
  targets: { fromAdvisory: true }
  waves: [{ count: 1 }, { percent: 100 }]
  gates: { soak: 10m }
timeline:
  - { at: 1h, action: advisory, args: { file: ${JSON.stringify(advisoryFile)} } }
  - { at: 3h, fault: rogue-client, target: unit:ward, args: { command: "PAUSE" } }
${extra}expect:
  - { check: advisory-closed, within: 6h }
  - { check: no-unauthorised-change }
`;
}

describe('the advisory action in a run', () => {
  const dir = mkdtempSync(join(tmpdir(), 'infusim-loop-'));

  it('patches the matched pumps, puts the legacy ones under controls, and charts exposure by unit', async () => {
    const loaded = parseScenarioText(scenario(ADVISORY), join(dir, 'loop.yaml'));
    const { result, trace } = await runScenario(loaded);
    const a = result.advisory!;
    expect(a.atMs).toBe(3_600_000);
    expect(a.affected).toBe(4);
    expect(a.patchTargets).toEqual(['ward-1', 'ward-2']);
    expect(a.mitigated.map((m) => m.pumpId)).toEqual(['legacy-1', 'legacy-2']);
    expect(a.closedMs['legacy-1']).toBe(3_600_000);
    expect(a.closedMs['ward-1']).toBeGreaterThan(3_600_000);
    expect(a.exposure[0]).toEqual({ tMs: 3_600_000, byUnit: { ward: 2 } });
    expect(a.exposure.at(-1)?.byUnit).toEqual({ ward: 0 });
    expect(result.rollout?.targets).toBe(2);
    expect(result.expectations.map((e) => e.passed)).toEqual([true, true]);
    // The rogue client reaches the patched pumps (which refuse it) and never the isolated ones.
    const rogue = trace.records.filter((r) => r.kind === 'command' && r.source === 'rogue');
    expect(rogue.map((r) => ('pumpId' in r ? r.pumpId : '')).sort()).toEqual(['ward-1', 'ward-2']);
    expect(trace.records.some((r) => r.kind === 'fault' && r.fault.startsWith('advisory:INFUSIM-SA-2026-001 matched'))).toBe(true);
    const html = renderHtmlReport(result);
    expect(html).toContain('<section id="advisory"><h2>Advisory response</h2>');
    expect(html).toContain('Affected pumps left, by unit');
    // The inventory at the end of the run, in the result (JSON report) and the HTML report.
    expect(result.inventory?.inventory.pumps.map((p) => `${p.pumpId} ${p.firmware} ${p.credentials}`)).toEqual(['ward-1 1.1.0 current', 'ward-2 1.1.0 current', 'legacy-1 0.9.2 legacy', 'legacy-2 0.9.2 legacy']);
    expect(html).toContain('<section id="inventory"><h2>Asset inventory</h2>');
  });

  it('refuses a malformed advisory before the run starts, with the JSON path', async () => {
    const doc = JSON.parse(readFileSync(ADVISORY, 'utf8')) as { document: { title?: string } };
    delete doc.document.title;
    writeFileSync(join(dir, 'bad.json'), JSON.stringify(doc));
    const loaded = parseScenarioText(scenario(join(dir, 'bad.json')), join(dir, 'loop.yaml'));
    await expect(runScenario(loaded)).rejects.toThrow(`${join(dir, 'bad.json')}: not a valid CSAF 2.0 document: /document`);
  });

  it('refuses at load a missing advisory file, a second advisory, and fromAdvisory without one', () => {
    const load = (text: string): string => {
      try {
        parseScenarioText(text, join(dir, 'loop.yaml'));
        return '';
      } catch (e) {
        return (e as ScenarioError).message;
      }
    };
    expect(load(scenario(join(dir, 'none.json')))).toMatch(/timeline\[0\]\.args\.file: the advisory .*none\.json does not exist/);
    expect(load(scenario(ADVISORY).replace('timeline:\n', `timeline:\n  - { at: 2h, action: advisory, args: { file: ${JSON.stringify(ADVISORY)} } }\n`))).toContain('a scenario has at most one advisory action');
    expect(load(scenario(ADVISORY).replace(/ {2}- \{ at: 1h, action: advisory.*\n/, ''))).toContain('rollout.targets.fromAdvisory: takes the targets from an advisory action, and the timeline has none');
  });
});
