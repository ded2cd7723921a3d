/**
 * The training server: Node's http module for the page, the compiled front end (dist/web) and the
 * debrief; `ws` for the live connection. It listens on 127.0.0.1 only, answers only to its own
 * Host (127.0.0.1, localhost or [::1] with its port: no DNS rebinding), accepts WebSocket
 * connections only from its own origin and up to MAX_CONNECTIONS, limits each connection's message
 * rate, and sends every page the state once per tick, whatever the pages send (limits.ts).
 */
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { WebSocketServer, WebSocket } from 'ws';
import { PACKAGE_ROOT } from '../paths.js';
import { renderDebriefHtml } from './debrief.js';
import { replyInWords, snapshotInWords } from './plainWords.js';
import { allowedHost, allowedOrigin, MessageRate } from './guard.js';
import { DEFAULT_TICK_MS, HELLO_TIMEOUT_MS, MAX_CONNECTIONS, MAX_DROPPED_IN_A_ROW } from './limits.js';
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
  /** Wall clock for the message rate (injected by tests); default performance.now. */
  nowMs?: () => number;
  /** Default MAX_CONNECTIONS. */
  maxConnections?: number;
  /** Default HELLO_TIMEOUT_MS. */
  helloTimeoutMs?: number;
}

/** What the server did, for tests and for the reliability table. */
export interface TrainingServerStats {
  messagesIn: number;
  /** Messages dropped because their connection was over its rate. */
  rateLimited: number;
  /** Connections closed for flooding, for not saying hello, or refused for being one too many. */
  closedForFlooding: number;
  closedWithoutHello: number;
  refusedConnections: number;
  /** Requests refused because of their Host (or, for a WebSocket, their Origin). */
  refusedHosts: number;
  /** Snapshots sent to all pages (one per tick at most). */
  broadcasts: number;
}

export interface TrainingServer {
  url: string;
  /** The address for trainees: it carries the session key that front panels and the station need. */
  traineeUrl: string;
  instructorUrl: string;
  port: number;
  stats(): TrainingServerStats;
  close(): Promise<void>;
}

export const DEFAULT_WEB_DIR = join(PACKAGE_ROOT, 'dist', 'web');

interface Client {
  conn: Connection;
  rate: MessageRate;
  /** Messages dropped in a row for being over the rate. */
  dropped: number;
  closing: boolean;
  /** The last snapshot this page got (a tick sends it only what changed). */
  lastSnapshot: string | undefined;
  helloTimer: ReturnType<typeof setTimeout> | undefined;
}

