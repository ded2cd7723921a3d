/**
 * Servers infusim runs as child processes, each in a temporary folder of its own (mosquitto,
 * redis-server): every process still running is killed and every folder still open is removed on
 * every exit path (cleanup.ts). SIGKILL, not SIGTERM: a server told to stop may write its
 * persistence file into its folder while exiting, which raced the removal (under load the folder
 * was left behind, non-empty).
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onProcessExit } from './cleanup.js';
import { startOnReservedPort, type ReservedPort } from './ports.js';

const openDirs = new Set<string>();
const running = new Set<ChildProcess>();
onProcessExit(() => {
  for (const c of running) c.kill('SIGKILL');
  for (const d of openDirs) removeDir(d);
});

/** A new temporary folder named `<prefix>XXXXXX`, removed at exit unless removed before. */
export function serverDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  openDirs.add(dir);
  return dir;
}

/** Remove a folder made by serverDir (with retries: a process that just ended may still be writing). */
export function removeServerDir(dir: string): void {
  openDirs.delete(dir);
  removeDir(dir);
}

/** Kill this process at exit unless it has ended before (untrack it when it does). */
export function trackServerProcess(child: ChildProcess): void {
  running.add(child);
}

export function untrackServerProcess(child: ChildProcess): void {
  running.delete(child);
}

function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 });
}

/** What startServerProcess needs of a server: start its process, stop it. */
export interface ServerProcess {
  startProcess(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Make a server on `port` when given, else on a port reserved below the ephemeral range
 * (startOnReservedPort: a fresh port if it turns out taken), and start its process. A server
 * whose process does not start is stopped before the error goes on. The reservation comes back
 * with it, for the server to release when it stops.
 */
export async function startServerProcess<S extends ServerProcess>(port: number | undefined, make: (port: number) => S): Promise<{ server: S; reserved?: ReservedPort }> {
  const startOn = async (p: number): Promise<S> => {
    const s = make(p);
    try {
      await s.startProcess();
      return s;
    } catch (e) {
      await s.stop();
      throw e;
    }
  };
  if (port !== undefined) return { server: await startOn(port) };
  const { value, reserved } = await startOnReservedPort(startOn);
  return { server: value, reserved };
}
