/**
 * Alerts as syslog (RFC 5424) to real loopback listeners, their ports from the OS: one datagram per
 * message over UDP (RFC 5426); octet-counted frames over TCP (RFC 6587 3.4.1). And `infusim run
 * --alerts --syslog` end to end.
 */
import { createSocket } from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Alert } from '../../../src/harness/monitor/alert.js';
import { openSyslog, parseSyslogTarget, syslogMessage } from '../../../src/harness/monitor/syslog.js';
import { infusim } from '../../support/cli.js';

const ALERT: Alert = { kind: 'unknown-client', severity: 'high', pumpId: 'u-1', segment: 's', clientId: 'ro"gue]', atMs: 900_000, detail: 'client id "rogue" is not known', evidence: [] };
const OPTS = { hostname: 'ward host', procId: '42', epochAtZeroMs: Date.UTC(2026, 0, 2, 3, 0, 0) };

/** RFC 5424's ABNF, the parts this message uses: PRI VERSION SP TIMESTAMP SP HOSTNAME SP APP-NAME SP PROCID SP MSGID SP SD SP MSG. */
const RFC5424 = /^<(\d{1,3})>1 (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z) ([\x21-\x7e]{1,255}) ([\x21-\x7e]{1,48}) ([\x21-\x7e]{1,128}) ([\x21-\x7e]{1,32}) (\[.*\]) (.*)$/;

describe('syslog messages', () => {
  it('follow RFC 5424: facility 4 x 8 + severity 3 (high) = 35, the wall time of the run start + 15 min, structured data escaped', () => {
    const line = syslogMessage(ALERT, OPTS);
    const m = RFC5424.exec(line);
    expect(m?.slice(1)).toEqual(['35', '2026-01-02T03:15:00.000Z', 'ward_host', 'infusim', '42', 'unknown-client', '[infusim@32473 atMs="900000" severity="high" pump="u-1" segment="s" client="ro\\"gue\\]"]', 'client id "rogue" is not known']);
    expect(syslogMessage({ ...ALERT, severity: 'low' }, OPTS)).toMatch(/^<37>1 /);
    expect(syslogMessage({ ...ALERT, severity: 'critical' }, OPTS)).toMatch(/^<34>1 /);
  });

  it('targets: udp:// and tcp:// with a port; anything else is refused with what was expected', () => {
    expect(parseSyslogTarget('udp://127.0.0.1:514')).toEqual({ transport: 'udp', host: '127.0.0.1', port: 514 });
    expect(parseSyslogTarget('tcp://[::1]:6514')).toEqual({ transport: 'tcp', host: '::1', port: 6514 });
    expect(parseSyslogTarget('http://x:1')).toMatch(/udp:\/\/host:port or tcp:\/\/host:port/);
    expect(parseSyslogTarget('udp://x:70000')).toMatch(/a port is 1 to 65535/);
  });
});

describe('syslog transports on loopback', () => {
  it('UDP: each message is one datagram', async () => {
    const server = createSocket('udp4');
    const got: string[] = [];
    await new Promise<void>((resolve) => server.bind(0, '127.0.0.1', () => resolve()));
    const port = (server.address() as AddressInfo).port;
    const two = new Promise<void>((resolve) => server.on('message', (b) => got.push(b.toString('utf8')) >= 2 && resolve()));
    const sink = await openSyslog({ transport: 'udp', host: '127.0.0.1', port });
    sink.send(syslogMessage(ALERT, OPTS));
    sink.send(syslogMessage({ ...ALERT, kind: 'replay' }, OPTS));
    await sink.close();
    await two;
    server.close();
    expect(got.map((g) => RFC5424.exec(g)?.[6])).toEqual(['unknown-client', 'replay']);
  });

  it('TCP: octet counting, "<length> <message>", the length in bytes (UTF-8)', async () => {
    const chunks: Buffer[] = [];
    const server = createServer((c) => c.on('data', (d) => chunks.push(d)));
    const closed = new Promise<void>((resolve) => server.on('connection', (c) => c.on('end', () => resolve())));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const port = (server.address() as AddressInfo).port;
    const sink = await openSyslog({ transport: 'tcp', host: '127.0.0.1', port });
    const a = syslogMessage({ ...ALERT, detail: 'débit' }, OPTS);
    const b = syslogMessage({ ...ALERT, kind: 'replay' }, OPTS);
    sink.send(a);
    sink.send(b);
    await sink.close();
    await closed;
    server.close();
    const all = Buffer.concat(chunks);
    const frames: string[] = [];
    for (let i = 0; i < all.length; ) {
      const sp = all.indexOf(0x20, i);
      const len = Number(all.subarray(i, sp).toString('ascii'));
      frames.push(all.subarray(sp + 1, sp + 1 + len).toString('utf8'));
      i = sp + 1 + len;
    }
    expect(frames).toEqual([a, b]);
  });

  it('TCP: nobody listening is an error at open', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const port = (server.address() as AddressInfo).port;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await expect(openSyslog({ transport: 'tcp', host: '127.0.0.1', port })).rejects.toThrow(/ECONNREFUSED/);
  });
});

const dir = mkdtempSync(join(tmpdir(), 'infusim-monitor-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SCENARIO = `name: cli-monitor
seed: 5
duration: 20m
site:
  segments: [{ id: s }]
  units:
    - { id: u, careArea: icu, segment: s, pumps: [{ type: lvp, count: 2 }] }
timeline:
  - { at: 12m, fault: rogue-client, target: u-1 }
monitor:
  baseline: 10m
expect:
  - { check: detect, attack: rogue-client, within: 1s }
`;

describe('infusim run --alerts --syslog', () => {
  it('writes one JSON line per alert and sends each as a datagram; the summary has the detection table', async () => {
    const file = join(dir, 'm.yaml');
    writeFileSync(file, SCENARIO);
    const server = createSocket('udp4');
    const got: string[] = [];
    await new Promise<void>((resolve) => server.bind(0, '127.0.0.1', () => resolve()));
    const both = new Promise<void>((resolve) => server.on('message', (b) => got.push(b.toString('utf8')) >= 2 && resolve()));
    const port = (server.address() as AddressInfo).port;
    const alerts = join(dir, 'alerts.jsonl');
    const r = await infusim(['run', file, '--no-progress', '--alerts', alerts, '--syslog', `udp://127.0.0.1:${port}`]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const lines = readFileSync(alerts, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Alert);
    // The rogue at 12m: unknown client and unauthorised command, both at 12m (720000 ms).
    expect(lines.map((a) => [a.kind, a.atMs])).toEqual([
      ['unknown-client', 720_000],
      ['unauthorised-command', 720_000],
    ]);
    expect(r.stdout).toMatch(/Traffic monitor: 2 alert\(s\); 1 of 1 attack\(s\) detected/);
    expect(r.stdout).toMatch(/rogue-client +u-1 +00:12:00 +yes +0 ms +unknown-client/);
    // Datagrams on loopback: the run waited for them to be handed over; wait until both are read.
    await both;
    server.close();
    expect(got.map((g) => RFC5424.exec(g)?.[6])).toEqual(['unknown-client', 'unauthorised-command']);
  });

  it('--alerts on a scenario without monitor: is bad input (exit 2)', async () => {
    const file = join(dir, 'plain.yaml');
    writeFileSync(file, SCENARIO.replace('monitor:\n  baseline: 10m\n', '').replace(/expect:[\s\S]*$/, ''));
    const r = await infusim(['run', file, '--no-progress', '--alerts', join(dir, 'x.jsonl')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--alerts needs a scenario with a monitor: section/);
  });
});
