/**
 * Running the infusim CLI from a test: the built bin (dist/, built once per test run by
 * test/support/buildCli.ts), never the sources through tsx in every child process.
 */
import { execFile, spawn, spawnSync, type ChildProcess, type SpawnOptions, type SpawnSyncOptions } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const CLI = fileURLToPath(new URL('../../dist/harness/cli/main.js', import.meta.url));

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Run `infusim args...` to its end, with a generous bound for a loaded machine. */
export function infusimSync(args: readonly string[], options: Omit<SpawnSyncOptions, 'encoding'> = {}): CliResult & { signal: NodeJS.Signals | null; error?: Error | undefined } {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, timeout: 300_000, maxBuffer: 64 * 1024 * 1024, ...options, encoding: 'utf8' });
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr, error: r.error };
}

/** The same, without blocking the test's event loop (for tests that serve something meanwhile). */
export function infusim(args: readonly string[], options: { input?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [CLI, ...args], { cwd: ROOT, encoding: 'utf8', timeout: options.timeoutMs ?? 300_000, maxBuffer: 64 * 1024 * 1024, ...(options.env ? { env: options.env } : {}) }, (err, stdout, stderr) => {
      resolve({ status: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout, stderr });
    });
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

/** A long-running infusim command (device, emulate, a paced run). */
export function spawnInfusim(args: readonly string[], options: SpawnOptions = {}): ChildProcess {
  return spawn(process.execPath, [CLI, ...args], { cwd: ROOT, ...options });
}
