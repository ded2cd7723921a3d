import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../../src/harness/paths.js';
import { runScenario } from '../../../src/harness/run/runScenario.js';
import { parseScenarioText } from '../../../src/harness/scenario/load.js';
import { oneUnitSite } from '../../support/scenarioText.js';

const FILE = join(PACKAGE_ROOT, 'scenarios', 'x.yaml');

describe("the ward's nurses and what is loaded", () => {
  it('a syringe infusion ends at its VTBI with liquid left for KVO: no CONTAINER_EMPTY at VTBI complete', async () => {
    // patch-rollout's ICU: syringe pumps on drug and basic infusions, the default 50 mL syringe.
    const text = `name: x
seed: 4242
duration: 24h
${oneUnitSite({ id: 'icu', careArea: 'icu', segment: 's' }, ['pumps: [{ type: syringe, count: 8 }]', 'patients: { pcaFraction: 0, basicFraction: 0.5, occlusionsPerDay: 0, airPerDay: 0, doorPerDay: 0, mainsLossPerDay: 0 }'])}
`;
    const { result, trace } = await runScenario(parseScenarioText(text, FILE));
    const ids = result.alarms.map((a) => a.id);
    expect(ids.filter((id) => id === 'VTBI_COMPLETE').length).toBeGreaterThan(20);
    expect(ids).not.toContain('CONTAINER_EMPTY');
    // Every program the nurses entered leaves at least 2 mL of the 50 mL syringe.
    const vtbis = trace.records.flatMap((r) => (r.kind === 'command' && r.ok && r.command.startsWith('PROGRAM') ? [Number(/ vtbi=([\d.]+)/.exec(r.command)?.[1])] : []));
    expect(vtbis.length).toBeGreaterThan(20);
    expect(Math.max(...vtbis)).toBeLessThanOrEqual(48);
  });
});
