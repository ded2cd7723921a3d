/**
 * `npm test`: vitest (its global setup builds dist/ for the CLI tests, test/support/buildCli.ts)
 * with the checks beside it (scripts/checks.mjs: type check, ESLint, layers, one at a time). The
 * arguments go to vitest (`npm test -- test/sim`, reporters). Exit status 1 if vitest or a check
 * failed, after both have ended; the last lines say which checks failed.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath, URL } from 'node:url';
import { runChecks } from './checks.mjs';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const VITEST = fileURLToPath(new URL('../node_modules/vitest/vitest.mjs', import.meta.url));

const vitest = new Promise((resolve) => {
  const child = spawn(process.execPath, [VITEST, 'run', ...process.argv.slice(2)], { cwd: ROOT, stdio: 'inherit' });
  child.on('error', (e) => {
    process.stderr.write(`vitest did not start: ${e.message}\n`);
    resolve(1);
  });
  child.on('close', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
});
const [vitestCode, checks] = await Promise.all([vitest, runChecks(1)]);
const failed = checks.filter((c) => !c.ok).map((c) => c.name);
process.stdout.write(`== checks: ${failed.length === 0 ? `${checks.map((c) => c.name).join(', ')} ok` : `FAILED: ${failed.join(', ')} (their output is above, under their names)`}\n`);
process.exit(vitestCode === 0 && failed.length === 0 ? 0 : 1);
