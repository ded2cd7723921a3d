/**
 * The host end of a serial line-protocol link (docs/protocol.md): a `serialport` port with a
 * `ReadlineParser`, requests paired with replies by id, a timeout on every wait, notice of a
 * vanished device (close, error, write error, or silence), and a bounded reconnect.
 *
 * A port that goes away does not always emit `close` (a pty whose other end died, a USB adapter
 * pulled mid-write): every wait has a timeout, and `isAlive()` asks with a PING.
 */
import { SerialPort } from 'serialport';
import { ReadlineParser } from '@serialport/parser-readline';
import { keepEveryPollWait } from './poller.js';

export type LinkErrorKind = 'open' | 'timeout' | 'closed' | 'write' | 'gone';

export class LinkError extends Error {
  override name = 'LinkError';
  constructor(
    readonly kind: LinkErrorKind,
    message: string,
  ) {
    super(message);
  }
}

export interface SerialLinkOptions {
  path: string;
  /** Default 115200. */
  baudRate?: number;
  /** Default wait for a reply (ms); default 2000. */
  timeoutMs?: number;
  /** Opening tries before giving up (open and reconnect); default 3. */
  openTries?: number;
  /** Pause between tries (ms); default 250. */
  retryDelayMs?: number;
  /** Keep at most this many received lines for diagnostics; default 200. */
  keepLines?: number;
}

export interface RequestResult {
  /** The reply line. */
  reply: string;
  /** Lines received since the previous reply, up to and including this one (events, status). */
  lines: string[];
}

interface Waiter {
  id: string;
  resolve: (r: RequestResult) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

/** `<id> OK ...` / `<id> ERR ...`: the id of a reply line, or undefined for events and noise. */
export function replyId(line: string): string | undefined {
  const m = /^(\S{1,8}) (OK|ERR)(?: |$)/.exec(line);
  return m ? m[1] : undefined;
}

/** `k=v` fields of a line. */
export function fieldsOf(line: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const w of line.split(' ')) {
    const eq = w.indexOf('=');
    if (eq > 0) out[w.slice(0, eq)] = w.slice(eq + 1);
  }
  return out;
}

/** The error code of an `ERR` reply, or 'OK'. */
export function replyCode(reply: string): string {
  const m = /^\S+ (OK|ERR)(?: (\S+))?/.exec(reply);
  if (!m) return 'NONE';
  return m[1] === 'OK' ? 'OK' : (m[2] ?? 'ERR');
}

