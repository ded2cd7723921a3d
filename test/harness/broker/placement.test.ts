/**
 * Broker placement: the embedded broker runs in this process for small fleets and in a child
 * process above a threshold (docs/mqtt.md). A kill of the child-process broker closes and
 * recreates it inside the child with its persistence (a retained status and a QoS 1 message
 * queued for an offline session survive), or, with kill 'process', SIGKILLs the child and forks a
 * fresh one (they are gone). Here the threshold is 5 pumps, so the 40-pump gateway-outage scenario
 * gets the child-process broker, and every event is still ingested exactly once with either kill.
 * Also: the broker's retained-message index (exact topics) answers like aedes' own store.
 */
import { describe, expect, it } from 'vitest';
import { AccessPolicy } from '../../../src/harness/broker/acl.js';
import { EmbeddedBroker } from '../../../src/harness/broker/embeddedBroker.js';
import { ChildProcessBroker } from '../../../src/harness/broker/childProcessBroker.js';
import { generateCredentials } from '../../../src/harness/broker/credentials.js';
import { childBrokerKillOf, chooseBrokerPlacement, DEFAULT_CHILD_BROKER_ABOVE_PUMPS } from '../../../src/harness/mqttlink/transport.js';
import { runScenario } from '../../../src/harness/run/runScenario.js';
import mqtt, { type IConnackPacket, type MqttClient } from 'mqtt';
import type { Credentials, Identity } from '../../../src/harness/broker/credentials.js';
import { expectExactlyOnce } from '../../support/exactlyOnce.js';
import { throughMarker } from '../../support/mqtt.js';
import { gatewayOutageTo4h } from '../../support/scenarioText.js';

/** A client with its messages collected from the first packet on (a persistent session's queue arrives right after CONNACK). */
async function client(url: string, id: Identity, clean: boolean): Promise<{ c: MqttClient; connack: IConnackPacket; messages: { topic: string; payload: string }[] }> {
  const messages: { topic: string; payload: string }[] = [];
  const c = mqtt.connect(url, { clientId: id.clientId, username: id.username, password: id.password, protocolVersion: 4, clean, reconnectPeriod: 0, connectTimeout: 30_000 });
  c.on('message', (topic, payload) => messages.push({ topic, payload: payload.toString() }));
  const connack = await new Promise<IConnackPacket>((resolve, reject) => {
    c.once('connect', resolve);
    c.once('error', reject);
  });
  return { c, connack, messages };
}

function pumpIdentity(creds: Credentials, pumpId: string): Identity {
  const id = creds.pumps.get(pumpId);
  if (!id) throw new Error(`no ${pumpId}`);
  return id;
}

/**
 * Before the kill: p1 has a persistent session subscribed to its commands and is offline; the
 * gateway sends it a QoS 1 command (queued in the session); p2 retains its status.
 */
async function prepareSessionAndRetained(b: ChildProcessBroker, creds: Credentials): Promise<void> {
  const p1 = await client(b.url, pumpIdentity(creds, 'p1'), false);
  await p1.c.subscribeAsync('infusim/v1/cp/icu/p1/cmd', { qos: 1 });
  await p1.c.endAsync();
  const p2 = await client(b.url, pumpIdentity(creds, 'p2'), true);
  await p2.c.publishAsync('infusim/v1/cp/icu/p2/status', JSON.stringify({ v: 1, pumpId: 'p2', online: true }), { qos: 1, retain: true });
  await p2.c.endAsync();
  const gw = await client(b.url, creds.gateway, true);
  await gw.c.publishAsync('infusim/v1/cp/icu/p1/cmd', 'queued while p1 was away', { qos: 1 });
  await gw.c.endAsync();
}

/** The credentials of site cp: pumps p1 and p2 in unit icu. */
function twoPumpSite(): Credentials {
  return generateCredentials('cp', [{ pumpId: 'p1', unit: 'icu' }, { pumpId: 'p2', unit: 'icu' }]);
}

