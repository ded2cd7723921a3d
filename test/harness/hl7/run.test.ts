/**
 * A run with HL7: the shipped scenario hl7-interface-outage against infusim's own engine (in
 * process) and, end to end, `infusim run --hl7` against `infusim hl7 listen` (real processes, real
 * TCP): every PCD-01 the gateway queued reaches the engine exactly once through the outage.
 */
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../../src/harness/run/runScenario.js';
import { loadScenarioFile } from '../../../src/harness/scenario/load.js';
import { infusim, infusimSync, spawnInfusim } from '../../support/cli.js';

describe('hl7-interface-outage (shipped)', () => {
  it('every PCD-01 is acknowledged and processed once; each fault had its effect', async () => {
    const { result, hl7 } = await runScenario(loadScenarioFile('scenarios/hl7-interface-outage.yaml'));
    expect(hl7).toBeDefined();
    const h = hl7!;
    // 6 pumps x 12 periodic reports (every 10 min in 2 h) = 72, plus one per change of state.
    expect(h.queued).toBeGreaterThan(72);
    expect([h.acked, h.engineProcessed, h.pending, h.duplicateAcks]).toEqual([h.queued, h.queued, 0, 0]);
    expect(h.nacks, 'hl7-nack answered AE').toBeGreaterThan(0);
    expect(h.timeouts, 'hl7-slow-ack made the gateway wait past its timeout').toBeGreaterThan(0);
    expect(h.resent).toBeGreaterThan(0);
    expect(h.alerts, 'PCD-04 for the occlusions of the day').toBeGreaterThan(0);
    expect(result.expectations.find((e) => e.description.includes('(HL7)'))?.passed).toBe(true);
  });
});

describe('infusim run --hl7 against infusim hl7 listen', () => {
  it('the listener prints each message once; the run says how many it queued', async () => {
    const child = spawnInfusim(['hl7', 'listen', '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      let out = '';
      child.stdout?.setEncoding('utf8').on('data', (d: string) => (out += d));
      const port = await new Promise<number>((resolve, reject) => {
        child.once('exit', (code) => reject(new Error(`listener exited ${code}`)));
        const t = setInterval(() => {
          const m = /listening on 127\.0\.0\.1:(\d+)/.exec(out);
          if (m) {
            clearInterval(t);
            resolve(Number(m[1]));
          }
        }, 10);
      });
      const r = await infusim(['run', 'scenarios/hl7-interface-outage.yaml', '--hl7', `127.0.0.1:${port}`, '--no-progress']);
      expect(r.status, r.stderr).toBe(0);
      const m = /hl7 127\.0\.0\.1:\d+: (\d+) queued \(\d+ PCD-04\), (\d+) acknowledged AA, 0 left/.exec(r.stdout);
      expect(m, r.stdout).not.toBeNull();
      const queued = Number(m![1]);
      expect(Number(m![2])).toBe(queued);
      const printed = out.split('\n').filter((l) => / ORU\^R(01|40) /.test(l)).map((l) => l.split(' ')[0]);
      expect(printed.length).toBe(queued);
      expect(new Set(printed).size).toBe(queued);
    } finally {
      child.kill('SIGTERM');
    }
  });

  it('bad addresses and ports exit 2 with the reason', () => {
    const a = infusimSync(['run', 'scenarios/hl7-interface-outage.yaml', '--hl7', 'no-port-here']);
    expect(a.status).toBe(2);
    expect(a.stderr).toContain('--hl7 takes host:port');
    const b = infusimSync(['hl7', 'listen', '--port', '70000']);
    expect(b.status).toBe(2);
    expect(b.stderr).toContain('a port is 0 (any free port) to 65535, got "70000"');
  });
});
