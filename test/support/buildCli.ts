/**
 * vitest global setup: build the package once (dist/, incrementally) before any test file runs, so
 * that every test that runs the CLI spawns plain `node dist/harness/cli/main.js` (test/support/cli.ts)
 * instead of compiling the TypeScript sources again in each child process through tsx. The build is
 * scripts/build-for-tests.mjs, which `npm test` has already run beside its other checks
 * (scripts/checks.mjs): then this finds dist/ up to date.
 */
import { spawnSync } from 'node:child_process';
import { ROOT } from './cli.js';

export default function setup(): void {
  const r = spawnSync(process.execPath, ['scripts/build-for-tests.mjs'], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr || `scripts/build-for-tests.mjs ended with ${r.status ?? r.signal}`);
}