/** prepareSessionAndRetained, then kill the broker (stop): its child's pid and its port before the kill. */
async function prepareThenKill(b: ChildProcessBroker, creds: Credentials): Promise<{ pid: number | undefined; port: number }> {
  await prepareSessionAndRetained(b, creds);
  const before = { pid: b.pid, port: b.port };
  await b.stop();
  return before;
}

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

  it("kills the child-process broker inside the child by default; 'process' on request", () => {
    if (process.env.INFUSIM_MQTT_CHILD_BROKER_KILL === undefined) expect(childBrokerKillOf()).toBe('broker');
    expect(childBrokerKillOf({ childBrokerKill: 'process' })).toBe('process');
    expect(childBrokerKillOf({ childBrokerKill: 'broker' })).toBe('broker');
  });

  it('the child-process broker applies the same credentials and ACLs', async () => {
    const creds = twoPumpSite();
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
  });

  it('a kill of the child-process broker (default) keeps its persistence: the queued QoS 1 message and the retained status are delivered after the restart', async () => {
    const creds = twoPumpSite();
    const b = new ChildProcessBroker(creds);
    await b.start();
    try {
      const { pid, port } = await prepareThenKill(b, creds);
      expect(b.running).toBe(false);
      await expect(mqtt.connectAsync(b.url, { reconnectPeriod: 0, connectTimeout: 2000 })).rejects.toThrow();
      await b.start();
      // The same process, the same port: a new aedes instance on the old persistence.
      expect(b.pid).toBe(pid);
      expect(b.port).toBe(port);
      const p1 = await client(b.url, pumpIdentity(creds, 'p1'), false);
      expect(p1.connack.sessionPresent).toBe(true);
      await expect.poll(() => p1.messages).toEqual([{ topic: 'infusim/v1/cp/icu/p1/cmd', payload: 'queued while p1 was away' }]);
      await p1.c.endAsync();
      const obs = await client(b.url, creds.observer, true);
      await obs.c.subscribeAsync('infusim/v1/cp/icu/p2/status', { qos: 1 });
      await expect.poll(() => obs.messages.map((m) => JSON.parse(m.payload) as unknown)).toEqual([{ v: 1, pumpId: 'p2', online: true }]);
      await obs.c.endAsync();
    } finally {
      await b.close();
    }
    expect(b.running).toBe(false);
  });

  it("kill 'process' SIGKILLs the child and forks a fresh broker: the session is gone", async () => {
    const creds = twoPumpSite();
    const b = new ChildProcessBroker(creds, '127.0.0.1', 'process');
    await b.start();
    try {
      const { pid, port } = await prepareThenKill(b, creds);
      await b.start();
      expect(b.pid).not.toBe(pid);
      expect(b.port).toBe(port);
      const p1 = await client(b.url, pumpIdentity(creds, 'p1'), false);
      // No session, so nothing was queued for it.
      expect(p1.connack.sessionPresent).toBe(false);
      await p1.c.endAsync();
    } finally {
      await b.close();
    }
  });

  it.each(['broker', 'process'] as const)('gateway-outage with the child-process broker (threshold 5 pumps, kill %s): every event exactly once', async (kill) => {
    const loaded = gatewayOutageTo4h();
    const run = await runScenario(loaded, { transport: { kind: 'mqtt', childBrokerAbovePumps: 5, childBrokerKill: kill } });
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
    expectExactlyOnce(run);
    expect(run.mqtt?.stats.telemetryCoalesced).toBeGreaterThan(0);
  });

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
      const markerTopic = 'infusim/v1/rt/icu/p2/telemetry';
      const seen = async (filter: string): Promise<string[]> => {
        const o = await conn(creds.observer);
        const got: string[] = [];
        o.on('message', (t, p) => got.push(`${t} ${p.toString()}`));
        await o.subscribeAsync([filter, markerTopic], { qos: 1 });
        // The retained messages come right after the SUBACK, before a marker published now.
        const p2 = await conn(creds.pumps.get('p2')!);
        await throughMarker(p2, markerTopic, () => got);
        await Promise.all([o.endAsync(), p2.endAsync()]);
        return got.map((s) => s.split(' ')[0]!).filter((t) => t !== markerTopic).sort();
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
