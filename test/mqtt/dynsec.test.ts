/**
 * Provisioning mosquitto through its dynamic security plugin (src/harness/mqtt/dynsec.ts): the
 * roles are the rules of acl.ts, a provisioned broker refuses what the embedded one refuses, a
 * failed provisioning names the plugin's error and leaves what was there before, and the end of the
 * run removes the clients. Runs against the suite's mosquitto when .ci/run started one, else against
 * one started here by the same script (.ci/mosquitto-suite.sh).
 */
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateCredentials, LEGACY_UNAUTHENTICATED, type Identity } from '../../src/harness/mqtt/credentials.js';
import { deprovisionDynsec, parseBrokerAdmin, provisionCommands, provisionDynsec, roleFor, type DynsecTarget } from '../../src/harness/mqtt/dynsec.js';
import { pumpTopic, type PumpAddress } from '../../src/harness/mqtt/topics.js';
import { drained, throughMarker } from '../support/mqtt.js';
import { dynsecBroker, mosquittoBin, SUITE_BROKER } from './targets.js';

const REFUSED = /not authori[sz]ed|bad user ?name or password/i;

describe('dynamic security commands', () => {
  const c = generateCredentials('ds', [{ pumpId: 'p1', unit: 'icu' }]);
  const p1 = c.pumps.get('p1') as Identity;

  it('a pump\'s role: its own four up topics, its own cmd and acks literally, everything else denied', () => {
    const r = roleFor(c, p1);
    const allowed = r.acls.filter((a) => a.allow).map((a) => `${a.acltype} ${a.topic}`);
    expect(allowed).toEqual([
      'publishClientSend infusim/v1/ds/icu/p1/status',
      'publishClientSend infusim/v1/ds/icu/p1/telemetry',
      'publishClientSend infusim/v1/ds/icu/p1/events',
      'publishClientSend infusim/v1/ds/icu/p1/cmd-ack',
      'subscribeLiteral infusim/v1/ds/icu/p1/cmd',
      'publishClientReceive infusim/v1/ds/icu/p1/cmd',
      'subscribeLiteral infusim/v1/ds/icu/p1/acks',
      'publishClientReceive infusim/v1/ds/icu/p1/acks',
    ]);
    // Deny by default inside the role, below every allow.
    const denies = r.acls.filter((a) => !a.allow);
    expect(denies.map((a) => `${a.acltype} ${a.topic}`)).toEqual(['publishClientSend #', 'publishClientReceive #', 'subscribePattern #']);
    expect(Math.max(...denies.map((a) => a.priority))).toBeLessThan(Math.min(...r.acls.filter((a) => a.allow).map((a) => a.priority)));
  });

  it('the gateway sends only cmd and acks, the observer sends nothing', () => {
    const gw = roleFor(c, c.gateway).acls.filter((a) => a.allow && a.acltype === 'publishClientSend').map((a) => a.topic);
    expect(gw).toEqual(['infusim/v1/ds/+/+/cmd', 'infusim/v1/ds/+/+/acks']);
    expect(roleFor(c, c.observer).acls.filter((a) => a.allow && a.acltype === 'publishClientSend')).toEqual([]);
  });

  it('creates the roles before the clients, each client bound to its client id', () => {
    const cmds = provisionCommands(c);
    expect(cmds.map((x) => x.command)).toEqual(['createRole', 'createRole', 'createRole', 'createClient', 'createClient', 'createClient']);
    expect(cmds[5]).toMatchObject({ username: p1.username, password: p1.password, clientid: p1.clientId, roles: [{ rolename: roleFor(c, p1).rolename }] });
  });

  it('reads an admin file and says what is wrong with a bad one', () => {
    expect(parseBrokerAdmin('{"username":"admin","password":"pw"}', 'a.json')).toEqual({ username: 'admin', password: 'pw' });
    expect(() => parseBrokerAdmin('username=admin', 'a.json')).toThrow(/a\.json: not JSON/);
    expect(() => parseBrokerAdmin('["admin"]', 'a.json')).toThrow(/a\.json: expected an object/);
    expect(() => parseBrokerAdmin('{"username":"admin"}', 'a.json')).toThrow(/a\.json: "password" must be a non-empty string/);
    expect(() => parseBrokerAdmin('{"username":"admin","password":"x","port":1883}', 'a.json')).toThrow(/unknown key "port"/);
  });
});

const available = mosquittoBin !== undefined || SUITE_BROKER !== undefined;

