/**
 * Remote commands carry their expiry in the payload (aedes speaks MQTT 3.1.1: no message expiry);
 * a command that reaches the pump after it has gone stale is refused.
 */
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../../src/harness/run/runScenario.js';
import { defineScenario } from '../../../src/harness/scenario/define.js';

describe('stale remote commands over MQTT', () => {
  it('a titration delayed past its expiry is refused; the same command on time is accepted', async () => {
    const loaded = defineScenario({
      name: 'stale-command',
      seed: 7,
      duration: '40m',
      site: { segments: [{ id: 's' }], units: [{ id: 'icu', careArea: 'icu', segment: 's', pumps: [{ type: 'lvp', count: 1 }] }] },
      timeline: [
        { at: '0s', action: 'program', target: 'unit:icu', args: { drug: 'heparin', dose: 18, weight: 80, vtbi: 250 } },
        { at: '0s', action: 'start', target: 'unit:icu' },
        // 45 s on the wire: the 30 s command goes stale on the way.
        { at: '10m', fault: 'latency', target: 'unit:icu', args: { ms: 45000 }, end: '15m' },
        { at: '11m', action: 'remote', target: 'unit:icu', args: { command: 'TITRATE dose=20' } },
        { at: '20m', action: 'remote', target: 'unit:icu', args: { command: 'TITRATE dose=22' } },
      ],
    });
    const run = await runScenario(loaded, { transport: { kind: 'mqtt' } });
    const remote = run.trace.records.filter((r) => r.kind === 'command' && r.source === 'gateway');
    expect(remote.map((r) => (r.kind === 'command' ? [r.command, r.auth, r.ok] : []))).toEqual([
      ['TITRATE dose=20', 'stale', false],
      ['TITRATE dose=22', 'accepted', true],
    ]);
    expect(run.result.violations).toEqual([]);
  });
});
