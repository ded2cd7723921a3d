/**
 * Builds dist/ for the tests that spawn the CLI (test/support/cli.ts): `tsc -b` with
 * tsconfig.build.json, as `npm run build` does, and the bin made executable. Run by the vitest
 * global setup (test/support/buildCli.ts) before any test file. `tsc -b` keeps dist/tsconfig.build.tsbuildinfo and compares timestamps: when dist/ is up to date
 * (the build of `npm install` / `npm ci`, or of the last test run) it ends in about a second instead of
 * compiling every file again (about 20 s of CPU here).
 */
import { execFileSync } from 'node:child_process';
import { chmodSync } from 'node:fs';
import { fileURLToPath, URL } from 'node:url';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const tsc = fileURLToPath(new URL('../node_modules/typescript/bin/tsc', import.meta.url));
try {
  execFileSync(process.execPath, [tsc, '-b', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'pipe', encoding: 'utf8' });
} catch (e) {
  process.stderr.write(`building dist/ for the CLI tests failed:\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  process.exit(1);
}
chmodSync(new URL('../dist/harness/cli/main.js', import.meta.url), 0o755);
