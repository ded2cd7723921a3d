/**
 * Issue 13, item 2: client-id takeover without credentials. With one legacy-unauthenticated pump
 * in the fleet the broker lets anonymous clients in (that pump's command topic is open to them),
 * but an anonymous client must never take over anyone's client id: MQTT-3.1.4-2 lets a new
 * connection with a client id in use disconnect the old one, so the gateway and every pump would
 * be a CONNECT away from being cut off. An anonymous client is confined to the client ids reserved
 * for the legacy pumps' anonymous users (`anon.<site>.<pump>...`) and that pump's command topic.
 */
import mqtt, { type MqttClient } from 'mqtt';
import { describe, expect, it } from 'vitest';
import { AccessPolicy, anonymousClientId } from '../../src/harness/mqtt/acl.js';
import { EmbeddedBroker } from '../../src/harness/mqtt/broker.js';
import { generateCredentials, LEGACY_UNAUTHENTICATED, type Identity } from '../../src/harness/mqtt/credentials.js';
import { pumpTopic, type PumpAddress } from '../../src/harness/mqtt/topics.js';
import { TARGETS } from './targets.js';

const creds = () =>
  generateCredentials('tko', [
    { pumpId: 'old', unit: 'ward', profile: LEGACY_UNAUTHENTICATED },
    { pumpId: 'new', unit: 'ward' },
  ]);

async function poll(cond: () => boolean, what: string, tries = 200): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (cond()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Connect with the identity's credentials and count how often the broker drops the connection. */
async function holder(url: string, id: Identity): Promise<{ c: MqttClient; closes: () => number }> {
  const c = await mqtt.connectAsync(url, { clientId: id.clientId, username: id.username, password: id.password, reconnectPeriod: 0, clean: true });
  let closes = 0;
  c.on('close', () => closes++);
  return { c, closes: () => closes };
}

/** An anonymous CONNECT with this client id: 'refused' or 'accepted'. */
async function anonymous(url: string, clientId: string): Promise<{ verdict: 'refused' | 'accepted'; client?: MqttClient }> {
  try {
    const client = await mqtt.connectAsync(url, { clientId, reconnectPeriod: 0, connectTimeout: 30_000 });
    return { verdict: 'accepted', client };
  } catch {
    return { verdict: 'refused' };
  }
}

/** A pump with its own valid login but someone else's client id: refused (the broker ties client ids to user names). */
describe.each(TARGETS)('client-id takeover with a pump\'s own login ($name)', (target) => {
  (target.available ? it : it.skip)('a pump connecting under the gateway\'s client id does not disconnect the gateway', async () => {
    const c = generateCredentials('tka', [{ pumpId: 'p1', unit: 'ward' }]);
    const broker = await target.start(c);
    const clients: MqttClient[] = [];
    try {
      const gw = await holder(broker.url, c.gateway);
      clients.push(gw.c);
      const p1 = c.pumps.get('p1') as Identity;
      let intruder: MqttClient | undefined;
      try {
        intruder = await mqtt.connectAsync(broker.url, { clientId: c.gateway.clientId, username: p1.username, password: p1.password, reconnectPeriod: 0, connectTimeout: 30_000 });
        clients.push(intruder);
      } catch {
        // refused (aedes): fine
      }
      // Either refused (aedes) or renamed to its own user name (mosquitto: use_username_as_clientid on the run's listener).
      await new Promise((r) => setTimeout(r, 200));
      expect(gw.closes()).toBe(0);
      expect(gw.c.connected).toBe(true);
    } finally {
      await Promise.all(clients.map((x) => x.endAsync(true).catch(() => undefined)));
      await broker.close();
    }
  }, 30_000);
});

/**
 * With a legacy pump, anonymous clients are let in. mosquitto cannot confine their client ids
 * (use_username_as_clientid would refuse every anonymous client; clientid_prefixes is one prefix
 * for every client): there, an anonymous takeover cannot be refused (docs/mqtt.md). aedes refuses it.
 */
const ANON_TARGETS = TARGETS.filter((t) => t.name === 'aedes');

describe.each(ANON_TARGETS)('client-id takeover by an anonymous client ($name)', (target) => {
  (target.available ? it : it.skip)('is refused for the gateway\'s, a secure pump\'s and the legacy pump\'s client ids; the holders stay connected', async () => {
    const c = creds();
    const broker = await target.start(c, { anonymous: true });
    const clients: MqttClient[] = [];
    try {
      const gw = await holder(broker.url, c.gateway);
      const neu = await holder(broker.url, c.pumps.get('new') as Identity);
      const old = await holder(broker.url, c.pumps.get('old') as Identity);
      clients.push(gw.c, neu.c, old.c);
      const tries = [c.gateway.clientId, (c.pumps.get('new') as Identity).clientId, (c.pumps.get('old') as Identity).clientId, c.observer.clientId, 'rogue'];
      const verdicts: string[] = [];
      for (const id of tries) {
        const a = await anonymous(broker.url, id);
        if (a.client) clients.push(a.client);
        verdicts.push(a.verdict);
      }
      expect(verdicts).toEqual(['refused', 'refused', 'refused', 'refused', 'refused']);
      // The reserved id for the legacy pump's anonymous users still gets in, and reaches only that pump's commands.
      const anon = await anonymous(broker.url, anonymousClientId(c.site, 'old', 'test'));
      expect(anon.verdict).toBe('accepted');
      if (anon.client) clients.push(anon.client);
      const got: string[] = [];
      old.c.on('message', (_t, p) => got.push(p.toString()));
      await old.c.subscribeAsync(pumpTopic((c.pumps.get('old') as Identity).pump as PumpAddress, 'cmd'), { qos: 1 });
      await anon.client?.publishAsync(pumpTopic((c.pumps.get('old') as Identity).pump as PumpAddress, 'cmd'), 'PAUSE', { qos: 1 });
      await poll(() => got.length === 1, 'the legacy pump to get the command');
      expect(gw.closes()).toBe(0);
      expect(neu.closes()).toBe(0);
      expect(old.closes()).toBe(0);
      expect(gw.c.connected && neu.c.connected && old.c.connected).toBe(true);
    } finally {
      await Promise.all(clients.map((x) => x.endAsync(true).catch(() => undefined)));
      await broker.close();
    }
  }, 30_000);
});

describe('client-id takeover on the embedded broker is logged and counted', () => {
  it('counts each refused takeover and names it in the broker log', async () => {
    const c = creds();
    const broker = new EmbeddedBroker(new AccessPolicy(c));
    await broker.start();
    try {
      const gw = await holder(broker.url, c.gateway);
      expect((await anonymous(broker.url, c.gateway.clientId)).verdict).toBe('refused');
      expect((await anonymous(broker.url, (c.pumps.get('new') as Identity).clientId)).verdict).toBe('refused');
      // A pump's own valid login under the gateway's client id is a takeover attempt too.
      const p = c.pumps.get('new') as Identity;
      await expect(mqtt.connectAsync(broker.url, { clientId: c.gateway.clientId, username: p.username, password: p.password, reconnectPeriod: 0 })).rejects.toThrow();
      // An anonymous client with an id of no one's is refused, not counted as a takeover.
      expect((await anonymous(broker.url, 'rogue')).verdict).toBe('refused');
      expect(broker.counters.takeoversRefused).toBe(3);
      expect(broker.counters.connectionsRefused).toBe(1);
      expect(broker.log.filter((l) => l.startsWith('client-id takeover refused'))).toHaveLength(3);
      expect(gw.closes()).toBe(0);
      await gw.c.endAsync(true);
    } finally {
      await broker.close();
    }
  });
});
