/**
 * The monitor is passive (docs/monitoring.md): a scenario gives the same trace, byte for byte, with
 * and without a `monitor:` section; and a normal day (the first 3 hours of hospital-day, a partition
 * of a tenth of ward-a at 2h included) raises no alert of any kind.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { runScenario } from '../../../src/index.js';
import { loadScenarioFile, parseScenarioText } from '../../../src/harness/scenario/load.js';

const HASHES = JSON.parse(readFileSync('test/scenarios/traceHashes.json', 'utf8')) as Record<string, string>;

function withMonitor(file: string, edit: (doc: Record<string, unknown>) => void): ReturnType<typeof parseScenarioText> {
  const doc = parse(readFileSync(`scenarios/${file}`, 'utf8')) as Record<string, unknown>;
  edit(doc);
  return parseScenarioText(stringify(doc), `scenarios/${file}`);
}

describe('the traffic monitor is passive', () => {
  it('rogue-client.yaml: the same trace hash with a monitor as without (the recorded one), and the monitor saw its attacks', async () => {
    const plain = await runScenario(loadScenarioFile('scenarios/rogue-client.yaml'));
    const watched = await runScenario(withMonitor('rogue-client.yaml', (d) => (d.monitor = { baseline: '10m' })));
    expect(plain.result.traceHash).toBe(HASHES['rogue-client.yaml']);
    expect(watched.result.traceHash).toBe(plain.result.traceHash);
    expect(plain.result.monitor).toBeUndefined();
    // Its three rogue-client entries (30m every 10m, 40m forged, 45m replayed), each detected.
    expect(watched.result.monitor?.detections.map((d) => [d.attack, d.startMs, d.detected])).toEqual([
      ['rogue-client', 30 * 60_000, true],
      ['rogue-client', 40 * 60_000, true],
      ['rogue-client', 45 * 60_000, true],
    ]);
  });
});

describe('a normal day', () => {
  it('the first 3 hours of hospital-day (200 pumps, baseline 1h) raise no alert of any kind', async () => {
    const loaded = withMonitor('hospital-day.yaml', (d) => {
      d.duration = '3h';
      d.timeline = (d.timeline as { at: string }[]).filter((e) => Number.parseInt(e.at, 10) < 3);
      d.monitor = { baseline: '1h' };
    });
    const { result } = await runScenario(loaded);
    expect(result.monitor?.alerts.map((a) => `${a.kind} ${a.pumpId ?? a.segment ?? ''}`)).toEqual([]);
    expect(result.monitor?.falseAlertsPer1000PumpHours).toBe(0);
    expect(result.monitor?.baseline.map((b) => b.unit)).toEqual(['icu', 'ward-a', 'ward-b', 'nicu']);
  });
});
