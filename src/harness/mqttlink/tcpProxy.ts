/**
 * A small MQTT-aware TCP proxy on 127.0.0.1 that puts a pump's link conditions on its real
 * connection: pump client ↔ proxy ↔ broker. It reads MQTT framing in both directions
 * (`mqttFrames.ts`); every packet that is not a PUBLISH passes at once, in order, and each PUBLISH
 * is offered to `onPublish`, which either lets it pass or takes it (to write it later, twice, or
 * never). One listening socket serves every proxied pump: the CONNECT packet's client id says
 * which pump a connection belongs to.
 *
 * The broker side is plain TCP for mqtt:// and TLS (with the run's CA) for mqtts://; the pump side
 * is always plain TCP on loopback. A connection closed on either side is closed on the other
 * without a DISCONNECT of its own, so a cut pump's last will is published as before.
 */
import net from 'node:net';
import tls from 'node:tls';
import { connectClientId, FrameReader, parsePublish, type PublishInfo } from './mqttFrames.js';
import type { Direction } from './messageShaping.js';

/** One pump's connection through the proxy. */
export interface ProxiedConnection {
  readonly pumpId: string;
  /** Both sockets still open. */
  readonly alive: boolean;
  /** Write a frame toward the broker ('up') or the pump ('down'); false when the connection is gone. */
  send(dir: Direction, frame: Buffer): boolean;
}

export interface LinkProxyHooks {
  /** The pump a CONNECT's client id belongs to; undefined refuses the connection. */
  pumpOf(clientId: string): string | undefined;
  /** A PUBLISH crossing a pump's link: true takes the frame (sent later, twice or never), false lets it pass now. */
  onPublish(conn: ProxiedConnection, dir: Direction, frame: Buffer, pub: PublishInfo): boolean;
  /** While this gives a promise, a new connection's CONNECT (and what follows it) waits for it (restartGate.ts). */
  admission?(): Promise<void> | undefined;
}

export interface LinkProxyOptions {
  /** The broker: mqtt://host:port or mqtts://host:port. */
  upstreamUrl: string;
  /**
   * A broker cluster: a pump's nodes, its home first. Each new connection of the pump goes to the
   * next one in turn (as mqtt.js does with its server list), so a pump whose node died reaches another.
   */
  upstreamsFor?: ((pumpId: string) => readonly string[] | undefined) | undefined;
  /** PEM CA for an mqtts:// broker. */
  ca?: Buffer | undefined;
  log?: ((line: string) => void) | undefined;
}

/** How long a closing socket may take to flush before it is destroyed. */
const CLOSE_GRACE_MS = 1000;

export class LinkProxy {
  private server: net.Server | undefined;
  private listening: Promise<void> | undefined;
  private readonly open = new Set<Connection>();
  /** Connections accepted since the start (each a pump connecting or reconnecting). */
  accepted = 0;
  /** How many connections to the broker each pump has had (the turn in its upstream list). */
  private readonly turns = new Map<string, number>();

  constructor(
    private readonly o: LinkProxyOptions,
    private readonly hooks: LinkProxyHooks,
  ) {}

  /** Start listening on a free port of 127.0.0.1 (once). */
  listen(): Promise<void> {
    this.listening ??= new Promise<void>((resolve, reject) => {
      const server = net.createServer({ noDelay: true }, (s) => this.accept(s));
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
      this.server = server;
    });
    return this.listening;
  }

  /** mqtt://127.0.0.1:<port>, for the pumps' clients. */
  get url(): string {
    const a = this.server?.address();
    if (!a || typeof a === 'string') throw new Error('link proxy is not listening');
    return `mqtt://127.0.0.1:${a.port}`;
  }

  get connections(): number {
    return this.open.size;
  }

  async close(): Promise<void> {
    for (const c of [...this.open]) c.destroy();
    const server = this.server;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** The broker a pump's new connection goes to. */
  private upstream(pumpId: string): string {
    const list = this.o.upstreamsFor?.(pumpId);
    if (!list || list.length === 0) return this.o.upstreamUrl;
    const turn = this.turns.get(pumpId) ?? 0;
    this.turns.set(pumpId, turn + 1);
    return list[turn % list.length] as string;
  }

  private accept(pumpSide: net.Socket): void {
    this.accepted++;
    const c = new Connection(pumpSide, this.o, this.hooks, () => this.open.delete(c), (pumpId) => this.upstream(pumpId));
    this.open.add(c);
  }
}

class Connection implements ProxiedConnection {
  pumpId = '';
  private broker: net.Socket | undefined;
  /** Frames from the pump while its CONNECT waits for admission. */
  private waiting: Buffer[] | undefined;
  private closed = false;
  private readonly upReader = new FrameReader();
  private readonly downReader = new FrameReader();

