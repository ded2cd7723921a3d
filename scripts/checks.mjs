/**
 * The checks `npm test` runs beside vitest (scripts/test.mjs): the type check, ESLint and the
 * layering check, one at a time. Each is one single-threaded process of pure CPU; vitest's files
 * often wait (on brokers, child processes, ptys, a browser, a paced run), so the checks fill those
 * gaps instead of holding both cores before the first test starts. Each one's output is printed
 * when it ends, under its name. `node scripts/checks.mjs` alone runs them two at a time.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath, URL } from 'node:url';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const bin = (name) => fileURLToPath(new URL(`../node_modules/.bin/${name}`, import.meta.url));

/** Longest first. */
const CHECKS = [
  ['typecheck', bin('tsc'), ['-p', 'tsconfig.json']],
  ['lint', bin('eslint'), ['.']],
  ['layers', bin('depcruise'), ['src', '--config', '.dependency-cruiser.cjs', '--output-type', 'err']],
];

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
      resolve({ name, ok });
    };
    child.on('error', (e) => done(false, e.message));
    child.on('close', (code, signal) => done(code === 0, signal ?? `exit ${code}`));
  });
}

/** Every check, `atOnce` at a time; resolves to each one's name and whether it passed, in CHECKS order. */
export async function runChecks(atOnce) {
  const queue = [...CHECKS];
  const results = new Map();
  await Promise.all(
    Array.from({ length: atOnce }, async () => {
      for (let c = queue.shift(); c; c = queue.shift()) {
        const r = await run(c);
        results.set(r.name, r.ok);
      }
    }),
  );
  return CHECKS.map(([name]) => ({ name, ok: results.get(name) }));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const results = await runChecks(2);
  process.exit(results.every((r) => r.ok) ? 0 : 1);
}
