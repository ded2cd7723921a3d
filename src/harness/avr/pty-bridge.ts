/**
 * Bridge the emulated Uno's USART to a pseudo-terminal, so that any serial client (the bench,
 * `screen`, the serialport package) can open a path and talk to the emulated board as if it were
 * /dev/ttyACM0. socat makes a linked pair of ptys; the bridge holds one end and the client opens
 * the other:
 *
 *   socat -d -d pty,raw,echo=0,link=<boardLink> pty,raw,echo=0,link=<link>
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { SerialPort } from 'serialport';
import { keepEveryPollWait } from '../serial/poller.js';
import type { EmulatedUno } from './emulated-uno.js';

export interface PtyBridgeOptions {
  /** Path the serial client opens (a symlink to a /dev/pts/N made by socat). */
  link: string;
  /** Path of the bridge's own end (default `<link>.board`). */
  boardLink?: string;
  /** socat executable (default `socat` on PATH; Debian package socat). */
  socat?: string;
  /** How long to wait for socat to create the ptys (default 5 s). */
  startTimeoutMs?: number;
}

export class PtyBridgeError extends Error {
  override name = 'PtyBridgeError';
}

function waitForSocat(child: ChildProcess, paths: string[], timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let stderr = '';
    let done = false;
    const finish = (err?: Error): void => {
      if (done) return;
      done = true;
      clearInterval(poll);
      clearTimeout(timer);
      child.off('exit', onExit);
      child.off('error', onError);
      if (err) reject(err);
      else resolve();
    };
    const onExit = (code: number | null): void => {
      finish(new PtyBridgeError(`socat exited with ${String(code)} before the ptys were ready: ${stderr.trim()}`));
    };
    const onError = (err: NodeJS.ErrnoException): void => {
      finish(
        new PtyBridgeError(
          err.code === 'ENOENT' ? 'socat not found: install the Debian package socat (apt-get install socat)' : `socat: ${err.message}`,
        ),
      );
    };
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (stderr.includes('starting data transfer loop') && paths.every((p) => existsSync(p))) finish();
    });
    child.once('exit', onExit);
    child.once('error', onError);
    const poll = setInterval(() => {
      if (stderr.includes('starting data transfer loop') && paths.every((p) => existsSync(p))) finish();
    }, 20);
    const timer = setTimeout(() => finish(new PtyBridgeError(`socat did not create ${paths.join(' and ')} within ${timeoutMs} ms`)), timeoutMs);
  });
}

export class PtyBridge {
  private closed = false;
  private readonly unsubscribe: () => void;

  private constructor(
    readonly link: string,
    readonly boardLink: string,
    private readonly socat: ChildProcess,
    private readonly port: SerialPort,
    uno: EmulatedUno,
  ) {
    port.on('data', (data: Buffer) => uno.write(data));
    this.unsubscribe = uno.onSerial((bytes) => {
      if (!this.closed) port.write(Buffer.from(bytes));
    });
    port.on('error', () => {
      // The client side went away or the bridge is closing; nothing to do.
    });
  }

  /** Start socat and connect `uno` to the pty at `options.link`. */
  static async open(uno: EmulatedUno, options: PtyBridgeOptions): Promise<PtyBridge> {
    const boardLink = options.boardLink ?? `${options.link}.board`;
    const child = spawn(
      options.socat ?? 'socat',
      ['-d', '-d', `pty,raw,echo=0,link=${boardLink}`, `pty,raw,echo=0,link=${options.link}`],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    try {
      await waitForSocat(child, [boardLink, options.link], options.startTimeoutMs ?? 5000);
    } catch (err) {
      child.kill();
      throw err;
    }
    // socat keeps logging transfers at -d -d; drain stderr so it never blocks.
    child.stderr?.resume();
    const port = new SerialPort({ path: boardLink, baudRate: 115200, lock: false, autoOpen: false });
    try {
      await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
      keepEveryPollWait(port);
    } catch (err) {
      child.kill();
      throw new PtyBridgeError(`cannot open ${boardLink}: ${(err as Error).message}`);
    }
    return new PtyBridge(options.link, boardLink, child, port, uno);
  }

  /** Disconnect from the board, close the pty and stop socat. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.unsubscribe();
    if (this.port.isOpen) {
      await new Promise<void>((resolve) => this.port.close(() => resolve()));
    }
    if (this.socat.exitCode === null && this.socat.signalCode === null) {
      const exited = new Promise<void>((resolve) => this.socat.once('exit', () => resolve()));
      this.socat.kill('SIGTERM');
      await exited;
    }
  }
}
