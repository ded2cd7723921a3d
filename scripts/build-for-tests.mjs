/**
 * Builds dist/ for the tests that spawn the CLI (test/support/cli.ts): tsc with
 * tsconfig.build.json, incrementally (dist/.tsbuildinfo), and the bin made executable. Run by the
 * vitest global setup (test/support/buildCli.ts) and, beside the other checks, by
 * scripts/checks.mjs, so that under `npm test` the global setup finds dist/ up to date.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync } from 'node:fs';
import { fileURLToPath, URL } from 'node:url';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const tsc = fileURLToPath(new URL('../node_modules/typescript/bin/tsc', import.meta.url));
try {
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--incremental', '--tsBuildInfoFile', 'dist/.tsbuildinfo'], { cwd: ROOT, stdio: 'pipe', encoding: 'utf8' });
} catch (e) {
  process.stderr.write(`building dist/ for the CLI tests failed:\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  process.exit(1);
}
chmodSync(new URL('../dist/harness/cli/main.js', import.meta.url), 0o755);
