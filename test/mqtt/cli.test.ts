import { describe, expect, it } from 'vitest';
import { parseBrokerUrl, transportFromFlags } from '../../src/harness/mqtt/cliOptions.js';
import { generateCredentials } from '../../src/harness/mqtt/credentials.js';
import { AccessPolicy } from '../../src/harness/mqtt/acl.js';
import { parseTopic, pumpTopic } from '../../src/harness/mqtt/topics.js';

describe('MQTT command-line flags', () => {
  it('maps --transport, --broker, --broker-port to a transport', () => {
    expect(transportFromFlags({})).toEqual({ kind: 'inproc' });
    expect(transportFromFlags({ transport: 'mqtt', brokerPort: 18830 })).toMatchObject({ kind: 'mqtt', brokerPort: 18830, brokerUrl: undefined });
    expect(transportFromFlags({ transport: 'mqtt', broker: 'mqtt://h:1883' })).toMatch(/--credentials/);
    expect(transportFromFlags({ transport: 'inproc', broker: 'mqtt://h:1883' })).toMatch(/--transport mqtt/);
    expect(transportFromFlags({ transport: 'udp' })).toMatch(/inproc or mqtt/);
    expect(() => parseBrokerUrl('http://h')).toThrow(/mqtt:\/\//);
    expect(() => parseBrokerUrl('mqtt://admin:admin@h:1883')).toThrow(/no credentials in the URL/);
  });
});

describe('credentials and the access policy', () => {
  const c = generateCredentials('s', [
    { pumpId: 'a', unit: 'u' },
    { pumpId: 'b', unit: 'u' },
  ]);
  it('gives every identity its own random password', () => {
    const pw = [c.gateway, c.observer, ...c.pumps.values()].map((i) => i.password);
    expect(new Set(pw).size).toBe(pw.length);
    for (const p of pw) expect(p.length).toBeGreaterThanOrEqual(24);
    const again = generateCredentials('s', [{ pumpId: 'a', unit: 'u' }]);
    expect(again.pumps.get('a')?.password).not.toBe(c.pumps.get('a')?.password);
  });
  it('denies by default', () => {
    const p = new AccessPolicy(c);
    const a = c.pumps.get('a')!;
    expect(p.authenticate(a.clientId, a.username, a.password)).toBe(a);
    expect(p.authenticate('someone-else', a.username, a.password)).toBeUndefined();
    expect(p.authenticate(a.clientId, a.username, 'x')).toBeUndefined();
    expect(p.authenticate('anon', undefined, undefined)).toBeUndefined();
    const ta = pumpTopic(a.pump!, 'events');
    const tb = pumpTopic(c.pumps.get('b')!.pump!, 'events');
    expect(p.mayPublish(a, ta)).toBe(true);
    expect(p.mayPublish(a, tb)).toBe(false);
    expect(p.mayPublish(a, pumpTopic(a.pump!, 'cmd'))).toBe(false);
    expect(p.mayPublish(c.gateway, pumpTopic(a.pump!, 'cmd'))).toBe(true);
    expect(p.mayPublish(c.gateway, ta)).toBe(false);
    expect(p.maySubscribe(a, 'infusim/v1/s/#')).toBe(false);
    expect(p.maySubscribe(c.gateway, 'infusim/v1/s/+/+/cmd')).toBe(false);
    expect(p.maySubscribe(c.gateway, 'infusim/v1/s/+/+/events')).toBe(true);
    expect(parseTopic('infusim/v1/s/u/a/events')).toEqual({ site: 's', unit: 'u', pumpId: 'a', leaf: 'events' });
    expect(parseTopic('infusim/v1/s/u/+/events')).toBeUndefined();
  });
});
