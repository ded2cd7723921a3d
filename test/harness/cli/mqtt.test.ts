import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseBrokerUrl, transportFromFlags } from '../../../src/harness/cli/mqttOptions.js';
import { DynsecSession } from '../../../src/harness/broker/dynsec.js';
import { generateCredentials } from '../../../src/harness/broker/credentials.js';
import { AccessPolicy } from '../../../src/harness/broker/acl.js';
import { parseTopic, pumpTopic } from '../../../src/harness/contract/topics.js';
import { dynsecBroker, mosquittoBin, SUITE_BROKER } from '../mqttlink/targets.js';
import { CLI } from '../../support/cli.js';
import { GATEWAY_OUTAGE_TO_4H, shippedScenarioText } from '../../support/scenarioText.js';

const dir = mkdtempSync(join(tmpdir(), 'infusim-mqtt-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

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

  it('--broker-admin: provisions the run\'s own credentials on --broker; a bad file says where and why', () => {
    const good = join(dir, 'admin.json');
    writeFileSync(good, '{ "username": "admin", "password": "pw" }');
    const t = transportFromFlags({ transport: 'mqtt', broker: 'mqtt://h:1883', brokerAdmin: good });
    expect(t).toMatchObject({ kind: 'mqtt', brokerUrl: 'mqtt://h:1883', credentials: undefined, provision: expect.any(Function), deprovision: expect.any(Function) });
    expect(transportFromFlags({ transport: 'mqtt', brokerAdmin: good })).toMatch(/--broker-admin provisions an external broker: name it with --broker/);
    expect(transportFromFlags({ broker: 'mqtt://h:1883', brokerAdmin: join(dir, 'missing.json') })).toMatch(/--broker-admin .*missing\.json: cannot read \(ENOENT\)/);
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{ "user": "admin", "password": "pw" }');
    expect(transportFromFlags({ broker: 'mqtt://h:1883', brokerAdmin: bad })).toMatch(/bad\.json: "username" must be a non-empty string/);
  });

  it('--mosquitto: the run\'s own mosquitto; a missing binary names the Debian package', () => {
    expect(transportFromFlags({ mosquitto: '/nonexistent/mosquitto' })).toMatch(/--mosquitto \/nonexistent\/mosquitto: no such executable: install the Debian package `mosquitto`/);
    expect(transportFromFlags({ transport: 'inproc', mosquitto: true })).toMatch(/need --transport mqtt/);
    expect(transportFromFlags({ mosquitto: true, broker: 'mqtt://h:1883' })).toMatch(/one or the other/);
    if (mosquittoBin) expect(transportFromFlags({ mosquitto: true, brokerPort: 18831 })).toMatchObject({ kind: 'mqtt', brokerUrl: undefined, startBroker: expect.any(Function) });
  });
});

/** `infusim run` from source (tsx), as a user runs it. */
function infusim(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, 'run', ...args, '--no-progress'], { encoding: 'utf8', timeout: 300_000 }, (err, stdout, stderr) => {
      resolve({ status: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout, stderr });
    });
  });
}

describe.runIf(mosquittoBin !== undefined)('infusim run --mosquitto', () => {
  it('gateway-outage on the run\'s own mosquitto: killed once mid-run, every infusion goes on, every event ingested exactly once, the outage on the timeline', async () => {
    const json = join(dir, 'outage.json');
    const scenario = join(dir, 'gateway-outage.yaml');
    writeFileSync(scenario, shippedScenarioText('gateway-outage', GATEWAY_OUTAGE_TO_4H));
    const r = await infusim([scenario, '--transport', 'mqtt', '--mosquitto', '--json', json]);
    expect(r.stderr).not.toMatch(/Error/);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/outcome +PASS/);
    expect(r.stdout).toMatch(/^MQTT \(mosquitto \(child process\), mqtt:\/\/127\.0\.0\.1:\d+\)$/m);
    expect(r.stdout).toMatch(/broker kills 1, connection cuts 0, reconnects \d+/);
    const report = JSON.parse(readFileSync(json, 'utf8')) as { network: { eventsSent: number; eventsIngested: number; eventsMissing: number }; expectations: { passed: boolean; text?: string }[]; violations: unknown[]; networkSpans: { what: string; startMs: number; endMs: number }[] };
    expect(report.network.eventsSent).toBeGreaterThan(500);
    expect(report.network.eventsIngested).toBe(report.network.eventsSent);
    expect(report.network.eventsMissing).toBe(0);
    expect(report.violations).toEqual([]);
    expect(report.expectations.every((e) => e.passed)).toBe(true);
    expect(report.networkSpans).toContainEqual(expect.objectContaining({ what: 'gateway down', startMs: 3 * 3600_000, endMs: 3 * 3600_000 + 25 * 60_000 }));
  });
});

describe.runIf(mosquittoBin !== undefined || SUITE_BROKER !== undefined)('infusim run --broker --broker-admin', () => {
  let broker: ReturnType<typeof dynsecBroker>;
  let adminFile: string;
  beforeAll(() => {
    broker = dynsecBroker();
    adminFile = join(dir, 'dynsec-admin.json');
    writeFileSync(adminFile, JSON.stringify(broker.target.admin), { mode: 0o600 });
  });
  afterAll(() => broker.close());

  it('provisions the run\'s credentials through dynamic security, runs, and removes them at the end', async () => {
    const r = await infusim(['scenarios/occlusion-drill.yaml', '--broker', broker.target.url, '--broker-admin', adminFile]);
    expect(r.stderr).not.toMatch(/Error/);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^MQTT \(external, provisioned through dynamic security, mqtt:/m);
    expect(r.stdout).toMatch(/events missing +0/);
    const s = await DynsecSession.open(broker.target);
    try {
      const [list] = await s.run([{ command: 'listClients', verbose: false, count: -1, offset: 0 }]);
      const names = (list?.response.data as { clients: string[] }).clients;
      expect(names.filter((n) => n.includes('occlusion-drill'))).toEqual([]);
    } finally {
      await s.close();
    }
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
