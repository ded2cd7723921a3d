/**
 * The `monitor:` section in scenario files (docs/monitoring.md): refused with file:line:column and
 * what was expected, like every part of a scenario; and the CLI exits 2 on it.
 */
import { describe, expect, it } from 'vitest';
import { parseScenarioText } from '../../../src/harness/scenario/load.js';
import { BASE, oneProblem } from '../scenario/helpers.js';

const withMonitor = (m: string): string => `${BASE}monitor:\n${m}`;

describe('monitor: in a scenario file', () => {
  it('loads with defaults filled in', () => {
    const s = parseScenarioText(withMonitor('  baseline: 30m\n  rules:\n    replay: { severity: critical }\n'), 'scenarios/t.yaml').scenario;
    expect(s.monitor).toMatchObject({ baseline: '30m', gatewaySegment: 'core', authorisedSources: ['gateway'], allow: [], rules: { replay: { enabled: true, severity: 'critical' } } });
  });

  it('an unknown detector is refused at its key, naming the detectors', () => {
    const text = withMonitor('  rules:\n    replays: { count: 2 }\n');
    const p = oneProblem(text, 'replays');
    expect(p.message).toMatch(/replays.*replay/);
  });

  it('a count of 0 is refused at the value', () => {
    const text = withMonitor('  rules:\n    signature-failures: { count: 0 }\n');
    const p = oneProblem(text, '0 }', 'signature-failures: { count: ');
    expect(p.path).toBe('monitor.rules.signature-failures.count');
  });

  it('a window that is no duration is refused at the value', () => {
    const text = withMonitor('  rules:\n    command-rate: { window: soon }\n');
    oneProblem(text, 'soon');
  });

  it('allow: naming a segment the site does not have is refused at it', () => {
    const text = withMonitor('  allow:\n    - { from: seg-a, to: seg-c }\n');
    const p = oneProblem(text, 'seg-c');
    expect(p.message).toMatch(/segment "seg-c" is not in site.segments/);
  });

  it("an attack's from: and credential: name a segment and a pump", () => {
    const bad = BASE.replace('timeline:\n', 'timeline:\n  - { at: 50m, fault: stolen-credential, target: icu-1, args: { credential: icu-99, from: seg-a } }\n');
    const p = oneProblem(bad, 'icu-99');
    expect(p.message).toMatch(/pump "icu-99" is not in the fleet/);
    const scan = BASE.replace('timeline:\n', 'timeline:\n  - { at: 50m, fault: segment-scan, target: all, args: { from: seg-z } }\n');
    oneProblem(scan, 'seg-z');
  });

  it('detect: names an attack the harness injects', () => {
    const text = `${BASE}  - { check: detect, attack: ddos, within: 2m }\nmonitor:\n  baseline: 10m\n`;
    oneProblem(text, 'ddos');
  });
});

describe('the monitor expectations are checked before the run', () => {
  it('detect and false-alerts need monitor:; detect needs its attack in the timeline', () => {
    const noMonitor = `${BASE}  - { check: false-alerts, max: 5 }\n`;
    expect(oneProblem(noMonitor, 'false-alerts').message).toMatch(/needs a monitor: section/);
    const notInjected = `${BASE}  - { check: detect, attack: segment-scan, within: 2m }\nmonitor:\n  baseline: 10m\n`;
    expect(oneProblem(notInjected, 'segment-scan').message).toMatch(/no segment-scan is injected in the timeline/);
  });
});
