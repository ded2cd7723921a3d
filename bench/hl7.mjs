// Benchmark (issue 18): 1,000 pumps each sending one PCD-01 every 10 s through the gateway's HL7
// queue and MLLP to infusim's listener (real TCP on loopback, one process), paced at wall time:
// 100 messages/s offered. Prints messages per second delivered (AA), the p99 acknowledgement delay
// (ms from the write of a frame to its AA), the deepest the queue got, and whether it kept up.
import { performance } from 'node:perf_hooks';
import { setTimeout } from 'node:timers';
import { Hl7Listener } from '../dist/harness/hl7/listener.js';
import { Hl7Outbound } from '../dist/harness/hl7/outbound.js';
import { buildPcd01 } from '../dist/harness/hl7/pcd01.js';

const PUMPS = Number(process.env.BENCH_HL7_PUMPS ?? 1000);
const EVERY_S = Number(process.env.BENCH_HL7_EVERY_S ?? 10);
const SECONDS = Number(process.env.BENCH_HL7_SECONDS ?? 30);

const listener = new Hl7Listener();
const port = await listener.listen();
const out = new Hl7Outbound({ host: '127.0.0.1', port, ackTimeoutMs: 5000, retryMinMs: 20, retryMaxMs: 1000 });
const heparin = { name: 'Heparin', concentration: { amount: 25000, unit: 'units', volumeMl: 500 }, doseUnit: 'units/h' };

const total = Math.round((PUMPS * SECONDS) / EVERY_S);
const intervalMs = (EVERY_S * 1000) / PUMPS;
let sent = 0;
let maxDepth = 0;
const t0 = performance.now();
await new Promise((resolve) => {
  const tick = () => {
    // Send what is due by now (a late timer catches up), never more than the total.
    const due = Math.min(total, Math.floor((performance.now() - t0) / intervalMs) + 1);
    while (sent < due) {
      const i = sent++;
      const pump = i % PUMPS;
      const id = `B${i.toString(36).toUpperCase().padStart(10, '0')}`;
      out.enqueue(id, buildPcd01({ tMs: i * intervalMs, pumpId: `pump-${pump}`, unit: 'ward', bed: String(pump + 1), patientId: `P-ward-${pump + 1}`, state: 'RUNNING', mode: 'drug', rateMlPerH: 5 + (pump % 20), vtbiMl: 500, viMl: (i % 400) * 0.5, drug: heparin }, id));
    }
    maxDepth = Math.max(maxDepth, out.depth);
    if (sent < total) setTimeout(tick, Math.max(1, intervalMs / 2));
    else resolve();
  };
  tick();
});
const offeredS = (performance.now() - t0) / 1000;
const drained = await out.drained(120_000);
const wallS = (performance.now() - t0) / 1000;
const delays = [...out.stats.ackDelaysMs].sort((a, b) => a - b);
const p = (q) => (delays.length ? delays[Math.min(delays.length - 1, Math.ceil(delays.length * q) - 1)] : NaN);
out.close();
await listener.close();

console.log(`hl7 bench: ${PUMPS} pumps, one PCD-01 each every ${EVERY_S} s, ${total} messages over ${offeredS.toFixed(1)} s`);
console.log(`  offered     ${(total / offeredS).toFixed(1)} msg/s`);
console.log(`  delivered   ${(out.stats.acked / wallS).toFixed(1)} msg/s (AA), ${out.stats.acked}/${total}, engine took ${listener.stats.accepted}`);
console.log(`  ack delay   p50 ${p(0.5).toFixed(2)} ms, p99 ${p(0.99).toFixed(2)} ms, max ${delays.at(-1)?.toFixed(2)} ms`);
console.log(`  queue       deepest ${maxDepth}, ${drained ? 'drained' : 'NOT drained'} ${(wallS - offeredS).toFixed(1)} s after the last message`);
console.log(`  kept up     ${drained && wallS - offeredS < EVERY_S ? 'yes' : 'no'} (the queue drained within one reporting period of the last message)`);
process.exit(drained ? 0 : 1);
