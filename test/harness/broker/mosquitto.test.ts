/**
 * A mosquitto process of the test's own (mosquitto.ts) is only ready when the port answers and the
 * listener is that mosquitto: a port picked as free and taken by another server before mosquitto
 * binds it must not be mistaken for the broker (a TLS server there resets an MQTT client).
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { dirname } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateCredentials } from '../../../src/harness/broker/credentials.js';
import { MosquittoProcess, startMosquittoForRun } from '../../../src/harness/broker/mosquitto.js';
import { listensOn } from '../../../src/harness/net/portOwner.js';
import { mosquittoBin } from '../mqttlink/targets.js';
import { CLI } from '../../support/cli.js';
import { listenOnFreePort } from '../../support/ports.js';

describe('who listens on a port', () => {
  let server: Server;
  let port = 0;
  beforeAll(async () => {
    server = createServer();
    port = await listenOnFreePort(server);
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('this process on its own server\'s port, not on a port nobody listens on', () => {
    expect(listensOn(process.pid, port)).toBe(true);
    const closedPort = port === 65535 ? port - 1 : port + 1;
    expect(listensOn(process.pid, closedPort)).toBe(false);
  });

  it.runIf(mosquittoBin !== undefined)('mosquitto on a port another server holds: a clear error, not a false start', async () => {
    const creds = generateCredentials('busy', [{ pumpId: 'p1', unit: 'icu' }]);
    await expect(MosquittoProcess.start(creds, { port })).rejects.toThrow(/address already in use|taken by another process/i);
  });
});

describe.runIf(mosquittoBin !== undefined)('a mosquitto killed from outside', () => {
  const creds = generateCredentials('killed', [{ pumpId: 'p1', unit: 'icu' }]);

  it('is seen as dead (a signal leaves exitCode null), stops at once and starts again on its port', async () => {
    const m = await MosquittoProcess.start(creds);
    const deaths: string[] = [];
    m.onUnexpectedExit = (why) => deaths.push(why);
    const pid = (m as unknown as { child: { pid: number } }).child.pid;
    process.kill(pid, 'SIGKILL');
    await expect.poll(() => deaths.length, { timeout: 300_000 }).toBe(1);
    expect(deaths[0]).toMatch(/exited unexpectedly \(SIGKILL\)/);
    expect(m.running).toBe(false);
    // Before the fix stop() waited for an 'exit' event that had already come: it never returned.
    await m.stop();
    await m.startProcess();
    expect(m.running).toBe(true);
    expect(listensOn((m as unknown as { child: { pid: number } }).child.pid, m.port)).toBe(true);
    // A planned stop is not a death.
    await m.stop();
    expect(deaths).toHaveLength(1);
    const dir = (m as unknown as { dir: string }).dir;
    expect(existsSync(dir)).toBe(true);
    await m.close();
    expect(existsSync(dir)).toBe(false);
  });

  it('a run\'s mosquitto is restarted and the death reported', async () => {
    const owned = await startMosquittoForRun(creds);
    const told: string[] = [];
    owned.onDeath?.((why) => told.push(why));
    const port = Number(new URL(owned.url).port);
    const pid = ownerPid(port);
    expect(pid).toBeDefined();
    process.kill(pid!, 'SIGKILL');
    await expect.poll(() => told.join('\n'), { timeout: 300_000 }).toMatch(/exited unexpectedly \(SIGKILL\); restarting it/);
    await expect.poll(() => ownerPid(port) !== undefined && ownerPid(port) !== pid, { timeout: 300_000 }).toBe(true);
    await owned.close();
  });

  it('its temporary folder goes when the CLI running it is ended by SIGTERM', async () => {
    const child = spawn(process.execPath, [CLI, 'run', 'scenarios/gateway-outage.yaml', '--transport', 'mqtt', '--mosquitto', '--speed', '1x', '--no-progress'], { stdio: 'ignore' });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      // This CLI's own mosquitto (other tests run theirs beside it): the child process of the CLI.
      await expect.poll(() => mosquittoOf(child.pid!), { timeout: 240_000, interval: 100 }).toBeDefined();
      const { pid: broker, dir } = mosquittoOf(child.pid!)!;
      expect(existsSync(dir)).toBe(true);
      child.kill('SIGTERM');
      expect(await exited).toBe(143);
      expect(existsSync(dir)).toBe(false);
      // The broker went with it.
      await expect.poll(() => { try { process.kill(broker, 0); return true; } catch { return false; } }, { timeout: 60_000 }).toBe(false);
    } finally {
      // A failure above must not leave a 6-hour paced run (or its mosquitto) behind.
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
        child.kill('SIGKILL');
      }
    }
  });
});

/** The mosquitto child of a process and its run folder (from /proc), or undefined. */
function mosquittoOf(parent: number): { pid: number; dir: string } | undefined {
  for (const p of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid !== parent) continue;
      const argv = readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0');
      const conf = argv[argv.indexOf('-c') + 1];
      if (argv[0]?.endsWith('mosquitto') && conf) return { pid: Number(p), dir: dirname(conf) };
    } catch {
      // the process ended meanwhile
    }
  }
  return undefined;
}

/** The pid that listens on a loopback port (from /proc), or undefined. */
function ownerPid(port: number): number | undefined {
  for (const p of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    if (listensOn(Number(p), port) === true) return Number(p);
  }
  return undefined;
}

describe.runIf(mosquittoBin !== undefined)('the mosquitto infusim starts', () => {
  it('listens on its own 127.0.0.1 port and nowhere else (no default listener on 0.0.0.0:1883)', async () => {
    const m = await MosquittoProcess.start(generateCredentials('one', [{ pumpId: 'p1', unit: 'icu' }]));
    try {
      const pid = (m as unknown as { child: { pid: number } }).child.pid;
      // Every listening TCP socket of that process, from /proc (local address as ip:port).
      const mine = new Set(readdirSync(`/proc/${pid}/fd`).map((fd) => { try { return /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))?.[1]; } catch { return undefined; } }).filter((x) => x !== undefined));
      const listening: string[] = [];
      for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
        for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
          const f = line.trim().split(/\s+/);
          if (f[3] === '0A' && f[9] && mine.has(f[9])) listening.push(`${table.endsWith('6') ? 'v6' : 'v4'} ${f[1]}`);
        }
      }
      // 127.0.0.1 is 0100007F in /proc's byte order.
      expect(listening).toEqual([`v4 0100007F:${m.port.toString(16).toUpperCase().padStart(4, '0')}`]);
    } finally {
      await m.close();
    }
  });
});
