/**
 * Line-protocol client over any byte transport (the emulated board, a serial port): splits what
 * the board sends into lines and pairs requests with their replies by request id
 * (docs/protocol.md). Events (`! ...`) and status lines (`* ...`) are kept in order with the rest.
 */

export interface ByteTransport {
  write(bytes: Uint8Array | string): void;
  /** Subscribe to received bytes; returns the unsubscribe function. */
  onData(cb: (bytes: Uint8Array) => void): () => void;
}

export interface RequestResult {
  /** The reply line (`<id> OK ...` or `<id> ERR ...`). */
  reply: string;
  /** Every line received after the request was sent, up to and including the reply. */
  lines: string[];
}

interface Waiter {
  test: (line: string) => boolean;
  resolve: (index: number) => void;
  reject: (err: Error) => void;
  from: number;
  timer: NodeJS.Timeout;
}

export class LineClient {
  /** Every complete line received so far, without its end. */
  readonly lines: string[] = [];
  private partial = '';
  private readonly waiters = new Set<Waiter>();
  private readonly unsubscribe: () => void;
  private nextId = 1;

  constructor(
    private readonly transport: ByteTransport,
    private readonly defaultTimeoutMs = 10_000,
  ) {
    this.unsubscribe = transport.onData((bytes) => this.receive(bytes));
  }

  close(): void {
    this.unsubscribe();
    for (const w of this.waiters) {
      clearTimeout(w.timer);
      w.reject(new Error('line client closed'));
    }
    this.waiters.clear();
  }

  /** Send raw bytes or text as is (no line end added). */
  sendRaw(data: Uint8Array | string): void {
    this.transport.write(data);
  }

  /** Send one line (a `\n` is added). */
  send(line: string): void {
    this.transport.write(`${line}\n`);
  }

  /** Wait for the first line from index `from` on that passes `test`; resolves with its index. */
  waitForLine(test: RegExp | ((line: string) => boolean), from = this.lines.length, timeoutMs = this.defaultTimeoutMs): Promise<number> {
    const fn = typeof test === 'function' ? test : (l: string) => test.test(l);
    for (let i = from; i < this.lines.length; i++) {
      if (fn(this.lines[i] ?? '')) return Promise.resolve(i);
    }
    return new Promise<number>((resolve, reject) => {
      const waiter: Waiter = {
        test: fn,
        resolve,
        reject,
        from,
        timer: setTimeout(() => {
          this.waiters.delete(waiter);
          reject(new Error(`timed out after ${timeoutMs} ms waiting for ${String(test)}; last lines:\n${this.lines.slice(-8).join('\n')}`));
        }, timeoutMs),
      };
      this.waiters.add(waiter);
    });
  }

  /**
   * Send `<id> <command>` and resolve with the reply and everything received meanwhile. The id is
   * generated unless `command` already starts with one (pass `{ rawLine: true }`).
   */
  async request(command: string, opts: { timeoutMs?: number; rawLine?: boolean } = {}): Promise<RequestResult> {
    let line = command;
    let id: string;
    if (opts.rawLine) {
      id = command.split(' ', 1)[0] ?? '';
    } else {
      id = `r${this.nextId++}`;
      line = `${id} ${command}`;
    }
    const from = this.lines.length;
    this.send(line);
    const prefix = `${id} `;
    const at = await this.waitForLine((l) => l.startsWith(`${prefix}OK`) || l.startsWith(`${prefix}ERR`), from, opts.timeoutMs ?? this.defaultTimeoutMs);
    return { reply: this.lines[at] ?? '', lines: this.lines.slice(from, at + 1) };
  }

  private receive(bytes: Uint8Array): void {
    this.partial += Buffer.from(bytes).toString('latin1');
    let nl: number;
    while ((nl = this.partial.indexOf('\n')) >= 0) {
      const line = this.partial.slice(0, nl).replace(/\r$/, '');
      this.partial = this.partial.slice(nl + 1);
      this.lines.push(line);
      const index = this.lines.length - 1;
      for (const w of this.waiters) {
        if (index >= w.from && w.test(line)) {
          clearTimeout(w.timer);
          this.waiters.delete(w);
          w.resolve(index);
        }
      }
    }
  }
}

/** Parse the `key=value` words of a line into a record. */
export function parseFields(line: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const word of line.split(' ')) {
    const eq = word.indexOf('=');
    if (eq > 0) out[word.slice(0, eq)] = word.slice(eq + 1);
  }
  return out;
}
