/**
 * Issue 13, item 9: the training server under attack, over real sockets on 127.0.0.1 (port 0).
 * The rate clock is injected and frozen and the tick is an hour, so every count below is exact:
 * no test waits on or measures wall time.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { WebSocket } from 'ws';
import { MAX_CONNECTIONS, MAX_DROPPED_IN_A_ROW, MESSAGE_BURST } from '../../../src/harness/train/limits.js';
import { loadTrainingFile } from '../../../src/harness/train/schema.js';
import { startTrainingServer, type TrainingServer, type TrainingServerOptions } from '../../../src/harness/train/server.js';
import { TrainingSession } from '../../../src/harness/train/session.js';

const webDir = mkdtempSync(join(tmpdir(), 'infusim-train-web-'));
writeFileSync(join(webDir, 'app.js'), '// the front end is not under test here\n');
afterAll(() => rmSync(webDir, { recursive: true, force: true }));

const loaded = loadTrainingFile('scenarios/training/occlusion-drill.yaml');
let server: TrainingServer | undefined;
const sockets: WebSocket[] = [];
afterEach(async () => {
  for (const ws of sockets.splice(0)) ws.terminate();
  await server?.close();
  server = undefined;
});

async function start(options: TrainingServerOptions = {}): Promise<{ server: TrainingServer; session: TrainingSession }> {
  const session = new TrainingSession(loaded, { speed: 1, paused: true, instructorKey: 'instr-key', traineeKey: 'trainee-key' });
  server = await startTrainingServer(session, { port: 0, webDir, tickMs: 3_600_000, nowMs: () => 0, ...options });
  return { server, session };
}

interface Client {
  ws: WebSocket;
  received: { type?: string; ok?: boolean; code?: string; ref?: string }[];
  closed: Promise<number>;
  isClosed: () => boolean;
}

function connect(s: TrainingServer, headers: Record<string, string> = {}): Promise<Client> {
  const ws = new WebSocket(`ws://127.0.0.1:${s.port}/ws`, { origin: `http://127.0.0.1:${s.port}`, headers });
  sockets.push(ws);
  const received: Client['received'] = [];
  let closedFlag = false;
  const closed = new Promise<number>((resolve) => ws.on('close', (code) => ((closedFlag = true), resolve(code))));
  ws.on('message', (data) => received.push(JSON.parse(String(data)) as Client['received'][number]));
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve({ ws, received, closed, isClosed: () => closedFlag }));
    ws.once('error', reject);
  });
}

/** Send and wait for its answer: the reply with this ref, or a welcome (messages on one connection are handled in order). */
async function roundTrip(c: Client, msg: Record<string, unknown>, ref: string): Promise<Client['received'][number]> {
  const from = c.received.length;
  const answer = (): Client['received'][number] | undefined => c.received.slice(from).find((m) => m.ref === ref || m.type === 'welcome');
  c.ws.send(JSON.stringify({ ...msg, ref }));
  await vi.waitFor(() => expect(answer()).toBeDefined(), { timeout: 120_000, interval: 10 });
  return answer()!;
}

const snapshots = (c: Client): number => c.received.filter((m) => m.type === 'snapshot').length;

