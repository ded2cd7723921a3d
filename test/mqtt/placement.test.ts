/**
 * Broker placement: the embedded broker runs in this process for small fleets and in a child
 * process above a threshold (docs/mqtt.md). Here the threshold is 5 pumps, so the 40-pump
 * gateway-outage scenario gets the child-process broker; the outage kills that process and forks a
 * fresh one, and every event is still ingested exactly once. Also: the broker's retained-message
 * index (exact topics) answers like aedes' own store.
 */
import { describe, expect, it } from 'vitest';
import { AccessPolicy } from '../../src/harness/mqtt/acl.js';
import { EmbeddedBroker } from '../../src/harness/mqtt/broker.js';
import { ChildProcessBroker } from '../../src/harness/mqtt/childBroker.js';
import { generateCredentials } from '../../src/harness/mqtt/credentials.js';
import { chooseBrokerPlacement, DEFAULT_CHILD_BROKER_ABOVE_PUMPS } from '../../src/harness/mqtt/transport.js';
import { runScenario } from '../../src/harness/run/runScenario.js';
import { loadScenarioFile } from '../../src/harness/scenario/load.js';
import mqtt from 'mqtt';

describe('broker placement', () => {
  it('chooses the child process above the threshold, in-process at or below it', () => {
    expect(chooseBrokerPlacement(40)).toBe('in-process');
    expect(chooseBrokerPlacement(DEFAULT_CHILD_BROKER_ABOVE_PUMPS)).toBe('in-process');
    expect(chooseBrokerPlacement(DEFAULT_CHILD_BROKER_ABOVE_PUMPS + 1)).toBe('child-process');
    expect(chooseBrokerPlacement(6, { childBrokerAbovePumps: 5 })).toBe('child-process');
    expect(chooseBrokerPlacement(5, { childBrokerAbovePumps: 5 })).toBe('in-process');
    expect(chooseBrokerPlacement(10_000, { brokerPlacement: 'in-process' })).toBe('in-process');
    expect(chooseBrokerPlacement(1, { brokerPlacement: 'child-process' })).toBe('child-process');
  });

  it('the child-process broker applies the same credentials and ACLs', async () => {
    const creds = generateCredentials('cp', [{ pumpId: 'p1', unit: 'icu' }, { pumpId: 'p2', unit: 'icu' }]);
    expect(new AccessPolicy(creds).allowsAnonymous).toBe(false);
    const b = new ChildProcessBroker(creds);
    await b.start();
    try {
      expect(b.pid).not.toBe(process.pid);
      const anon = mqtt.connectAsync(b.url, { clientId: 'anon', protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 3000 });
      await expect(anon).rejects.toThrow();
      const id = creds.pumps.get('p1');
      if (!id) throw new Error('no p1');
      const c = await mqtt.connectAsync(b.url, { clientId: id.clientId, username: id.username, password: id.password, protocolVersion: 4, reconnectPeriod: 0 });
      // Another pump's commands: SUBACK 0x80 (mqtt.js rejects).
      await expect(c.subscribeAsync('infusim/v1/cp/icu/p2/cmd', { qos: 1 })).rejects.toThrow();
      expect((await b.info()).connections).toBe(1);
      await c.endAsync(true);
      // Refusals are reported by the child over IPC.
      await expect.poll(() => b.counters.connectionsRefused + b.counters.subscriptionsDenied).toBe(2);
    } finally {
      await b.close();
    }
    expect(b.running).toBe(false);
  }, 30_000);

  it('gateway-outage with the child-process broker (threshold 5 pumps): broker process killed, every event exactly once', async () => {
    const loaded = loadScenarioFile('scenarios/gateway-outage.yaml');
    const run = await runScenario(loaded, { transport: { kind: 'mqtt', childBrokerAbovePumps: 5 } });
    const r = run.result;
    expect(run.mqtt?.placement).toBe('child-process');
    expect(run.mqtt?.broker).toBe('embedded aedes (child process)');
    expect(run.mqtt?.stats.brokerKills).toBe(1);
    expect(run.mqtt?.stats.reconnects).toBeGreaterThanOrEqual(40);
    expect(run.mqtt?.stats.malformed).toBe(0);
    expect(run.mqtt?.stats.barrierTimeouts).toBe(0);
    expect(r.violations).toEqual([]);
    expect(r.exitCode).toBe(0);
    expect(r.network.eventsSent).toBeGreaterThan(500);
    expect(r.network.eventsIngested).toBe(r.network.eventsSent);
    expect(r.network.eventsMissing).toBe(0);
    for (const p of r.pumps) expect(p.eventsIngested).toBe(p.eventsSent);
    const keys = run.gateway.record.map((e) => `${e.pumpId}#${e.seq}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(run.mqtt?.stats.telemetryCoalesced).toBeGreaterThan(0);
  }, 60_000);

  it('retained messages are found by exact topic (indexed) and by wildcard filter', async () => {
    const creds = generateCredentials('rt', [{ pumpId: 'p1', unit: 'icu' }, { pumpId: 'p2', unit: 'icu' }]);
    const b = new EmbeddedBroker(new AccessPolicy(creds));
    await b.start();
    const conn = (id: { clientId: string; username: string; password: string }) => mqtt.connectAsync(b.url, { clientId: id.clientId, username: id.username, password: id.password, protocolVersion: 4, reconnectPeriod: 0 });
    try {
      for (const pumpId of ['p1', 'p2']) {
        const id = creds.pumps.get(pumpId);
        if (!id) throw new Error(pumpId);
        const c = await conn(id);
        await c.publishAsync(`infusim/v1/rt/icu/${pumpId}/status`, JSON.stringify({ v: 1, pumpId, online: true }), { qos: 1, retain: true });
        await c.endAsync();
      }
      const seen = async (filter: string): Promise<string[]> => {
        const o = await conn(creds.observer);
        const topics: string[] = [];
        o.on('message', (t) => topics.push(t));
        await o.subscribeAsync(filter, { qos: 1 });
        await new Promise((r) => setTimeout(r, 200));
        await o.endAsync();
        return topics.sort();
      };
      expect(await seen('infusim/v1/rt/icu/p2/status')).toEqual(['infusim/v1/rt/icu/p2/status']);
      expect(await seen('infusim/v1/rt/+/+/status')).toEqual(['infusim/v1/rt/icu/p1/status', 'infusim/v1/rt/icu/p2/status']);
      // An empty retained payload clears it, in the index too.
      const p1 = creds.pumps.get('p1');
      if (!p1) throw new Error('p1');
      const c = await conn(p1);
      await c.publishAsync('infusim/v1/rt/icu/p1/status', '', { qos: 1, retain: true });
      await c.endAsync();
      expect(await seen('infusim/v1/rt/icu/p1/status')).toEqual([]);
    } finally {
      await b.close();
    }
  });
});
