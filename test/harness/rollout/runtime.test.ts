import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../../src/harness/paths.js';
import { runScenario } from '../../../src/harness/run/runScenario.js';
import { GLOBAL_RULES, SafetyMonitor } from '../../../src/harness/safety/monitor.js';
import { parseScenarioText, ScenarioError } from '../../../src/harness/scenario/load.js';
import { LibraryUpdater } from '../../../src/sim/firmware/libraryUpdate.js';
import { library, makePump } from '../../sim/helpers.js';
import { makeUpdater, TRUSTED } from '../../sim/firmware/fixtures.js';

const FILE = join(PACKAGE_ROOT, 'scenarios', 'x.yaml');

function scenario(extra: string, pumps = '[{ type: lvp, count: 2, firmware: 1.0.0 }]'): string {
  return `name: x
seed: 7
duration: 1h
site:
  segments: [{ id: s }]
  units:
    - { id: u, careArea: medsurg, segment: s, pumps: ${pumps} }
${extra}`;
}

function problems(text: string): string[] {
  try {
    parseScenarioText(text, FILE);
    return [];
  } catch (e) {
    if (e instanceof ScenarioError) return e.problems.map((p) => `${p.path}: ${p.message}`);
    throw e;
  }
}

describe('scenario files with releases, libraries and a rollout', () => {
  it('load, and their references are checked', () => {
    expect(problems(scenario('releases: [{ id: r1, version: 1.1.0 }]\nrollout: { release: r1, waves: [{ count: 1 }, { unit: u }] }'))).toEqual([]);
    expect(problems(scenario('releases: [{ id: r1, version: 1.1.0 }]\nrollout: { release: r2 }')).join('\n')).toMatch(/rollout.release: release "r2" is not in releases: \(did you mean "r1"\?\)/);
    expect(problems(scenario('releases: [{ id: r1, version: 1.1.0 }]\nrollout: { release: r1, waves: [{ unit: nope }] }')).join('\n')).toMatch(/rollout.waves\[0\].unit: unit "nope" is not in site.units/);
    expect(problems(scenario('releases: [{ id: r1, version: 1.1.0 }]', '[{ type: lvp, count: 1, firmware: v1-beta }]')).join('\n')).toMatch(/every pump's firmware is MAJOR.MINOR.PATCH/);
    expect(problems(scenario('releases: [{ id: r1, version: 1.1 }]')).join('\n')).toMatch(/releases\[0\].version/);
    expect(problems(scenario('releases: [{ id: r1, version: 1.1.0, tamper: evil }]')).join('\n')).toMatch(/releases\[0\].tamper/);
    expect(problems(scenario('timeline: [{ at: 1m, action: rollout-pause }]')).join('\n')).toMatch(/needs a rollout: section/);
    expect(problems(scenario('releases: [{ id: r1, version: 1.1.0 }]\ntimeline: [{ at: 1m, action: firmware-offer, args: { release: r9 } }]')).join('\n')).toMatch(/release "r9" is not in releases:/);
    expect(problems(scenario('timeline: [{ at: 1m, fault: update-power-loss, target: u-1, args: { stage: writing } }]')).join('\n')).toMatch(/needs releases:/);
    expect(problems(scenario('releases: [{ id: r1, version: 1.1.0 }]\ntimeline: [{ at: 1m, fault: update-power-loss, target: u-1, args: { stage: sleeping } }]')).join('\n')).toMatch(/stage/);
    expect(problems(scenario('rollout: { release: r1, waves: [{ count: 1, percent: 5 }] }\nreleases: [{ id: r1, version: 1.1.0 }]')).join('\n')).toMatch(/exactly one of count:, percent: or unit:/);
  });

  it('a weak profile that accepts unsigned images boots one: reported, not a violation; a secure pump refuses it', async () => {
    const text = scenario(
      'releases: [{ id: unsigned, version: 1.1.0, tamper: unsigned, sizeBytes: 8192 }]\ntimeline: [{ at: 1m, action: firmware-offer, target: all, args: { release: unsigned } }]',
      '[{ type: lvp, count: 1, firmware: 1.0.0, profile: accepts-unsigned-images }, { type: lvp, count: 1, firmware: 1.0.0 }]',
    );
    const { result, world } = await runScenario(parseScenarioText(text, FILE));
    expect(result.violations).toEqual([]);
    expect(world.pump('u-1').pump.firmwareVersion).toBe('1.1.0');
    expect(world.pump('u-2').pump.firmwareVersion).toBe('1.0.0');
    const r = result.rollout!;
    expect(r.weakBoots).toBe(1);
    expect(r.refusals).toEqual({ 'bad-signature': 1 });
    // u-1 now runs the secure profile of 1.1.0; nobody is left on a weak profile.
    expect(r.weakProfiles).toEqual([]);
  });

  it('scenarios without updates give pumps no update agents (their traces are unchanged)', async () => {
    const { result, world } = await runScenario(parseScenarioText(scenario(''), FILE));
    expect(result.rollout).toBeUndefined();
    expect(world.pump('u-1').pump.firmwareStatus()).toBeUndefined();
  });
});

describe('the safety rules on update events', () => {
  const pump = () => makePump({ firmware: makeUpdater(), libraryUpdates: new LibraryUpdater({ model: 'lvp', trustedKeys: TRUSTED, initial: { library: library(), sequence: 1 } }) });

  it('flag a library activated or an install started under a held program', () => {
    const m = new SafetyMonitor();
    const p = pump();
    m.watch('p', p);
    m.event('p', { type: 'STATE', tMs: 1, state: 'RUNNING', reason: 'start' });
    m.event('p', { type: 'UPDATE', tMs: 2, event: { type: 'library-activated', tMs: 2, library: 'L@2', previous: 'L@1' } });
    m.event('p', { type: 'UPDATE', tMs: 3, event: { type: 'install-started', tMs: 3, slot: 'B', version: '1.1.0' } });
    expect(m.violations.map((v) => v.rule)).toEqual([GLOBAL_RULES.libraryUnderInfusion, GLOBAL_RULES.updateInterrupted]);
    const idle = new SafetyMonitor();
    idle.watch('p', pump());
    idle.event('p', { type: 'UPDATE', tMs: 2, event: { type: 'library-activated', tMs: 2, library: 'L@2', previous: 'L@1' } });
    expect(idle.violations).toEqual([]);
  });
});
