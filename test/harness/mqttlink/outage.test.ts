/**
 * The done-when of the MQTT transport: the gateway-outage scenario over a real broker, the broker
 * killed at the start of the outage and restarted at its end; every infusion continues and every
 * event is ingested exactly once, with the outage on the timeline.
 */
import { describe, expect, it } from 'vitest';
import { generateCredentials } from '../../../src/harness/broker/credentials.js';
import { runScenario } from '../../../src/harness/run/runScenario.js';
import { fleetPumps } from '../../../src/harness/scenario/fleet.js';
import { loadScenarioFile } from '../../../src/harness/scenario/load.js';
import { expectExactlyOnce } from '../../support/exactlyOnce.js';
import { gatewayOutageTo4h } from '../../support/scenarioText.js';
import { TARGETS } from './targets.js';

describe.each(TARGETS)('gateway-outage over MQTT ($name)', (target) => {
  (target.available ? it : it.skip)('kills the broker mid-run; infusions go on and every event is ingested exactly once', async () => {
    const loaded = gatewayOutageTo4h();
    const creds = generateCredentials('go', fleetPumps(loaded.scenario).map((f) => ({ pumpId: f.id, unit: f.unit, profile: f.profile })));
    // The "the test's own mosquitto process": this test kills it and restarts it.
    const broker = await target.start(creds, { killable: true });
    try {
      const run = await runScenario(loaded, { transport: { kind: 'mqtt', brokerUrl: broker.url, credentials: creds, site: 'go', brokerControl: broker.control } });
      const r = run.result;
      expect(run.mqtt?.stats.brokerKills).toBe(1);
      expect(run.mqtt?.stats.reconnects).toBeGreaterThanOrEqual(40);
      expect(run.mqtt?.stats.malformed).toBe(0);
      expect(run.mqtt?.stats.barrierTimeouts).toBe(0);
      expect(r.violations).toEqual([]);
      expect(r.expectations.every((e) => e.passed)).toBe(true);
      expect(r.exitCode).toBe(0);
      expect(r.network.eventsSent).toBeGreaterThan(500);
      expectExactlyOnce(run);
      // The outage is on the timeline: gateway down 3h → 3h25m.
      expect(r.networkSpans).toContainEqual(expect.objectContaining({ what: 'gateway down', target: 'gateway', startMs: 3 * 3600_000, endMs: 3 * 3600_000 + 25 * 60_000 }));
      // Telemetry while the broker was away was coalesced, and the report counts it.
      expect(run.mqtt?.stats.telemetryCoalesced).toBeGreaterThan(0);
    } finally {
      await broker.close();
    }
  });
});

describe.each(TARGETS)('ward-network-partition over MQTT ($name)', (target) => {
  (target.available ? it : it.skip)('cuts the ward\'s real connections for 45 min; their last wills say offline; nothing is lost', async () => {
    const loaded = loadScenarioFile('scenarios/ward-network-partition.yaml');
    const creds = generateCredentials('wnp', fleetPumps(loaded.scenario).map((f) => ({ pumpId: f.id, unit: f.unit, profile: f.profile })));
    const ward = fleetPumps(loaded.scenario).filter((f) => f.unit === 'ward').length;
    const broker = await target.start(creds);
    try {
      const run = await runScenario(loaded, { transport: { kind: 'mqtt', brokerUrl: broker.url, credentials: creds, site: 'wnp', brokerControl: broker.control } });
      const r = run.result;
      expect(run.mqtt?.stats.connectionCuts).toBe(ward);
      expect(run.mqtt?.stats.brokerKills).toBe(0);
      expect(run.mqtt?.stats.presenceOffline).toBeGreaterThanOrEqual(ward);
      expect(r.violations).toEqual([]);
      expect(r.exitCode).toBe(0);
      expect(r.network.eventsIngested).toBe(r.network.eventsSent);
    } finally {
      await broker.close();
    }
  });
});