function get(port: number, path: string, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { host } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('a flood of WebSocket messages', () => {
  it('3,000 one-byte messages from one page send no state to 30 stations; the page is rate-limited, then closed', async () => {
    const { server: s } = await start();
    const stations: Client[] = [];
    for (let i = 0; i < 30; i++) {
      const c = await connect(s);
      expect(await roundTrip(c, { type: 'hello', role: 'station', key: 'trainee-key' }, 'hello')).toMatchObject({ type: 'welcome' });
      stations.push(c);
    }
    const [attacker, ...others] = stations as [Client, ...Client[]];
    for (let i = 0; i < 3000; i++) attacker.ws.send('x');
    // Synchronise: the attacker is closed (the fix) or has had an answer to every message (before it).
    await vi.waitFor(() => expect(attacker.isClosed() || attacker.received.length > 3000).toBe(true), { timeout: 120_000, interval: 20 });
    for (const [i, c] of others.entries()) await roundTrip(c, { type: 'hello', role: 'station', key: 'trainee-key' }, `sync-${i}`);
    expect(others.map(snapshots)).toEqual(others.map(() => 0));
    expect(await attacker.closed).toBe(1008);
    // Its hello took one message of the burst; the rest were refused one by one, then one notice.
    expect(attacker.received.filter((m) => m.code === 'BAD_MESSAGE')).toHaveLength(MESSAGE_BURST - 1);
    expect(attacker.received.filter((m) => m.code === 'RATE_LIMITED')).toHaveLength(1);
    const st = s.stats();
    expect(st).toMatchObject({ broadcasts: 0, closedForFlooding: 1 });
    expect(st.rateLimited).toBe(MAX_DROPPED_IN_A_ROW + 1);
  });

  it('valid messages do not broadcast either: the state goes out once per tick', async () => {
    const { server: s } = await start();
    const a = await connect(s);
    const b = await connect(s);
    await roundTrip(a, { type: 'hello', role: 'station', key: 'trainee-key' }, 'ha');
    await roundTrip(b, { type: 'hello', role: 'station', key: 'trainee-key' }, 'hb');
    for (let i = 0; i < 20; i++) expect(await roundTrip(a, { type: 'station-silence' }, `s${i}`)).toMatchObject({ ok: true });
    await roundTrip(b, { type: 'hello', role: 'station', key: 'trainee-key' }, 'sync');
    expect(snapshots(b)).toBe(0);
    expect(s.stats().broadcasts).toBe(0);
  });
});

describe('connections', () => {
  it(`at most ${MAX_CONNECTIONS} connections; one more is refused with 503`, async () => {
    const { server: s } = await start();
    for (let i = 0; i < MAX_CONNECTIONS; i++) await connect(s);
    await expect(connect(s)).rejects.toThrow(/503/);
    expect(s.stats().refusedConnections).toBe(1);
  });

  it('a connection that never says hello is closed', async () => {
    const { server: s } = await start({ helloTimeoutMs: 50 });
    const c = await connect(s);
    expect(await c.closed).toBe(1008);
    expect(s.stats().closedWithoutHello).toBe(1);
  });
});

describe('Host header (DNS rebinding)', () => {
  it('answers only to 127.0.0.1, localhost and [::1] with its own port', async () => {
    const { server: s } = await start();
    const p = s.port;
    for (const host of [`rebind.attacker.example:${p}`, 'evil.example', `127.0.0.1:${p + 1}`, `127.0.0.1.nip.io:${p}`]) {
      expect(await get(p, '/debrief', host), host).toBe(421);
      expect(await get(p, '/', host), host).toBe(421);
    }
    for (const host of [`127.0.0.1:${p}`, `localhost:${p}`, `[::1]:${p}`, `LOCALHOST:${p}`]) expect(await get(p, '/debrief', host), host).toBe(200);
  });

  it('refuses a WebSocket from a rebound name, even with a matching Origin (its Origin was refused before too)', async () => {
    const { server: s } = await start();
    const ws = new WebSocket(`ws://127.0.0.1:${s.port}/ws`, { origin: `http://rebind.attacker.example:${s.port}`, headers: { host: `rebind.attacker.example:${s.port}` } });
    sockets.push(ws);
    await expect(new Promise((resolve, reject) => (ws.once('open', resolve), ws.once('error', reject)))).rejects.toThrow(/Unexpected server response: 40[13]/);
  });
});

describe('the session key', () => {
  it('a front panel without the session key is refused; with it, or the instructor key, it opens', async () => {
    const { server: s, session } = await start();
    const c = await connect(s);
    expect(await roundTrip(c, { type: 'hello', role: 'pump', pumpId: 'icu-3' }, 'h1')).toMatchObject({ ok: false, code: 'FORBIDDEN' });
    expect(await roundTrip(c, { type: 'command', pumpId: 'icu-3', line: 'STOP' }, 'c1')).toMatchObject({ ok: false, code: 'FORBIDDEN' });
    expect(await roundTrip(c, { type: 'hello', role: 'pump', pumpId: 'icu-3', key: 'wrong' }, 'h2')).toMatchObject({ ok: false, code: 'FORBIDDEN' });
    expect(await roundTrip(c, { type: 'hello', role: 'pump', pumpId: 'icu-3', key: 'trainee-key' }, 'h3')).toMatchObject({ type: 'welcome' });
    expect(await roundTrip(c, { type: 'hello', role: 'pump', pumpId: 'icu-3', key: 'instr-key' }, 'h4')).toMatchObject({ type: 'welcome' });
    expect(s.traineeUrl).toBe(`${s.url}#/key/${session.traineeKey}`);
  });
});
