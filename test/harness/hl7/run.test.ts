/**
 * A run with HL7: the shipped scenario hl7-interface-outage against infusim's own engine (in
 * process) and, end to end, `infusim run --hl7` against `infusim hl7 listen` (real processes, real
 * TCP): every PCD-01 the gateway queued reaches the engine exactly once through the outage.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
    expect(b.stderr).toContain('--port: a port is 0 (any free port) to 65535, got "70000"');
  });
});

describe('infusim run --hl7-listen with infusim hl7 send (PCD-03, real processes)', () => {
  it('an order sent from the command line programs a pump after confirmation at the pump', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'infusim-hl7-orders-'));
    const file = join(dir, 'orders.yaml');
    writeFileSync(file, ['name: hl7-orders-cli', 'seed: 7', 'duration: 1h', 'site:', '  segments: [{ id: seg-a }]', '  units:', '    - { id: icu, careArea: icu, segment: seg-a, pumps: [{ type: lvp, count: 2 }] }', ''].join('\n'));
    // Paced at 120x: the hour of virtual time takes at least 30 s of wall time (pacing only ever
    // slows a run down), time enough for \`hl7 send\` to start and its order to arrive; the
    // confirmation at the pump comes 10 virtual seconds after it (docs/hl7.md).
    const child = spawnInfusim(['run', file, '--hl7-listen', '0', '--speed', '120x', '--no-progress'], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      let out = '';
      let err = '';
      child.stdout?.setEncoding('utf8').on('data', (d: string) => (out += d));
      child.stderr?.setEncoding('utf8').on('data', (d: string) => (err += d));
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      const port = await new Promise<number>((resolve, reject) => {
        void exited.then((code) => reject(new Error(`run exited ${code}: ${err}`)));
        const t = setInterval(() => {
          const m = /hl7 orders: listening on 127\.0\.0\.1:(\d+)/.exec(err);
          if (m) {
            clearInterval(t);
            resolve(Number(m[1]));
          }
        }, 10);
      });
      const sent = await infusim(['hl7', 'send', '--to', `127.0.0.1:${port}`, '--pump', 'icu-2', '--patient', 'P-icu-2', '--drug', 'insulin', '--dose', '4units/h', '--vtbi', '40']);
      expect(sent.status, sent.stderr).toBe(0);
      expect(sent.stdout).toMatch(/^AA \S+: pump icu-2 programmed \(PROGRAM drug=insulin dose=4 vtbi=40\); the start waits for confirmation at the pump/);
      expect(await exited).toBe(0);
      expect(out).toMatch(/hl7 orders 127\.0\.0\.1:\d+: 1 received, 0 refused, 1 programmed, 1 confirmed at the pump/);
    } finally {
      child.kill('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('hl7 send refuses options that make no order (exit 2)', () => {
    const r = infusimSync(['hl7', 'send', '--to', '127.0.0.1:1', '--pump', 'icu-1', '--patient', 'P-icu-1', '--drug', 'insulin', '--vtbi', '40']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('give one of --rate (mL/h) or --dose');
  });
});
