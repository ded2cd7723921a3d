/**
 * vitest global setup: build the package once (dist/, incrementally) before any test file runs, so
 * that every test that runs the CLI spawns plain `node dist/harness/cli/main.js` (test/support/cli.ts)
 * instead of compiling the TypeScript sources again in each child process through tsx.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './cli.js';

export default function setup(): void {
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  try {
    execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--incremental', '--tsBuildInfoFile', 'dist/.tsbuildinfo'], { cwd: ROOT, stdio: 'pipe', encoding: 'utf8' });
  } catch (e) {
    const out = (e as { stdout?: string }).stdout ?? '';
    throw new Error(`building dist/ for the CLI tests failed:\n${out}`);
  }
  chmodSync(join(ROOT, 'dist', 'harness', 'cli', 'main.js'), 0o755);
}
