/**
 * The checks `npm test` runs before vitest, two at a time instead of one after the other (each is
 * one single-threaded process, and CI has two cores): the type check, ESLint, the layering check
 * and the build of dist/ for the CLI tests (scripts/build-for-tests.mjs; the vitest global setup
 * then finds it up to date). Each one's output is printed when it ends, under its name; the exit
 * status is 1 if any failed, after all have ended, so that one run reports every failure.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath, URL } from 'node:url';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const bin = (name) => fileURLToPath(new URL(`../node_modules/.bin/${name}`, import.meta.url));

/** Longest first, so that the two slots end at about the same time. */
const CHECKS = [
  ['typecheck', bin('tsc'), ['-p', 'tsconfig.json']],
  ['build for the CLI tests', process.execPath, ['scripts/build-for-tests.mjs']],
  ['lint', bin('eslint'), ['.']],
  ['layers', bin('depcruise'), ['src', '--config', '.dependency-cruiser.cjs', '--output-type', 'err']],
];
const AT_ONCE = 2;

function run([name, cmd, args]) {
  const t0 = Date.now();
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const done = (ok, why) => {
      const s = ((Date.now() - t0) / 1000).toFixed(1);
      process.stdout.write(`== ${name}: ${ok ? 'ok' : `FAILED (${why})`} in ${s} s\n${out}${out && !out.endsWith('\n') ? '\n' : ''}`);
      resolve(ok);
    };
    child.on('error', (e) => done(false, e.message));
    child.on('close', (code, signal) => done(code === 0, signal ?? `exit ${code}`));
  });
}

const queue = [...CHECKS];
const results = [];
await Promise.all(
  Array.from({ length: AT_ONCE }, async () => {
    for (let c = queue.shift(); c; c = queue.shift()) results.push(await run(c));
  }),
);
process.exit(results.every(Boolean) ? 0 : 1);
