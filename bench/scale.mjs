// Benchmark (issue 20): how the in-process runner's cost grows with the fleet. The same hospital
// day (bench/hospitalDay.mjs) at 250, 1,000, 4,000 and 10,000 pumps, each size in its own child
// process so that its peak RSS is its own; prints wall time and peak RSS per pump for each size and
// the ratio of the largest to the smallest cost per pump. Figures only: nothing asserts on them.
// BENCH_SCALE_SIZES (e.g. "250,1000") and BENCH_SCALE_HOURS (default 24) change the runs. Each row
// says the 1-minute load average during its run: on a shared machine wall time counts other
// processes' turns, CPU time (user + system) much less so (docs/bench.md, Fleet benchmarks).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { cpus, loadavg } from 'node:os';
import { KEEP_TRACE } from './hospitalDay.mjs';

const HOURS = Number(process.env.BENCH_SCALE_HOURS ?? 24);
const SIZES = (process.env.BENCH_SCALE_SIZES ?? '250,1000,4000,10000').split(',').map(Number);

if (process.argv[2] === '--child') {
  const { runHospitalDay } = await import('./hospitalDay.mjs');
  const load0 = loadavg()[0];
  const cpu0 = process.cpuUsage();
  const { run, wallS, peakRssBytes } = await runHospitalDay(Number(process.argv[3]), HOURS);
  const cpu = process.cpuUsage(cpu0);
  const r = run.result;
  console.log(JSON.stringify({ pumps: r.pumps.length, wallS, cpuS: (cpu.user + cpu.system) / 1e6, peakRssBytes, records: r.traceRecords, hash: r.traceHash.slice(0, 16), outcome: r.outcome, load: (load0 + loadavg()[0]) / 2 }));
  process.exit(0);
}

const fmt = (n, d = 2) => n.toFixed(d);
const mb = (b) => b / 1048576;
const rows = [];
console.log(`fleet scaling: the hospital day, ${HOURS} virtual h, trace ${KEEP_TRACE ? 'kept in memory' : 'hashed as it goes, not kept (as infusim run)'}, one child process per size (load ${loadavg().map((x) => x.toFixed(2)).join(' ')}, ${cpus().length} CPUs)`);
console.log('  pumps     wall s   ms/pump   CPU s   CPU ms/pump   peak RSS MB   KB/pump   trace records   hash               load');
for (const n of SIZES) {
  const c = spawnSync(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), '--child', String(n)], { encoding: 'utf8', env: { ...process.env, BENCH_SCALE_HOURS: String(HOURS) }, maxBuffer: 1 << 20 });
  const line = c.stdout.trim().split('\n').pop() ?? '';
  if (c.status !== 0 || !line.startsWith('{')) {
    console.log(`  ${String(n).padStart(6)}   failed (exit ${c.status ?? c.signal}): ${(c.stderr || line).trim().split('\n').slice(-3).join(' | ')}`);
    continue;
  }
  const r = JSON.parse(line);
  r.msPerPump = (1000 * r.wallS) / r.pumps;
  r.kbPerPump = r.peakRssBytes / 1024 / r.pumps;
  r.cpuMsPerPump = (1000 * r.cpuS) / r.pumps;
  rows.push(r);
  console.log(`  ${String(r.pumps).padStart(6)} ${fmt(r.wallS).padStart(9)} ${fmt(r.msPerPump).padStart(9)} ${fmt(r.cpuS, 1).padStart(7)} ${fmt(r.cpuMsPerPump).padStart(13)} ${fmt(mb(r.peakRssBytes), 0).padStart(13)} ${fmt(r.kbPerPump, 0).padStart(9)} ${String(r.records).padStart(15)}   ${r.hash}   ${fmt(r.load, 1)}`);
}
if (rows.length >= 2) {
  const first = rows[0];
  const last = rows[rows.length - 1];
  const ms = rows.map((r) => r.msPerPump);
  const ratio = last.msPerPump / first.msPerPump;
  console.log(`  cost per pump, ${last.pumps} against ${first.pumps} pumps: ${fmt(ratio)}x (largest/smallest of all sizes ${fmt(Math.max(...ms) / Math.min(...ms))}x; aim: within 1.3x, ${ratio <= 1.3 ? 'met' : 'NOT met'})`);
  const cpuRatio = last.cpuMsPerPump / first.cpuMsPerPump;
  console.log(`  CPU per pump (user + system, steadier than wall time on a shared machine), ${last.pumps} against ${first.pumps} pumps: ${fmt(cpuRatio)}x (aim: within 1.3x, ${cpuRatio <= 1.3 ? 'met' : 'NOT met'})`);
  console.log(`  peak RSS per pump, ${last.pumps} against ${first.pumps} pumps: ${fmt(last.kbPerPump / first.kbPerPump)}x`);
}
const big = rows.find((r) => r.pumps >= 10_000);
// Each time aim judged on wall time and on CPU time (user + system): on a shared machine wall time
// counts other processes' turns, so the CPU verdict is the one to read there (docs/bench.md).
const verdict = (x, aim) => (x < aim ? 'met' : 'NOT met');
if (big && HOURS === 24) {
  const memOk = big.peakRssBytes < 2.5 * 1024 ** 3;
  console.log(`  10,000 pumps x 24 h: ${fmt(big.wallS, 1)} s wall, ${fmt(big.cpuS, 1)} s CPU (${fmt(big.cpuS / 120)}x the aim), ${fmt(mb(big.peakRssBytes), 0)} MB (aim: under 120 s and 2.5 GB: memory ${memOk ? 'met' : 'NOT met'}, time by wall ${verdict(big.wallS, 120)}, by CPU ${verdict(big.cpuS, 120)}; load ${fmt(big.load, 1)})`);
}
const k = rows.find((r) => r.pumps >= 990 && r.pumps <= 1010);
if (k && HOURS === 24) console.log(`  1,000-pump day: ${fmt(k.wallS)} s wall, ${fmt(k.cpuS)} s CPU (${fmt(k.cpuS / 10)}x the aim; aim: under 10 s: by wall ${verdict(k.wallS, 10)}, by CPU ${verdict(k.cpuS, 10)}; load ${fmt(k.load, 1)})`);