describe.runIf(available)('a mosquitto provisioned through dynamic security', () => {
  let broker: ReturnType<typeof dynsecBroker>;
  let t: DynsecTarget;
  beforeAll(() => {
    broker = dynsecBroker();
    t = broker.target;
  });
  afterAll(() => broker.close());

  const connect = (o: { clientId: string; username?: string; password?: string }): Promise<MqttClient> => mqtt.connectAsync(t.url, { ...o, protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 30_000 });
  const as = (id: Identity) => connect({ clientId: id.clientId, username: id.username, password: id.password });

  it('applies the ACL table: foreign topics, foreign commands, an observer\'s command, anonymous and a borrowed client id all refused; removed at the end', async () => {
    const c = generateCredentials('dsacl', [
      { pumpId: 'p1', unit: 'icu' },
      { pumpId: 'p2', unit: 'icu' },
    ]);
    const p1 = c.pumps.get('p1') as Identity;
    const p2 = c.pumps.get('p2') as Identity;
    const [a1, a2] = [p1.pump as PumpAddress, p2.pump as PumpAddress];
    await provisionDynsec(t, c);
    try {
      const seen: string[] = [];
      const obs = await as(c.observer);
      obs.on('message', (topic, p) => seen.push(`${topic} ${p.toString()}`));
      await obs.subscribeAsync('infusim/v1/dsacl/#', { qos: 1 });

      const pump1 = await as(p1);
      const got1: string[] = [];
      pump1.on('message', (topic, p) => got1.push(`${topic} ${p.toString()}`));
      await pump1.subscribeAsync(pumpTopic(a1, 'cmd'), { qos: 1 });
      // Another pump's commands and the whole site: SUBACK failure.
      await expect(pump1.subscribeAsync(pumpTopic(a2, 'cmd'), { qos: 1 })).rejects.toThrow();
      await expect(pump1.subscribeAsync('infusim/v1/dsacl/#', { qos: 1 })).rejects.toThrow();
      // Under another pump's topics and on a command topic: dropped by the broker.
      pump1.publish(pumpTopic(a2, 'events'), 'forged-event', { qos: 0 });
      pump1.publish(pumpTopic(a2, 'cmd'), 'forged-cmd', { qos: 0 });
      await pump1.publishAsync(pumpTopic(a1, 'telemetry'), 'own-telemetry', { qos: 1 });

      const gw = await as(c.gateway);
      await gw.publishAsync(pumpTopic(a1, 'cmd'), 'from-gateway', { qos: 1 });
      await expect(gw.subscribeAsync('infusim/v1/dsacl/+/+/cmd', { qos: 1 })).rejects.toThrow();
      obs.publish(pumpTopic(a1, 'cmd'), 'from-observer', { qos: 0 });

      await expect(connect({ clientId: 'anon' })).rejects.toThrow(REFUSED);
      await expect(connect({ clientId: 'someone-else', username: p1.username, password: p1.password })).rejects.toThrow(REFUSED);
      await expect(connect({ clientId: p2.clientId, username: p2.username, password: 'admin' })).rejects.toThrow(REFUSED);
      await Promise.all([drained(pump1), drained(obs)]);
      const marker = await throughMarker(gw, pumpTopic(a1, 'cmd'), () => got1);
      await expect.poll(() => seen.includes(`${pumpTopic(a1, 'cmd')} ${marker}`), { timeout: 60_000 }).toBe(true);
      expect(got1).toEqual([`${pumpTopic(a1, 'cmd')} from-gateway`, `${pumpTopic(a1, 'cmd')} ${marker}`]);
      expect(seen.filter((s) => s.includes('forged') || s.includes('from-observer'))).toEqual([]);
      expect(seen).toContain(`${pumpTopic(a1, 'telemetry')} own-telemetry`);
      await Promise.all([obs.endAsync(true), pump1.endAsync(true), gw.endAsync(true)]);
    } finally {
      await deprovisionDynsec(t, c);
    }
    // Gone from the broker once the run is over.
    await expect(as(p1)).rejects.toThrow(REFUSED);
  });

  it('a failed provisioning names the plugin\'s error and removes only what it made', async () => {
    const first = generateCredentials('dsdup', [{ pumpId: 'p1', unit: 'icu' }]);
    await provisionDynsec(t, first);
    try {
      // The same user names again (another run of the same site): the plugin says they exist.
      const second = generateCredentials('dsdup', [
        { pumpId: 'p1', unit: 'icu' },
        { pumpId: 'p9', unit: 'icu' },
      ]);
      await expect(provisionDynsec(t, second)).rejects.toThrow(/through dynamic security failed: createRole infusim\.dsdup\.gateway\.dsdup: Role already exists; .*createClient gateway\.dsdup: Client already exists.*left over from a run that did not finish/);
      // The first run's clients still work; the second's new pump was rolled back.
      const ok = await connect({ clientId: (first.pumps.get('p1') as Identity).clientId, username: (first.pumps.get('p1') as Identity).username, password: (first.pumps.get('p1') as Identity).password });
      await ok.endAsync(true);
      const p9 = second.pumps.get('p9') as Identity;
      await expect(connect({ clientId: p9.clientId, username: p9.username, password: p9.password })).rejects.toThrow(REFUSED);
    } finally {
      await deprovisionDynsec(t, first);
    }
  });

  it('a wrong admin password or a broker without anonymous clients for a legacy pump: clear errors', async () => {
    const c = generateCredentials('dsbad', [{ pumpId: 'p1', unit: 'icu', profile: LEGACY_UNAUTHENTICATED }]);
    await expect(provisionDynsec({ ...t, admin: { username: t.admin.username, password: 'wrong' } }, generateCredentials('dsbad', [{ pumpId: 'p1', unit: 'icu' }]))).rejects.toThrow(/dynamic security admin "admin" could not connect to mqtt:\/\/127\.0\.0\.1:\d+: .*Not authorized/i);
    await expect(provisionDynsec(t, c)).rejects.toThrow(/refuses anonymous clients: pump p1 on the legacy-unauthenticated profile/);
  });
});

