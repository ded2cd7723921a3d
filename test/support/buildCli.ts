/**
 * vitest global setup: build the package once (dist/, incrementally) before any test file runs, so
 * that every test that runs the CLI spawns plain `node dist/harness/cli/main.js` (test/support/cli.ts)
 * instead of compiling the TypeScript sources again in each child process through tsx. The build is
 * scripts/build-for-tests.mjs (`tsc -b`): after `npm install` / `npm ci`, which build the package,
 * it finds dist/ up to date in about a second.
 */
import { spawnSync } from 'node:child_process';
import { ROOT } from './cli.js';

export default function setup(): void {
  const r = spawnSync(process.execPath, ['scripts/build-for-tests.mjs'], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr || `scripts/build-for-tests.mjs ended with ${r.status ?? r.signal}`);
}
