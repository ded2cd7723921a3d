// Serial round trip, run after `npm run build` (part of `npm run bench`). Needs socat.
//
//   1. a bare echo over a socat pty pair: the baseline (what the pty and serialport cost);
//   2. `infusim device` over a pty pair (p50, p99 over N PINGs); aim: within 2x the echo;
//   3. the emulated Uno: `infusim emulate` running the test-clock .hex (hardware/firmware/build/,
//      `make -C hardware/firmware test-image`) on a pty (p50, p99), and the emulator's speed
//      relative to a real 16 MHz ATmega328P, both raw (CPU only, in this process) and while it
//      served the PINGs; aim: real time or faster (>= 1x), so a bench run against it takes no
//      longer than against a real board. A real Uno's round trip is bounded below by the line:
//      a PING and its reply are ~16 bytes, 1.4 ms at 115200 baud, plus the USB adapter's latency.
//
// SERIAL_BENCH_PINGS (default 2000) sets N; the Uno gets min(N, 1000).
/* global URL, setTimeout, clearTimeout */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const N = Number(process.env.SERIAL_BENCH_PINGS ?? 2000);
const dist = (p) => `${ROOT}dist/${p}`;
if (!existsSync(dist('harness/serial/index.js'))) {
  console.error('bench/serial.mjs: dist/harness/serial is missing; run `npm run build` first');
  process.exit(1);
}
const { SerialLink, startSocatPair, haveSocat, socatMissingMessage } = await import(dist('harness/serial/index.js'));
if (!haveSocat()) {
  console.error(`bench/serial.mjs: ${socatMissingMessage}`);
  process.exit(1);
}

/** Spawn a node child and wait for `marker` on its stderr; `stderr()` gives what it wrote. */
function startChild(args, marker) {
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  child.stderrText = () => err;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`child did not start: ${err}`)), 20_000);
    const check = () => {
      if (err.includes(marker)) {
        clearTimeout(timer);
        child.stderr.off('data', check);
        resolve(child);
      }
    };
    child.stderr.on('data', check);
    child.once('exit', (c) => reject(new Error(`child exited ${c}: ${err}`)));
  });
}

async function stop(child) {
  if (child.exitCode !== null) return;
  const closed = new Promise((r) => child.once('close', r));
  child.kill('SIGTERM');
  await Promise.race([closed, new Promise((r) => setTimeout(r, 5000))]);
  if (child.exitCode === null) child.kill('SIGKILL');
}

async function measure(path, n) {
  const link = await SerialLink.open({ path, timeoutMs: 5000 });
  for (let i = 0; i < 50; i++) await link.ask('PING'); // warm up
  const ms = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await link.ask('PING');
    ms.push(performance.now() - t);
  }
  await link.close();
  ms.sort((a, b) => a - b);
  const q = (p) => ms[Math.min(ms.length - 1, Math.floor(p * ms.length))];
  return { p50: q(0.5), p99: q(0.99), n };
}

// The baseline: a tiny echo that answers `<id> PING` with `<id> OK`, nothing else.
const ECHO = `
import { SerialPort } from 'serialport';
import { ReadlineParser } from '@serialport/parser-readline';
const port = new SerialPort({ path: process.argv[1], baudRate: 115200 });
const parser = port.pipe(new ReadlineParser({ delimiter: '\\n' }));
parser.on('data', (l) => port.write(l.split(' ')[0] + ' OK\\n'));
port.on('open', () => process.stderr.write('echo ready\\n'));
`;

const rows = [];
const notes = [];
const fmt = (r) => `p50 ${r.p50.toFixed(3)} ms  p99 ${r.p99.toFixed(3)} ms  (${r.n} PINGs)`;
const verdict = (ok) => (ok ? 'met' : 'NOT met');

const pair1 = await startSocatPair();
const echo = await startChild(['--input-type=module', '-e', ECHO, pair1.a], 'echo ready');
const base = await measure(pair1.b, N);
await stop(echo);
await pair1.close();
rows.push(['bare echo over a pty pair (baseline)', base, '']);

const pair2 = await startSocatPair();
const dev = await startChild([dist('harness/cli/main.js'), 'device', '--port', pair2.a], 'ready on');
const sim = await measure(pair2.b, N);
await stop(dev);
await pair2.close();
const simOk = sim.p50 <= 2 * base.p50 && sim.p99 <= 2 * base.p99;
rows.push([
  'infusim device over a pty pair',
  sim,
  `x${(sim.p50 / base.p50).toFixed(2)} / x${(sim.p99 / base.p99).toFixed(2)} the echo; aim <= x2 at p50 and p99: ${verdict(simOk)}`,
]);

const hex = `${ROOT}hardware/firmware/build/infusim_uno_testclock.hex`;
if (existsSync(dist('harness/avr/emulated-uno.js')) && existsSync(dist('harness/cli/emulateCommand.js')) && existsSync(hex)) {
  // Raw emulator speed: the firmware's idle loop, CPU only, no event loop in between.
  const { EmulatedUno, UNO_CLOCK_HZ } = await import(dist('harness/avr/emulated-uno.js'));
  const raw = EmulatedUno.fromHexFile(hex);
  raw.runCycles(UNO_CLOCK_HZ / 10); // boot and JIT warm-up
  const c0 = raw.cpu.cycles;
  const t0 = performance.now();
  while (performance.now() - t0 < 2000) raw.runCycles(160_000);
  const rawSpeed = (raw.cpu.cycles - c0) / UNO_CLOCK_HZ / ((performance.now() - t0) / 1000);

  const dir = mkdtempSync(join(tmpdir(), 'infusim-uno-'));
  const link = join(dir, 'uno');
  const uno = await startChild([dist('harness/cli/main.js'), 'emulate', '--hex', hex, '--port', link], 'ready on');
  let r;
  try {
    r = await measure(link, Math.min(N, 1000));
  } finally {
    await stop(uno);
    rmSync(dir, { recursive: true, force: true });
  }
  const m = /emulator speed (\d+\.\d+)x a 16 MHz Uno \((\d+\.\d+) MHz while running, (\d+\.\d+)x over wall-clock time\)/.exec(uno.stderrText());
  rows.push(['emulated Uno (infusim emulate, avr8js)', r, `x${(r.p50 / base.p50).toFixed(2)} / x${(r.p99 / base.p99).toFixed(2)} the echo`]);
  const served = m ? Number(m[1]) : NaN;
  notes.push(
    `emulator speed, raw (idle loop, this process): ${rawSpeed.toFixed(2)}x a 16 MHz ATmega328P (${((rawSpeed * UNO_CLOCK_HZ) / 1e6).toFixed(1)} MHz); aim >= 1x: ${verdict(rawSpeed >= 1)}`,
    m
      ? `emulator speed while serving the PINGs: ${m[1]}x (${m[2]} MHz while running, ${m[3]}x over wall-clock time); aim >= 1x: ${verdict(served >= 1)}`
      : `emulator speed while serving: not reported by infusim emulate (${uno.stderrText().trim().split('\n').pop() ?? ''})`,
  );
} else {
  notes.push('emulated Uno: not measured (run `npm run build` and `make -C hardware/firmware test-image` first)');
}

for (const [name, r, extra] of rows) console.log(`${name.padEnd(40)} ${fmt(r)}${extra ? `  ${extra}` : ''}`);
for (const n of notes) console.log(n);
