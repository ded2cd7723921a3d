/**
 * The training server: Node's http module for the page, the compiled front end (dist/web) and the
 * debrief; `ws` for the live connection. It listens on 127.0.0.1 only, accepts WebSocket
 * connections only from its own origin, and sends every page a snapshot a few times a second.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { WebSocketServer, WebSocket } from 'ws';
import { PACKAGE_ROOT } from '../paths.js';
import { renderDebriefHtml } from './debrief.js';
import { indexHtml } from './pages.js';
import type { Connection, TrainingSession } from './session.js';

export interface TrainingServerOptions {
  /** 0: any free port. */
  port?: number;
  host?: string;
  /** Where the compiled front end is (default: dist/web of the package). */
  webDir?: string;
  /** How often pages get a snapshot (wall ms). */
  tickMs?: number;
}

export interface TrainingServer {
  url: string;
  instructorUrl: string;
  port: number;
  close(): Promise<void>;
}

export const DEFAULT_WEB_DIR = join(PACKAGE_ROOT, 'dist', 'web');

export async function startTrainingServer(session: TrainingSession, options: TrainingServerOptions = {}): Promise<TrainingServer> {
  const host = options.host ?? '127.0.0.1';
  const webDir = options.webDir ?? DEFAULT_WEB_DIR;
  if (!existsSync(join(webDir, 'app.js'))) throw new Error(`the web front end is not built (${join(webDir, 'app.js')} is missing): run npm run build`);
  const clients = new Map<WebSocket, Connection>();
  let origin = '';

  const send = (res: ServerResponse, status: number, type: string, body: string | Buffer): void => {
    res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
    res.end(body);
  };
  const http: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'text/plain; charset=utf-8', 'method not allowed\n');
    if (path === '/' || path === '/index.html') return send(res, 200, 'text/html; charset=utf-8', indexHtml(session.loaded.scenario.name));
    if (path === '/debrief') return send(res, 200, 'text/html; charset=utf-8', renderDebriefHtml(session.debrief()));
    const m = /^\/([a-z][a-z0-9-]{0,30}\.js)$/.exec(path);
    if (m?.[1] && existsSync(join(webDir, m[1]))) return send(res, 200, 'text/javascript; charset=utf-8', readFileSync(join(webDir, m[1])));
    return send(res, 404, 'text/plain; charset=utf-8', 'not found\n');
  });

  const wss = new WebSocketServer({
    server: http,
    path: '/ws',
    maxPayload: 8192,
    // Only pages this server served may connect (no cross-site WebSocket hijacking).
    verifyClient: (info: { origin: string }) => info.origin === origin || info.origin === origin.replace('127.0.0.1', 'localhost'),
  });
  wss.on('connection', (ws) => {
    const conn: Connection = {};
    clients.set(ws, conn);
    ws.on('message', (data, isBinary) => {
      const text = isBinary ? '' : data.toString();
      const reply = isBinary ? { type: 'reply', ok: false, code: 'BAD_MESSAGE', message: 'message refused: binary frames are not accepted' } : session.handle(conn, text);
      if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(reply));
      broadcast();
    });
    ws.on('close', () => clients.delete(ws));
    ws.on('error', () => clients.delete(ws));
  });

  const broadcast = (): void => {
    session.advance();
    const text = JSON.stringify(session.snapshot());
    for (const [ws, conn] of clients) if (conn.role !== undefined && ws.readyState === WebSocket.OPEN) ws.send(text);
  };
  const timer = setInterval(broadcast, options.tickMs ?? 250);

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.port ?? 8080, host, () => resolve());
  });
  const port = (http.address() as AddressInfo).port;
  const url = `http://${host}:${port}/`;
  origin = `http://${host}:${port}`;
  return {
    url,
    port,
    instructorUrl: `${url}#/instructor/${session.instructorKey}`,
    close: async () => {
      clearInterval(timer);
      for (const ws of clients.keys()) ws.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      const closed = new Promise<void>((resolve) => http.close(() => resolve()));
      // Browsers keep idle HTTP connections open; close them so the port is free at once.
      http.closeAllConnections();
      await closed;
    },
  };
}
