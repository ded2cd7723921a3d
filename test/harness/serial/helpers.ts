/** Shared set-up of the serial tests: a socat pty pair and `infusim device` as a child process. */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { haveSocat, socatMissingMessage, startSocatPair, type SocatPair } from '../../../src/harness/serial/socat.js';
import { CLI } from '../../support/cli.js';

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/**
 * socat is needed. On CI (process.env.CI set) its absence is a failure naming the Debian package;
 * elsewhere the tests are skipped with a message naming it.
 */
export function socatStatus(): { skip: boolean; message: string } {
  if (haveSocat()) return { skip: false, message: '' };
  const message = `${socatMissingMessage}; the serial tests need it`;
  if (process.env.CI) throw new Error(message);
  console.warn(`skipping serial tests: ${message}`);
  return { skip: true, message };
}

export interface DeviceProcess {
  child: ChildProcess;
  stderr: () => string;
  stop(): Promise<void>;
}

/** Run `infusim device --port <path> ...` and wait until it says it is ready. */
export function startDevice(port: string, extra: string[] = []): Promise<DeviceProcess> {
  const child = spawn(process.execPath, [CLI, 'device', '--port', port, ...extra], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`infusim device did not get ready within 120 s: ${err}`));
    }, 120_000);
    child.stderr?.on('data', (d: Buffer) => {
      if (err.length < 100_000) err += d.toString();
      if (err.includes('ready on')) {
        clearTimeout(timer);
        resolve({ child, stderr: () => err, stop });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`infusim device exited (${String(code)}): ${err}`));
    });
  });
}

export interface Rig {
  pair: SocatPair;
  device: DeviceProcess;
  close(): Promise<void>;
}

export async function startRig(extra: string[] = []): Promise<Rig> {
  const pair = await startSocatPair();
  let device: DeviceProcess;
  try {
    device = await startDevice(pair.a, extra);
  } catch (e) {
    await pair.close();
    throw e;
  }
  return {
    pair,
    device,
    async close() {
      await device.stop();
      await pair.close();
    },
  };
}
