/**
 * Behaviour profiles make rehearsals meaningful: a pump on firmware with the advisories' weakness
 * (unauthenticated commands, CVE-2020-12040 class) can be abused by a rogue client; once the patch
 * is rolled out, the same rogue commands are refused.
 */
import { describe, expect, it } from 'vitest';
import { parseScenarioText } from '../../../src/harness/scenario/load.js';
import { runScenario } from '../../../src/harness/run/runScenario.js';
import { oneWardSite } from '../../support/scenarioText.js';

function scenario(withRollout: boolean): string {
  return `
name: weak-then-patched
seed: 99
duration: 8h
${oneWardSite(['{ type: lvp, count: 4, firmware: 1.0.0, profile: unauthenticated-commands }'])}
releases:
  - { id: fw-110, version: 1.1.0, notes: "signed commands only" }
${withRollout ? `rollout:
  release: fw-110
  startAt: 0s
  waves: [{ percent: 100 }]
` : ''}timeline:
  - { at: 6h, action: program, target: all, args: { rate: 50, vtbi: 500 } }
  - { at: 6h, action: start, target: all }
  - { at: 7h, fault: rogue-client, target: segment:seg-ward, args: { command: "PAUSE" } }
`;
}

describe('a weak firmware profile can be abused until the patch closes it', () => {
  it('before the patch: the rogue PAUSE is obeyed and reported as a violation', async () => {
    const { result } = await runScenario(parseScenarioText(scenario(false), 'weak.yaml'));
    expect(result.outcome).toBe('violation');
    expect(result.violations.filter((v) => v.rule === 'no-unauthorised-change')).toHaveLength(4);
    expect(result.pumps.every((p) => p.firmware === '1.0.0')).toBe(true);
  });

  it('after the patch: every pump runs 1.1.0 (secure) and refuses the same commands', async () => {
    const { result, trace } = await runScenario(parseScenarioText(scenario(true), 'patched.yaml'));
    expect(result.pumps.map((p) => p.firmware)).toEqual(['1.1.0', '1.1.0', '1.1.0', '1.1.0']);
    expect(result.violations).toEqual([]);
    const refused = trace.records.filter((r) => r.kind === 'command' && r.source === 'rogue' && !r.ok);
    expect(refused).toHaveLength(4);
    expect(result.outcome).toBe('pass');
  });
});