function openPort(path: string, baudRate: number, timeoutMs: number): Promise<SerialPort> {
  return new Promise((resolve, reject) => {
    const port = new SerialPort({ path, baudRate, autoOpen: false });
    const timer = setTimeout(() => reject(new LinkError('open', `opening ${path} took more than ${timeoutMs} ms`)), timeoutMs);
    port.open((e) => {
      clearTimeout(timer);
      if (e) reject(new LinkError('open', `cannot open ${path}: ${e.message}`));
      else {
        keepEveryPollWait(port);
        resolve(port);
      }
    });
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export class SerialLink {
  /** The last received lines (bounded), for reports. */
  readonly recent: string[] = [];
  private port: SerialPort | undefined;
  private parser: ReadlineParser | undefined;
  private since: string[] = [];
  private readonly waiters: Waiter[] = [];
  private readonly lineListeners = new Set<(line: string) => void>();
  private nextId = 1;
  private closedByUs = false;
  private lostReason: string | undefined;
  readonly path: string;
  readonly baudRate: number;
  readonly timeoutMs: number;
  private readonly openTries: number;
  private readonly retryDelayMs: number;
  private readonly keepLines: number;
  /** Reconnects done so far. */
  reconnects = 0;

  private constructor(options: SerialLinkOptions) {
    this.path = options.path;
    this.baudRate = options.baudRate ?? 115_200;
    this.timeoutMs = options.timeoutMs ?? 2000;
    this.openTries = Math.max(1, Math.min(options.openTries ?? 3, 20));
    this.retryDelayMs = options.retryDelayMs ?? 250;
    this.keepLines = options.keepLines ?? 200;
  }

  static async open(options: SerialLinkOptions): Promise<SerialLink> {
    const link = new SerialLink(options);
    await link.connect();
    return link;
  }

  /** Whether the port is open as far as we know (a silent device may still be gone). */
  get isOpen(): boolean {
    return this.port?.isOpen === true && this.lostReason === undefined;
  }

  /** Why the link was lost, if it was. */
  get lost(): string | undefined {
    return this.lostReason;
  }

  private async connect(): Promise<void> {
    let last: Error | undefined;
    for (let i = 0; i < this.openTries; i++) {
      if (i > 0) await sleep(this.retryDelayMs);
      try {
        const port = await openPort(this.path, this.baudRate, this.timeoutMs);
        this.attach(port);
        return;
      } catch (e) {
        last = e as Error;
      }
    }
    throw last instanceof LinkError ? last : new LinkError('open', String(last));
  }

  private attach(port: SerialPort): void {
    this.port = port;
    this.lostReason = undefined;
    this.since = [];
    const parser = port.pipe(new ReadlineParser({ delimiter: '\n', encoding: 'latin1' }));
    this.parser = parser;
    parser.on('data', (raw: string) => this.receive(raw.endsWith('\r') ? raw.slice(0, -1) : raw));
    port.on('close', () => {
      if (this.port === port) this.markLost(this.closedByUs ? 'closed' : `${this.path} closed`);
    });
    port.on('error', (e: Error) => {
      if (this.port === port) this.markLost(`${this.path}: ${e.message}`);
    });
  }

  private markLost(reason: string): void {
    if (this.lostReason === undefined) this.lostReason = reason;
    const kind: LinkErrorKind = this.closedByUs ? 'closed' : 'gone';
    for (const w of this.waiters.splice(0)) {
      clearTimeout(w.timer);
      w.reject(new LinkError(kind, `${reason} while waiting for the reply to ${w.id}`));
    }
  }

  private receive(line: string): void {
    this.recent.push(line);
    if (this.recent.length > this.keepLines) this.recent.splice(0, this.recent.length - this.keepLines);
    for (const l of this.lineListeners) l(line);
    this.since.push(line);
    if (this.since.length > 10_000) this.since.splice(0, this.since.length - 10_000);
    const id = replyId(line);
    if (id === undefined) return;
    const i = this.waiters.findIndex((w) => w.id === id);
    if (i < 0) return; // a reply nobody waits for (e.g. after a timeout): kept in `recent`
    const [w] = this.waiters.splice(i, 1) as [Waiter];
    clearTimeout(w.timer);
    const lines = this.since;
    this.since = [];
    w.resolve({ reply: line, lines });
  }

  /** Subscribe to every received line; returns the unsubscribe function. */
  onLine(cb: (line: string) => void): () => void {
    this.lineListeners.add(cb);
    return () => this.lineListeners.delete(cb);
  }

  /** A fresh request id (base 36, at most 8 characters). */
  newId(prefix = 'b'): string {
    const n = this.nextId++ % 36 ** 6;
    return `${prefix.slice(0, 2)}${n.toString(36)}`;
  }

  /** Write bytes as they are, waiting until the OS took them (bounded). */
  async writeRaw(data: Buffer | string, timeoutMs = this.timeoutMs): Promise<void> {
    const port = this.port;
    if (!port || this.lostReason !== undefined) throw new LinkError('gone', `link to ${this.path} is lost: ${this.lostReason ?? 'not open'}`);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new LinkError('timeout', `write to ${this.path} did not finish within ${timeoutMs} ms`)), timeoutMs);
      port.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : data, (e) => {
        if (e) {
          clearTimeout(timer);
          this.markLost(`write error: ${e.message}`);
          reject(new LinkError('write', `write to ${this.path} failed: ${e.message}`));
          return;
        }
        port.drain((e2) => {
          clearTimeout(timer);
          if (e2) {
            this.markLost(`drain error: ${e2.message}`);
            reject(new LinkError('write', `drain of ${this.path} failed: ${e2.message}`));
          } else resolve();
        });
      });
    });
  }

  /** Wait for the reply with this id (registered before anything is written). */
  expectReply(id: string, timeoutMs = this.timeoutMs): Promise<RequestResult> {
    if (this.lostReason !== undefined) return Promise.reject(new LinkError('gone', `link to ${this.path} is lost: ${this.lostReason}`));
    return new Promise<RequestResult>((resolve, reject) => {
      const w: Waiter = {
        id,
        resolve,
        reject,
        timer: setTimeout(() => {
          const i = this.waiters.indexOf(w);
          if (i >= 0) this.waiters.splice(i, 1);
          reject(new LinkError('timeout', `no reply to ${id} within ${timeoutMs} ms`));
        }, timeoutMs),
      };
      this.waiters.push(w);
    });
  }

  /**
   * Send `<id> <text>` and wait for its reply. `text` is the command and its arguments; the id is
   * made here unless `id` is given.
   */
  async request(text: string, options: { id?: string; timeoutMs?: number } = {}): Promise<RequestResult> {
    const id = options.id ?? this.newId();
    const p = this.expectReply(id, options.timeoutMs);
    try {
      await this.writeRaw(`${id} ${text}\n`);
    } catch (e) {
      p.catch(() => undefined);
      throw e;
    }
    return p;
  }

  /** Send a request and resolve with the reply line only. */
  async ask(text: string, timeoutMs?: number): Promise<string> {
    return (await this.request(text, timeoutMs === undefined ? {} : { timeoutMs })).reply;
  }

  /** Lines received since the last reply was matched (and forget them). */
  takeUnmatched(): string[] {
    const l = this.since;
    this.since = [];
    return l;
  }

  /** Does the device answer a PING within `timeoutMs`? Never throws. */
  async isAlive(timeoutMs = this.timeoutMs): Promise<boolean> {
    try {
      const r = await this.ask('PING', timeoutMs);
      return replyCode(r) === 'OK';
    } catch {
      return false;
    }
  }

  /** Close and open the port again (bounded tries); then check liveness. */
  async reconnect(): Promise<boolean> {
    this.reconnects++;
    await this.closePort();
    this.closedByUs = false;
    try {
      await this.connect();
    } catch {
      this.lostReason = this.lostReason ?? 'reconnect failed';
      return false;
    }
    return this.isAlive();
  }

  private async closePort(): Promise<void> {
    const port = this.port;
    this.closedByUs = true;
    this.markLost('closed');
    if (this.parser) port?.unpipe(this.parser);
    if (port?.isOpen) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 1000);
        port.close(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    port?.removeAllListeners();
    // A late error from a closed port must not become an uncaught exception.
    port?.on('error', () => undefined);
    this.port = undefined;
  }

  async close(): Promise<void> {
    await this.closePort();
  }
}