describe.runIf(mosquittoBin !== undefined)('a legacy-unauthenticated pump on a dynsec mosquitto that lets anonymous clients in', () => {
  let broker: ReturnType<typeof dynsecBroker>;
  beforeAll(() => {
    broker = dynsecBroker(['allow_anonymous true']);
  });
  afterAll(() => broker.close());

  it('the anonymous group reaches the legacy pump\'s commands and nothing else, twice in a row, and nothing is left after', async () => {
    const t = broker.target;
    for (let round = 0; round < 2; round++) {
      const c = generateCredentials('dsleg', [
        { pumpId: 'old', unit: 'ward', profile: LEGACY_UNAUTHENTICATED },
        { pumpId: 'new', unit: 'ward' },
      ]);
      await provisionDynsec(t, c);
      try {
        const listen = async (id: Identity) => {
          const cl = await mqtt.connectAsync(t.url, { clientId: id.clientId, username: id.username, password: id.password, reconnectPeriod: 0 });
          const got: string[] = [];
          cl.on('message', (_topic, p) => got.push(p.toString()));
          await cl.subscribeAsync(pumpTopic(id.pump as PumpAddress, 'cmd'), { qos: 1 });
          return { cl, got };
        };
        const old = await listen(c.pumps.get('old') as Identity);
        const neu = await listen(c.pumps.get('new') as Identity);
        const anon = await mqtt.connectAsync(t.url, { clientId: `rogue-${round}`, reconnectPeriod: 0 });
        await anon.publishAsync(pumpTopic((c.pumps.get('old') as Identity).pump as PumpAddress, 'cmd'), 'PAUSE', { qos: 1 });
        anon.publish(pumpTopic((c.pumps.get('new') as Identity).pump as PumpAddress, 'cmd'), 'PAUSE', { qos: 0 });
        await drained(anon);
        const gw = await mqtt.connectAsync(t.url, { clientId: c.gateway.clientId, username: c.gateway.username, password: c.gateway.password, reconnectPeriod: 0 });
        const marker = await throughMarker(gw, pumpTopic((c.pumps.get('new') as Identity).pump as PumpAddress, 'cmd'), () => neu.got);
        expect(old.got).toEqual(['PAUSE']);
        expect(neu.got).toEqual([marker]);
        await Promise.all([old.cl.endAsync(true), neu.cl.endAsync(true), anon.endAsync(true), gw.endAsync(true)]);
      } finally {
        await deprovisionDynsec(t, c);
      }
    }
    // After the run the anonymous group has no role left: an anonymous command goes nowhere.
    const c = generateCredentials('dsleg', [{ pumpId: 'old', unit: 'ward' }]);
    await provisionDynsec(t, c);
    try {
      const old = c.pumps.get('old') as Identity;
      const cl = await mqtt.connectAsync(t.url, { clientId: old.clientId, username: old.username, password: old.password, reconnectPeriod: 0 });
      const got: string[] = [];
      cl.on('message', (_topic, p) => got.push(p.toString()));
      await cl.subscribeAsync(pumpTopic(old.pump as PumpAddress, 'cmd'), { qos: 1 });
      const anon = await mqtt.connectAsync(t.url, { clientId: 'rogue-after', reconnectPeriod: 0 });
      anon.publish(pumpTopic(old.pump as PumpAddress, 'cmd'), 'PAUSE', { qos: 0 });
      await drained(anon);
      const gw = await mqtt.connectAsync(t.url, { clientId: c.gateway.clientId, username: c.gateway.username, password: c.gateway.password, reconnectPeriod: 0 });
      const marker = await throughMarker(gw, pumpTopic(old.pump as PumpAddress, 'cmd'), () => got);
      expect(got).toEqual([marker]);
      await Promise.all([cl.endAsync(true), anon.endAsync(true), gw.endAsync(true)]);
    } finally {
      await deprovisionDynsec(t, c);
    }
  });
});
