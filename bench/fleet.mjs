// Benchmark (issue: scenario runner): a 1,000-pump, 24-hour hospital day with the default fault
// mix in the in-process world: generated activity, the network, the gateway and every safety
// check. Prints wall time, events per second and peak memory. Aim: under 30 s on 2 cores.
import { defineScenario, runScenario } from '../dist/index.js';

const PUMPS = Number(process.env.BENCH_FLEET_PUMPS ?? 1000);
const HOURS = Number(process.env.BENCH_FLEET_HOURS ?? 24);
// BENCH_FLEET_MONITOR=1: the same day with the passive traffic monitor (docs/monitoring.md, Speed).
const MONITOR = process.env.BENCH_FLEET_MONITOR === '1';

const units = [
  { id: 'icu', careArea: 'icu', segment: 'seg-icu', share: 0.25, pumps: (n) => [{ type: 'lvp', count: Math.round(n * 0.6) }, { type: 'syringe', count: n - Math.round(n * 0.6) }] },
  { id: 'ward-a', careArea: 'medsurg', segment: 'seg-wards', share: 0.3, pumps: (n) => [{ type: 'lvp', count: n }] },
  { id: 'ward-b', careArea: 'medsurg', segment: 'seg-wards', share: 0.3, pumps: (n) => [{ type: 'lvp', count: n }] },
  { id: 'nicu', careArea: 'neonatal', segment: 'seg-nicu', share: 0.15, pumps: (n) => [{ type: 'syringe', count: n }] },
];

const scenario = defineScenario({
  name: 'bench-hospital-day',
  seed: 424242,
  duration: `${HOURS}h`,
  site: {
    segments: [{ id: 'seg-icu' }, { id: 'seg-wards' }, { id: 'seg-nicu' }],
    units: units.map((u) => ({ id: u.id, careArea: u.careArea, segment: u.segment, pumps: u.pumps(Math.round(PUMPS * u.share)), patients: {} })),
  },
  link: { latency: '15ms', jitter: '10ms', loss: 0.001 },
  timeline: [
    { at: '2h', fault: 'partition', target: 'unit:ward-a', fraction: 0.1, end: '2h20m' },
    { at: '14h', fault: 'gateway-outage', target: 'gateway', end: '14h02m' },
    { at: '16h', fault: 'loss', target: 'segment:seg-wards', args: { rate: 0.2, burst: true }, end: '17h' },
    { at: '20h', fault: 'mains-loss', target: 'unit:nicu', fraction: 0.5, end: '20h40m' },
  ].filter((e) => Number.parseInt(e.at, 10) < HOURS),
  expect: [{ check: 'no-infusion-interrupted' }, { check: 'events-exactly-once' }],
  ...(MONITOR ? { monitor: { baseline: '1h' } } : {}),
});

let peakRss = process.memoryUsage().rss;
const t0 = process.hrtime.bigint();
const cpu0 = process.cpuUsage();
const run = await runScenario(scenario, { onProgress: () => (peakRss = Math.max(peakRss, process.memoryUsage().rss)) });
const wallS = Number(process.hrtime.bigint() - t0) / 1e9;
const cpu = process.cpuUsage(cpu0);
const cpuS = (cpu.user + cpu.system) / 1e6;
peakRss = Math.max(peakRss, process.memoryUsage().rss);
const r = run.result;
const st = run.world.stats;
const events = st.wakes + st.actions + st.commands + st.pumpEvents;
console.log(`hospital day: ${r.pumps.length} pumps x ${HOURS} virtual h, in-process world, default fault mix, every safety check on`);
console.log(`  wall time            ${wallS.toFixed(2)} s   (aim: < 30 s)`);
console.log(`  CPU time             ${cpuS.toFixed(2)} s (user + system)`);
console.log(`  traffic monitor      ${MONITOR ? `on: ${r.monitor?.alerts.length ?? 0} alerts, ${r.monitor?.falseAlertsPer1000PumpHours ?? 0} false per 1000 pump-hours` : 'off (BENCH_FLEET_MONITOR=1 turns it on; it may add at most 20 %)'}`);
console.log(`  world events         ${events} (pump wakes ${st.wakes}, scheduled actions and messages ${st.actions}, commands ${st.commands}, pump events ${st.pumpEvents})`);
console.log(`  events per second    ${(events / wallS).toFixed(0)}`);
console.log(`  network messages     ${r.network.messagesSent} sent, ${r.network.messagesLost} lost`);
console.log(`  trace records        ${r.traceRecords}, hash ${r.traceHash.slice(0, 16)}`);
console.log(`  outcome              ${r.outcome} (${r.violations.length} violations)`);
console.log(`  peak RSS             ${(peakRss / 1048576).toFixed(0)} MB`);
