import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateCredentials, type Identity } from '../../src/harness/mqtt/credentials.js';
import { pumpTopic, type PumpAddress } from '../../src/harness/mqtt/topics.js';
import { drained, throughMarker } from '../support/mqtt.js';
import { TARGETS, type StartedBroker } from './targets.js';

const creds = generateCredentials('acl', [
  { pumpId: 'p1', unit: 'icu' },
  { pumpId: 'p2', unit: 'icu' },
]);
const p1 = creds.pumps.get('p1') as Identity;
const p2 = creds.pumps.get('p2') as Identity;
const a1 = p1.pump as PumpAddress;
const a2 = p2.pump as PumpAddress;


async function connect(url: string, o: { clientId: string; username?: string; password?: string }): Promise<MqttClient> {
  return mqtt.connectAsync(url, { ...o, protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 30_000 });
}

function as(url: string, id: Identity): Promise<MqttClient> {
  return connect(url, { clientId: id.clientId, username: id.username, password: id.password });
}

describe.each(TARGETS)('broker authentication and topic ACLs ($name)', (target) => {
  let broker: StartedBroker;
  let watcher: MqttClient;
  const seen: string[] = [];
  beforeAll(async () => {
    if (!target.available) return;
    broker = await target.start(creds);
    // The gateway listens to every pump's up topics; the observer to the whole site.
    watcher = await as(broker.url, creds.observer);
    await watcher.subscribeAsync(`infusim/v1/acl/#`, { qos: 1 });
    watcher.on('message', (t, p) => seen.push(`${t} ${p.toString()}`));
  });
  afterAll(async () => {
    if (!target.available) return;
    await watcher.endAsync(true);
    await broker.close();
  });
  const run = target.available ? it : it.skip;

  run('refuses an anonymous client', async () => {
    await expect(connect(broker.url, { clientId: 'anon' })).rejects.toThrow(/not authori[sz]ed|bad user ?name or password/i);
  });

  run('refuses a wrong password, and a pump user with a made-up password', async () => {
    await expect(connect(broker.url, { clientId: p1.clientId, username: p1.username, password: 'admin' })).rejects.toThrow(/not authori[sz]ed|bad user ?name or password/i);
    await expect(connect(broker.url, { clientId: 'x', username: 'gateway.acl', password: '' })).rejects.toThrow(/not authori[sz]ed|bad user ?name or password/i);
  });

  run('a pump cannot publish under another pump\'s topics', async () => {
    const c = await as(broker.url, p1);
    seen.length = 0;
    const forged = JSON.stringify({ v: 1, pumpId: 'p2', seq: 1, event: { type: 'RATE', tMs: 0, rateMlPerH: 999 } });
    c.publish(pumpTopic(a2, 'events'), forged, { qos: 0 });
    c.publish(pumpTopic(a2, 'cmd'), '{}', { qos: 0 });
    await drained(c);
    // Its own topic goes through (the observer sees it), the foreign ones never do: once the marker
    // has arrived, anything the broker had let through before it would have arrived too.
    const own = await as(broker.url, p2);
    await throughMarker(own, pumpTopic(a2, 'telemetry'), () => seen);
    expect(seen.filter((s) => s.includes('999') || s.endsWith(' {}'))).toEqual([]);
    await Promise.all([c.endAsync(true), own.endAsync(true)]);
  });

  run('a pump cannot receive another pump\'s commands, and an observer cannot command', async () => {
    const spy = await as(broker.url, p1);
    const got: string[] = [];
    spy.on('message', (t, p) => got.push(`${t} ${p.toString()}`));
    // The broker refuses the foreign filters (SUBACK 0x80); its own is granted.
    await spy.subscribeAsync([pumpTopic(a2, 'cmd'), 'infusim/v1/acl/#', pumpTopic(a1, 'cmd')], { qos: 1 }).catch(() => undefined);
    const gw = await as(broker.url, creds.gateway);
    await gw.publishAsync(pumpTopic(a2, 'cmd'), 'for-p2', { qos: 1 });
    await gw.publishAsync(pumpTopic(a1, 'cmd'), 'for-p1', { qos: 1 });
    const obs = await as(broker.url, creds.observer);
    obs.publish(pumpTopic(a1, 'cmd'), 'from-observer', { qos: 0 });
    await drained(obs);
    const marker = await throughMarker(gw, pumpTopic(a1, 'cmd'), () => got);
    expect(got).toEqual([`${pumpTopic(a1, 'cmd')} for-p1`, `${pumpTopic(a1, 'cmd')} ${marker}`]);
    await Promise.all([spy.endAsync(true), gw.endAsync(true), obs.endAsync(true)]);
  });
});
