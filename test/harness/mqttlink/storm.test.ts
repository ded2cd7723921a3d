/**
 * The reconnect-storm scenario over a real broker: at each storm every pump's TCP connection is
 * dropped (no DISCONNECT, so the broker publishes its last will) and each client reconnects after
 * the storm's seeded backoff and jitter in virtual time (1 to 5 s), resuming its persistent
 * session, as in the in-process network. Infusions go on and every event is ingested exactly once.
 */
import { describe, expect, it } from 'vitest';
import { generateCredentials } from '../../../src/harness/broker/credentials.js';
import { runScenario } from '../../../src/harness/run/runScenario.js';
import { fleetPumps } from '../../../src/harness/scenario/fleet.js';
import { loadScenarioFile } from '../../../src/harness/scenario/load.js';
import { expectExactlyOnce } from '../../support/exactlyOnce.js';
import { TARGETS } from './targets.js';

describe.each(TARGETS)('reconnect-storm over MQTT ($name)', (target) => {
  (target.available ? it : it.skip)('three storms of 30 pumps: every client drops at once and is back after its backoff; nothing is lost', async () => {
    const loaded = loadScenarioFile('scenarios/reconnect-storm.yaml');
    const pumps = fleetPumps(loaded.scenario);
    const creds = generateCredentials('rs', pumps.map((f) => ({ pumpId: f.id, unit: f.unit, profile: f.profile })));
    const broker = await target.start(creds);
    try {
      const run = await runScenario(loaded, { transport: { kind: 'mqtt', brokerUrl: broker.url, credentials: creds, site: 'rs', brokerControl: broker.control } });
      const r = run.result;
      const s = run.mqtt?.stats;
      expect(s?.reconnectStorms).toBe(3);
      expect(s?.stormDrops).toBe(3 * pumps.length);
      expect(s?.reconnects).toBe(3 * pumps.length);
      expect(s?.brokerKills).toBe(0);
      expect(s?.connectionCuts).toBe(0);
      expect(s?.malformed).toBe(0);
      expect(s?.barrierTimeouts).toBe(0);
      // The broker published each dropped pump's last will (offline) and its online status again.
      expect(s?.presenceOffline).toBeGreaterThanOrEqual(3 * pumps.length);
      expect(r.violations).toEqual([]);
      expect(r.expectations.every((e) => e.passed)).toBe(true);
      expect(r.exitCode).toBe(0);
      expectExactlyOnce(run);
      // The storms are on the timeline, at their instants.
      expect(run.trace.records.filter((x) => x.kind === 'net' && x.what === 'link-down').map((x) => x.tMs)).toEqual([3600_000, 5400_000, 7200_000]);
      // Each storm's last pump is back after the backoff (1 s) and within backoff + jitter (5 s), in virtual time.
      const ups = run.trace.records.filter((x) => x.kind === 'net' && x.what === 'link-up').map((x) => x.tMs);
      expect(ups).toHaveLength(3);
      ups.forEach((t, i) => {
        const at = [3600_000, 5400_000, 7200_000][i]!;
        expect(t).toBeGreaterThan(at + 1000);
        expect(t).toBeLessThanOrEqual(at + 5000);
      });
    } finally {
      await broker.close();
    }
  });
});
