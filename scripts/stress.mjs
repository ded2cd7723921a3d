// npm run test:stress [-- --runs N] [-- --no-load] [-- vitest filters...]
//
// The proof that the suite passes on a busy machine: type-check and lint once, then the whole vitest
// suite N times back to back (default 5) while a CPU-heavy process runs beside it the whole time
// (`node bench/pumps.mjs` in a loop, the pump benchmark). Prints each run's result and, at the end,
// passes and failures per test file. Exit 0 only when every run passed.
//
// Like .ci/run, it starts the suite's mosquitto (.ci/mosquitto-suite.sh) when mosquitto is installed
// and INFUSIM_TEST_MOSQUITTO_URL is not already set, and stops it at the end.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const args = process.argv.slice(2);
let runs = 5;
let load = true;
const filters = [];
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  if (a === '--runs') {
    runs = Number(args[++i]);
    if (!Number.isInteger(runs) || runs < 1 || runs > 100) {
      console.error(`test:stress: --runs must be a whole number from 1 to 100, got "${args[i]}"`);
      process.exit(2);
    }
  } else if (a === '--no-load') load = false;
  else filters.push(a);
}

const npx = (cmd, extra = {}) => spawnSync('npx', cmd, { stdio: 'inherit', ...extra });
const work = mkdtempSync(join(tmpdir(), 'infusim-stress-'));
const env = { ...process.env };

// Type-check and lint are deterministic: once.
for (const [name, cmd] of [['typecheck', ['tsc', '-p', 'tsconfig.json']], ['lint', ['eslint', '.']]]) {
  console.log(`== ${name}`);
  if (npx(cmd).status !== 0) {
    console.error(`test:stress: ${name} failed`);
    process.exit(1);
  }
}
// The benchmark beside the suite runs the built package.
if (spawnSync('npm', ['run', 'build'], { stdio: 'inherit' }).status !== 0) process.exit(1);

let suiteDir;
if (!env.INFUSIM_TEST_MOSQUITTO_URL && existsSync(env.INFUSIM_MOSQUITTO ?? '/usr/sbin/mosquitto')) {
  // Its own folder directly under the temp dir: mosquitto drops to its own user, which must reach it
  // (a folder inside this script's 0700 work folder is out of its reach: the plugin then has no admin).
  suiteDir = mkdtempSync(join(tmpdir(), 'infusim-stress-mosquitto-'));
  const r = spawnSync('bash', ['.ci/mosquitto-suite.sh', 'start', suiteDir], { encoding: 'utf8' });
  if (r.status !== 0) {
    console.error(`test:stress: the suite's mosquitto did not start: ${r.stderr}`);
    process.exit(1);
  }
  for (const line of r.stdout.trim().split('\n')) {
    const [k, v] = line.split('=', 2);
    if (k && v) env[k] = v;
  }
  console.log(`== the suite's mosquitto at ${env.INFUSIM_TEST_MOSQUITTO_URL}`);
}

// The load: the pump benchmark in a loop until the runs are over.
let loadRounds = 0;
let loadChild;
let stopping = false;
function startLoad() {
  if (stopping) return;
  loadChild = spawn(process.execPath, ['bench/pumps.mjs'], { stdio: 'ignore', env: { ...process.env, BENCH_HOURS: process.env.BENCH_HOURS ?? '24' } });
  loadChild.once('exit', () => {
    loadRounds++;
    startLoad();
  });
}
if (load) startLoad();

let vitestChild;
function cleanUp() {
  stopping = true;
  loadChild?.kill('SIGKILL');
  vitestChild?.kill('SIGTERM');
  if (suiteDir) {
    spawnSync('bash', ['.ci/mosquitto-suite.sh', 'stop', suiteDir]);
    rmSync(suiteDir, { recursive: true, force: true });
  }
  rmSync(work, { recursive: true, force: true });
}
// Stopped early (Ctrl-C, kill, a closed terminal): the benchmark, the suite and its mosquitto go too.
for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]]) {
  process.on(signal, () => {
    cleanUp();
    process.exit(code);
  });
}

/** file -> { pass, fail, failedTests: Set } */
const perFile = new Map();
const results = [];
for (let run = 1; run <= runs; run++) {
  const out = join(work, `run-${run}.json`);
  const started = Date.now();
  console.log(`\n== run ${run} of ${runs}${load ? ' (the pump benchmark running beside it)' : ''}`);
  // Not spawnSync: it blocks this script's event loop, and the benchmark's restarts with it (the
  // load then stopped after its first round).
  const r = await new Promise((resolve) => {
    const c = spawn('npx', ['vitest', 'run', '--reporter=dot', '--reporter=json', `--outputFile.json=${out}`, ...filters], { stdio: 'inherit', env });
    vitestChild = c;
    c.once('exit', (status, signal) => resolve({ status, signal }));
  });
  const seconds = (Date.now() - started) / 1000;
  let report;
  try {
    report = JSON.parse(readFileSync(out, 'utf8'));
  } catch {
    report = undefined;
  }
  const ok = r.status === 0;
  results.push({ run, ok, seconds, tests: report ? `${report.numPassedTests} passed, ${report.numFailedTests} failed, ${report.numPendingTests} skipped` : 'no report' });
  for (const f of report?.testResults ?? []) {
    const name = f.name.replace(`${process.cwd()}/`, '');
    const e = perFile.get(name) ?? { pass: 0, fail: 0, failedTests: new Set(), seconds: [] };
    e.seconds.push((f.endTime - f.startTime) / 1000);
    if (f.status === 'passed') e.pass++;
    else {
      e.fail++;
      for (const a of f.assertionResults ?? []) if (a.status === 'failed') e.failedTests.add(a.fullName);
      if (f.message) e.failedTests.add(f.message.split('\n')[0]);
    }
    perFile.set(name, e);
  }
  if (!ok && !report) console.log(`run ${run}: vitest exited ${r.status ?? r.signal} with no report`);
}
cleanUp();

console.log('\n== test:stress');
for (const r of results) console.log(`run ${r.run}: ${r.ok ? 'PASS' : 'FAIL'}  ${r.tests}  (${r.seconds.toFixed(0)} s wall)`);
if (load) console.log(`load: ${loadRounds} full runs of bench/pumps.mjs finished beside the suite (one every ${(results.reduce((a, r) => a + r.seconds, 0) / Math.max(1, loadRounds)).toFixed(0)} s of suite)`);
const failing = [...perFile].filter(([, e]) => e.fail > 0);
console.log(`\nper file (${perFile.size} files): ${perFile.size - failing.length} passed every run`);
for (const [name, e] of [...perFile].sort((a, b) => b[1].fail - a[1].fail || a[0].localeCompare(b[0]))) {
  if (e.fail === 0 && failing.length > 0) continue;
  console.log(`  ${String(e.pass).padStart(3)} pass ${String(e.fail).padStart(3)} fail  ${name}`);
  for (const t of e.failedTests) console.log(`        ${t}`);
}
const slowest = [...perFile].map(([name, e]) => [name, Math.max(...e.seconds)]).sort((a, b) => b[1] - a[1]).slice(0, 10);
console.log('\nslowest files (longest run, wall seconds; files run in parallel):');
for (const [name, s] of slowest) console.log(`  ${s.toFixed(1).padStart(7)}  ${name}`);
const passed = results.filter((r) => r.ok).length;
console.log(`\n${passed} passed, ${results.length - passed} failed`);
process.exit(passed === results.length ? 0 : 1);