  constructor(
    private readonly pumpSide: net.Socket,
    private readonly o: LinkProxyOptions,
    private readonly hooks: LinkProxyHooks,
    private readonly onClosed: () => void,
    private readonly upstream: (pumpId: string) => string,
  ) {
    pumpSide.setNoDelay(true);
    pumpSide.on('data', (chunk: Buffer) => this.fromPump(chunk));
    pumpSide.on('close', () => this.shut());
    pumpSide.on('error', () => this.shut());
  }

  get alive(): boolean {
    return !this.closed && this.broker !== undefined;
  }

  send(dir: Direction, frame: Buffer): boolean {
    const s = dir === 'up' ? this.broker : this.pumpSide;
    if (this.closed || !s || s.destroyed) return false;
    s.write(frame);
    return true;
  }

  destroy(): void {
    this.shut();
    this.pumpSide.destroy();
    this.broker?.destroy();
  }

  private fromPump(chunk: Buffer): void {
    let frames: Buffer[];
    try {
      frames = this.upReader.push(chunk);
    } catch (e) {
      this.fail(`from pump: ${(e as Error).message}`);
      return;
    }
    for (const f of frames) {
      if (this.closed) return;
      if (this.waiting) {
        this.waiting.push(f);
        continue;
      }
      if (!this.broker) {
        // The first packet of a connection is its CONNECT [MQTT-3.1.0-1].
        const clientId = connectClientId(f);
        const pumpId = clientId === undefined ? undefined : this.hooks.pumpOf(clientId);
        if (pumpId === undefined) {
          this.fail(`refused a connection that is not a proxied pump's (client id ${clientId ?? 'none'})`);
          return;
        }
        this.pumpId = pumpId;
        const admission = this.hooks.admission?.();
        if (admission) {
          this.waiting = [f];
          void admission.then(() => this.admitted());
          continue;
        }
        this.broker = this.connectBroker();
        this.broker.write(f);
        continue;
      }
      this.forward('up', f);
    }
  }

  /** The held CONNECT goes to the broker, then what the pump sent after it, in order. */
  private admitted(): void {
    const [connect, ...rest] = this.waiting ?? [];
    this.waiting = undefined;
    if (this.closed || !connect) return;
    this.broker = this.connectBroker();
    this.broker.write(connect);
    for (const f of rest) {
      if (this.closed) return;
      this.forward('up', f);
    }
  }

  private fromBroker(chunk: Buffer): void {
    let frames: Buffer[];
    try {
      frames = this.downReader.push(chunk);
    } catch (e) {
      this.fail(`from broker: ${(e as Error).message}`);
      return;
    }
    for (const f of frames) {
      if (this.closed) return;
      this.forward('down', f);
    }
  }

  private forward(dir: Direction, frame: Buffer): void {
    const pub = parsePublish(frame);
    if (pub && this.hooks.onPublish(this, dir, frame, pub)) return;
    this.send(dir, frame);
  }

  private connectBroker(): net.Socket {
    const u = new URL(this.upstream(this.pumpId));
    const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
    const s =
      u.protocol === 'mqtts:'
        ? tls.connect({ host, port: Number(u.port || 8883), ...(this.o.ca ? { ca: this.o.ca } : {}), ...(net.isIP(host) ? {} : { servername: host }) })
        : net.connect({ host, port: Number(u.port || 1883) });
    s.setNoDelay(true);
    s.on('data', (chunk: Buffer) => this.fromBroker(chunk));
    s.on('close', () => this.shut());
    s.on('error', (e) => {
      this.o.log?.(`link proxy (${this.pumpId}): broker side: ${e.message}`);
      this.shut();
    });
    return s;
  }

  private fail(why: string): void {
    this.o.log?.(`link proxy: ${why}`);
    this.destroy();
  }

  /** Either side went away: close the other without a DISCONNECT of its own. */
  private shut(): void {
    if (this.closed) return;
    this.closed = true;
    for (const s of [this.pumpSide, this.broker]) {
      if (!s || s.destroyed) continue;
      s.end();
      setTimeout(() => s.destroy(), CLOSE_GRACE_MS).unref();
    }
    this.onClosed();
  }
}
