// Benchmark (issue: pump firmware model): 1,000 pumps for 24 virtual hours with a ward's mix of
// programs, titrations, PCA demands and alarms, each pump's status sampled every 10 s.
// Prints wall time, simulated events per second and peak memory; and memory per idle pump.
// Plain Node on the built package (npm run bench builds first). Not a test: nothing asserts.
import { Pump, LARGE_VOLUME_PUMP, SYRINGE_PUMP, loadLibraryFile } from '../dist/index.js';
import { World } from '../dist/harness/world/world.js';
import { WardActivity } from '../dist/harness/world/wardActivity.js';
import { cpus, loadavg } from 'node:os';

const PUMPS = Number(process.env.BENCH_PUMPS ?? 1000);
const HOURS = Number(process.env.BENCH_HOURS ?? 24);
const SAMPLE_MS = 10_000;

function mb(bytes) {
  return (bytes / 1048576).toFixed(1);
}

export function benchFleetDay() {
  const library = loadLibraryFile();
  const areas = [library.careAreas[0], library.careAreas[1]];
  const world = new World();
  const activities = new Map();
  world.onEvent((id, e) => activities.get(id)?.onEvent(e));
  for (let i = 0; i < PUMPS; i++) {
    const id = `p${i}`;
    const type = i % 5 === 4 ? SYRINGE_PUMP : LARGE_VOLUME_PUMP;
    const area = areas[i % areas.length];
    const pump = new Pump({ type, seed: 1000 + i, library, areaId: area.id, maxLogEntries: 2000 });
    world.addPump(id, pump);
    const a = new WardActivity(world, id, 5000 + i, { area });
    activities.set(id, a);
    a.start(HOURS * 3_600_000);
  }
  const slots = [...world.pumps()];
  let samples = 0;
  let peakRss = process.memoryUsage().rss;
  let checksum = 0;
  const t0 = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  for (let t = SAMPLE_MS; t <= HOURS * 3_600_000; t += SAMPLE_MS) {
    world.runUntil(t);
    for (const s of slots) {
      world.touch(s);
      checksum += s.pump.status().viMl;
      samples++;
    }
    if (t % 3_600_000 === 0) peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }
  const wallS = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  const cpuS = (cpu.user + cpu.system) / 1e6;
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
  const st = world.stats;
  const events = st.wakes + st.actions + st.commands + st.pumpEvents + samples;
  console.log(`fleet day: ${PUMPS} pumps x ${HOURS} virtual h, status sampled every ${SAMPLE_MS / 1000} s`);
  console.log(`  wall time              ${wallS.toFixed(2)} s (${((HOURS * 3600) / wallS).toFixed(0)}x real time)`);
  console.log(`  pump wakes             ${st.wakes}`);
  console.log(`  commands (nurse/fault) ${st.commands}`);
  console.log(`  pump events emitted    ${st.pumpEvents}`);
  console.log(`  status samples         ${samples}`);
  console.log(`  simulated events       ${events} (all of the above and scheduled actions)`);
  console.log(`  CPU time               ${cpuS.toFixed(2)} s (user + system; load ${loadavg()[0].toFixed(2)} on ${cpus().length} CPUs)`);
  console.log(`  events per second      ${(events / wallS).toFixed(0)}  (aim: >= 1,500,000 on a quiet machine)`);
  console.log(`  events per CPU second  ${(events / cpuS).toFixed(0)}  (steadier than wall time on a shared machine)`);
  console.log(`  peak RSS               ${mb(peakRss)} MB`);
  console.log(`  checksum               ${checksum.toFixed(3)}`);
  return { wallS, cpuS, events, eventsPerS: events / wallS, eventsPerCpuS: events / cpuS, peakRss };
}

export function benchIdleMemory(n = 10_000) {
  const library = loadLibraryFile();
  if (!globalThis.gc) {
    console.log('idle memory: run node with --expose-gc to measure');
    return undefined;
  }
  globalThis.gc();
  const before = process.memoryUsage().heapUsed;
  const pumps = [];
  for (let i = 0; i < n; i++) pumps.push(new Pump({ type: LARGE_VOLUME_PUMP, seed: i, library, areaId: 'icu' }));
  globalThis.gc();
  const after = process.memoryUsage().heapUsed;
  const perPump = (after - before) / n;
  console.log(`idle pumps: ${n} created, ${perPump.toFixed(0)} bytes of heap per idle pump (aim: < 2048)`);
  if (pumps.length !== n) throw new Error('unreachable');
  return perPump;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  benchIdleMemory();
  benchFleetDay();
}
