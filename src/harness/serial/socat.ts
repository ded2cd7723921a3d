/**
 * A linked pair of pseudo-terminals made by socat (Debian package `socat`), for tests and
 * benchmarks: what one end writes, the other reads, like two ends of a null-modem cable.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const socatMissingMessage = 'socat not found: install the Debian package socat (apt-get install socat)';

export interface SocatPair {
  /** One end (e.g. the device's). */
  a: string;
  /** The other end (e.g. the bench's). */
  b: string;
  dir: string;
  process: ChildProcess;
  close(): Promise<void>;
}

/** Is socat on PATH? */
export function haveSocat(): boolean {
  const dirs = (process.env.PATH ?? '').split(':');
  return dirs.some((d) => d && existsSync(join(d, 'socat')));
}

export function startSocatPair(options: { socat?: string; timeoutMs?: number } = {}): Promise<SocatPair> {
  const dir = mkdtempSync(join(tmpdir(), 'infusim-pty-'));
  const a = join(dir, 'a');
  const b = join(dir, 'b');
  const child = spawn(options.socat ?? 'socat', ['-d', '-d', `pty,raw,echo=0,link=${a}`, `pty,raw,echo=0,link=${b}`], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const timeoutMs = options.timeoutMs ?? 5000;
  let stderr = '';
  const close = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 2000))]);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  return new Promise((resolve, reject) => {
    let done = false;
    const finish = (e?: Error): void => {
      if (done) return;
      done = true;
      clearInterval(poll);
      clearTimeout(timer);
      if (e) {
        void close();
        reject(e);
      } else resolve({ a, b, dir, process: child, close });
    };
    child.stderr?.on('data', (d: Buffer) => {
      if (stderr.length < 10_000) stderr += d.toString();
    });
    child.once('error', (e: NodeJS.ErrnoException) => finish(new Error(e.code === 'ENOENT' ? socatMissingMessage : `socat: ${e.message}`)));
    child.once('exit', (code) => finish(new Error(`socat exited (${String(code)}) before the ptys were ready: ${stderr.trim()}`)));
    const poll = setInterval(() => {
      if (stderr.includes('starting data transfer loop') && existsSync(a) && existsSync(b)) finish();
    }, 10);
    const timer = setTimeout(() => finish(new Error(`socat did not make ${a} and ${b} within ${timeoutMs} ms`)), timeoutMs);
  });
}
