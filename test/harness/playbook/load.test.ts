/**
 * Bad playbooks are refused before the run, with file:line:column and what was expected
 * (docs/playbooks.md, Bad input), like every part of a scenario; the CLI exits 2 on them.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseScenarioText } from '../../../src/harness/scenario/load.js';
import { BASE, oneProblem, problemsOf } from '../scenario/helpers.js';
import { infusimSync } from '../../support/cli.js';

const MONITOR = 'monitor:\n  baseline: 10m\n';
const withBook = (steps: string, trigger = '{ alerts: [unknown-client], severity: high }'): string => `${BASE}${MONITOR}playbooks:\n  - id: pb\n    trigger: ${trigger}\n    steps:\n${steps}`;

describe('playbooks: in a scenario file', () => {
  it('loads, with defaults filled in', () => {
    const s = parseScenarioText(withBook('      - { role: it-security, action: isolate-segment, target: seg-b, takes: 10m, approval: { role: nursing, delay: 5m } }\n      - { role: vendor, action: notify-vendor }\n', '{ alerts: [replay] }'), 'scenarios/t.yaml').scenario;
    expect(s.playbooks).toEqual([
      {
        id: 'pb',
        trigger: { alerts: ['replay'], severity: 'low' },
        steps: [
          { role: 'it-security', action: 'isolate-segment', target: 'seg-b', takes: '10m', approval: { role: 'nursing', delay: '5m' } },
          { role: 'vendor', action: 'notify-vendor', takes: 0 },
        ],
      },
    ]);
  });

  it('an unknown action, role or alert kind is refused at its value', () => {
    expect(oneProblem(withBook('      - { role: it-security, action: unplug, target: seg-b }\n'), 'unplug').path).toBe('playbooks[0].steps[0].action');
    expect(oneProblem(withBook('      - { role: janitor, action: notify-vendor }\n'), 'janitor').path).toBe('playbooks[0].steps[0].role');
    expect(oneProblem(withBook('      - { role: vendor, action: notify-vendor }\n', '{ alerts: [intrusion] }'), 'intrusion').path).toBe('playbooks[0].trigger.alerts[0]');
  });

  it('a step time that is no duration is refused at it', () => {
    oneProblem(withBook('      - { role: vendor, action: notify-vendor, takes: soon }\n'), 'soon');
  });

  it('an action naming an unknown segment or pump is refused before the run, at its target', () => {
    const seg = oneProblem(withBook('      - { role: it-security, action: isolate-segment, target: seg-c }\n'), 'seg-c');
    expect(seg.message).toMatch(/segment "seg-c" is not in site.segments \(did you mean "seg-a"\?\)/);
    const pump = oneProblem(withBook('      - { role: it-security, action: revoke-credential, target: icu-99 }\n'), 'icu-99');
    expect(pump.message).toMatch(/pump "icu-99" is not in the fleet/);
    const pumps = oneProblem(withBook('      - { role: nursing, action: standalone, target: unit:nicu }\n'), 'unit:nicu');
    expect(pumps.message).toMatch(/target "unit:nicu" selects no pump/);
  });

  it('a target the action needs, or does not take, and clients that cannot be blocked', () => {
    expect(oneProblem(withBook('      - { role: it-security, action: isolate-segment }\n'), 'isolate-segment').message).toMatch(/isolate-segment needs a target: a segment id/);
    expect(oneProblem(withBook('      - { role: vendor, action: notify-vendor, target: acme }\n'), 'acme').message).toMatch(/notify-vendor takes no target/);
    expect(oneProblem(withBook('      - { role: it-security, action: block-client, target: gateway }\n'), 'gateway }').message).toMatch(/the gateway cannot be blocked/);
    expect(oneProblem(withBook('      - { role: it-security, action: block-client, target: icu-1 }\n'), 'icu-1 }').message).toMatch(/revoke-credential/);
  });

  it('start-rollout needs a rollout that waits to be started; playbooks need monitor:', () => {
    expect(oneProblem(withBook('      - { role: clinical-engineering, action: start-rollout, target: all }\n'), 'start-rollout').message).toMatch(/needs rollout: with targets: \{ fromAdvisory: true \}/);
    const noMonitor = `${BASE}playbooks:\n  - id: pb\n    trigger: { alerts: [replay] }\n    steps:\n      - { role: vendor, action: notify-vendor }\n`;
    expect(oneProblem(noMonitor, '- id: pb').message).toMatch(/the scenario needs a monitor: section/);
  });

  it('the playbook expectations need playbooks: and name one that exists', () => {
    const noBooks = `${BASE}  - { check: infusions-interrupted, max: 0 }\n`;
    expect(oneProblem(noBooks, 'infusions-interrupted').message).toMatch(/needs a playbooks: section/);
    const text = withBook('      - { role: vendor, action: notify-vendor }\n').replace('    within: 2m\n', '    within: 2m\n  - { check: contain, playbook: pbb, within: 30m }\n');
    expect(oneProblem(text, 'pbb').message).toMatch(/no playbook "pbb" \(did you mean "pb"\?\)/);
  });

  it('every problem at once, in file order', () => {
    const ps = problemsOf(withBook('      - { role: it-security, action: isolate-segment, target: seg-x }\n      - { role: it-security, action: revoke-credential, target: icu-77 }\n'));
    expect(ps.map((p) => p.path)).toEqual(['playbooks[0].steps[0].target', 'playbooks[0].steps[1].target']);
  });
});

describe('infusim run refuses a bad playbook', () => {
  it('exits 2 with file:line:column and runs nothing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'infusim-playbook-'));
    const file = join(dir, 'bad.yaml');
    const text = withBook('      - { role: it-security, action: isolate-segment, target: seg-c }\n');
    writeFileSync(file, text);
    const r = infusimSync(['run', file, '--no-progress']);
    expect(r.status).toBe(2);
    const line = text.split('\n').findIndex((l) => l.includes('seg-c')) + 1;
    const column = (text.split('\n')[line - 1] ?? '').indexOf('seg-c') + 1;
    expect(r.stderr).toContain(`bad.yaml:${line}:${column}: playbooks[0].steps[0].target: segment "seg-c" is not in site.segments`);
    expect(r.stdout).toBe('');
  });
});