export async function startTrainingServer(session: TrainingSession, options: TrainingServerOptions = {}): Promise<TrainingServer> {
  const host = options.host ?? '127.0.0.1';
  const webDir = options.webDir ?? DEFAULT_WEB_DIR;
  if (!existsSync(join(webDir, 'app.js'))) throw new Error(`the web front end is not built (${join(webDir, 'app.js')} is missing): run npm run build`);
  const clients = new Map<WebSocket, Client>();
  const nowMs = options.nowMs ?? (() => performance.now());
  const maxConnections = options.maxConnections ?? MAX_CONNECTIONS;
  const stats: TrainingServerStats = { messagesIn: 0, rateLimited: 0, closedForFlooding: 0, closedWithoutHello: 0, refusedConnections: 0, refusedHosts: 0, broadcasts: 0 };
  let port = 0;

  const send = (res: ServerResponse, status: number, type: string, body: string | Buffer): void => {
    res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
    res.end(body);
  };
  const http: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (!allowedHost(req.headers.host, port)) {
      stats.refusedHosts++;
      return send(res, 421, 'text/plain; charset=utf-8', `misdirected request: this server answers only to 127.0.0.1:${port}, localhost:${port} or [::1]:${port}\n`);
    }
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'text/plain; charset=utf-8', 'method not allowed\n');
    if (path === '/' || path === '/index.html') return send(res, 200, 'text/html; charset=utf-8', indexHtml(session.loaded.scenario.name));
    if (path === '/debrief') return send(res, 200, 'text/html; charset=utf-8', renderDebriefHtml(session.debrief()));
    // Browsers ask every page for an icon: no content, rather than a 404 in the console.
    if (path === '/favicon.ico') return send(res, 204, 'image/x-icon', '');
    const m = /^\/([a-z][a-z0-9-]{0,30}\.js)$/.exec(path);
    if (m?.[1] && existsSync(join(webDir, m[1]))) return send(res, 200, 'text/javascript; charset=utf-8', readFileSync(join(webDir, m[1])));
    return send(res, 404, 'text/plain; charset=utf-8', 'not found\n');
  });

  const wss = new WebSocketServer({
    server: http,
    path: '/ws',
    maxPayload: 8192,
    // Only pages this server served may connect (no cross-site WebSocket hijacking, no DNS
    // rebinding), and no more than maxConnections at once.
    verifyClient: (info: { origin: string; req: IncomingMessage }, done: (ok: boolean, code?: number, message?: string) => void) => {
      if (!allowedHost(info.req.headers.host, port) || !allowedOrigin(info.origin, port)) {
        stats.refusedHosts++;
        return done(false, 403, 'forbidden origin or host');
      }
      if (clients.size >= maxConnections) {
        stats.refusedConnections++;
        return done(false, 503, 'too many connections');
      }
      done(true);
    },
  });
  wss.on('connection', (ws) => {
    if (clients.size >= maxConnections) {
      stats.refusedConnections++;
      ws.close(1013, 'too many connections');
      return;
    }
    const client: Client = { conn: {}, rate: new MessageRate(nowMs), dropped: 0, closing: false, lastSnapshot: undefined, helloTimer: undefined };
    client.helloTimer = setTimeout(() => {
      if (client.conn.role !== undefined) return;
      stats.closedWithoutHello++;
      client.closing = true;
      ws.close(1008, 'no hello');
    }, options.helloTimeoutMs ?? HELLO_TIMEOUT_MS);
    clients.set(ws, client);
    ws.on('message', (data, isBinary) => {
      stats.messagesIn++;
      if (client.closing) return;
      if (!client.rate.take()) {
        // Over the rate: dropped unread. The first one of a run is answered, so a page can say so.
        stats.rateLimited++;
        client.dropped++;
        if (client.dropped === 1 && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ type: 'reply', ok: false, code: 'RATE_LIMITED', message: 'message refused: too many messages; slow down' }));
        if (client.dropped > MAX_DROPPED_IN_A_ROW) {
          stats.closedForFlooding++;
          client.closing = true;
          ws.close(1008, 'too many messages');
        }
        return;
      }
      client.dropped = 0;
      const text = isBinary ? '' : data.toString();
      const reply = isBinary ? { type: 'reply', ok: false, code: 'BAD_MESSAGE', message: 'message refused: binary frames are not accepted' } : session.handle(client.conn, text);
      if (reply.type === 'welcome') client.lastSnapshot = undefined; // a new page: the next tick sends it the state
      if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(replyInWords(reply)));
      // No broadcast here: every page gets the state on the next tick, once, however many messages came.
    });
    const gone = (): void => {
      clearTimeout(client.helloTimer);
      clients.delete(ws);
    };
    ws.on('close', gone);
    ws.on('error', gone);
  });

  // One snapshot per tick, sent to each page that has said hello and has not seen it yet.
  const broadcast = (): void => {
    session.advance();
    const text = JSON.stringify(snapshotInWords(session.snapshot()));
    let sent = false;
    for (const [ws, c] of clients) {
      if (c.conn.role === undefined || c.lastSnapshot === text || ws.readyState !== WebSocket.OPEN) continue;
      ws.send(text);
      c.lastSnapshot = text;
      sent = true;
    }
    if (sent) stats.broadcasts++;
  };
  const timer = setInterval(broadcast, options.tickMs ?? DEFAULT_TICK_MS);

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.port ?? 8080, host, () => resolve());
  });
  port = (http.address() as AddressInfo).port;
  const url = `http://${host}:${port}/`;
  return {
    url,
    traineeUrl: `${url}#/key/${session.traineeKey}`,
    port,
    stats: () => ({ ...stats }),
    instructorUrl: `${url}#/instructor/${session.instructorKey}`,
    close: async () => {
      clearInterval(timer);
      for (const [ws, c] of clients) {
        clearTimeout(c.helloTimer);
        ws.terminate();
      }
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      const closed = new Promise<void>((resolve) => http.close(() => resolve()));
      // Browsers keep idle HTTP connections open; close them so the port is free at once.
      http.closeAllConnections();
      await closed;
    },
  };
}
