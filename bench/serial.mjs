// Serial round trip: `infusim device` over a socat pseudo-terminal pair (p50, p99 over N PINGs),
// against a bare echo over the same kind of pty pair in the same run (the baseline), and, when
// built, the emulated Uno (dist/harness/avr/). Run after `npm run build`. Needs socat.
/* global URL, setTimeout, clearTimeout */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
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

/** Spawn a node child and wait for `marker` on its stderr. */
function startChild(args, marker) {
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`child did not start: ${err}`)), 20_000);
    child.stderr.on('data', (d) => {
      err += d;
      if (err.includes(marker)) {
        clearTimeout(timer);
        resolve(child);
      }
    });
    child.once('exit', (c) => reject(new Error(`child exited ${c}: ${err}`)));
  });
}

async function stop(child) {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await Promise.race([exited, new Promise((r) => setTimeout(r, 2000))]);
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
const fmt = (r) => `p50 ${r.p50.toFixed(3)} ms  p99 ${r.p99.toFixed(3)} ms  (${r.n} PINGs)`;

const pair1 = await startSocatPair();
const echo = await startChild(['--input-type=module', '-e', ECHO, pair1.a], 'echo ready');
const base = await measure(pair1.b, N);
await stop(echo);
await pair1.close();
rows.push(['bare echo over a pty pair (baseline)', base]);

const pair2 = await startSocatPair();
const dev = await startChild([dist('harness/cli/main.js'), 'device', '--port', pair2.a], 'ready on');
const sim = await measure(pair2.b, N);
await stop(dev);
await pair2.close();
rows.push(['infusim device over a pty pair', sim]);

const hex = `${ROOT}hardware/firmware/build/infusim_uno_testclock.hex`;
let unoNote;
if (existsSync(dist('harness/avr/run-uno.js')) && existsSync(hex)) {
  const pair3dir = (await import('node:fs')).mkdtempSync('/tmp/infusim-uno-');
  const link = `${pair3dir}/uno`;
  const RUN = `
const { runUnoOnPty } = await import(${JSON.stringify(dist('harness/avr/run-uno.js'))});
const r = await runUnoOnPty({ hexPath: ${JSON.stringify(hex)}, ptyLink: ${JSON.stringify(link)} });
process.stderr.write('uno ready\\n');
process.on('SIGTERM', () => r.close().then(() => process.exit(0)));
`;
  const uno = await startChild(['--input-type=module', '-e', RUN], 'uno ready');
  try {
    rows.push(['emulated Uno (avr8js) over a pty pair', await measure(link, Math.min(N, 500))]);
  } finally {
    await stop(uno);
  }
} else {
  unoNote = 'emulated Uno: not built (dist/harness/avr/run-uno.js or the test-clock .hex is missing)';
}

for (const [name, r] of rows) console.log(`${name.padEnd(40)} ${fmt(r)}`);
if (unoNote) console.log(unoNote);
console.log(`ratio infusim device / bare echo: p50 x${(sim.p50 / base.p50).toFixed(2)}, p99 x${(sim.p99 / base.p99).toFixed(2)}`);
