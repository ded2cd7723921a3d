// The hospital day of the fleet benchmarks (bench/fleet.mjs, bench/scale.mjs): four units (ICU,
// two medical-surgical wards, NICU) sharing the fleet 25/30/30/15 %, generated activity, the
// default fault mix (a ward partition, a gateway outage, bursty loss on the wards' segment, mains
// loss in the NICU) and every safety check. One seed, so a size gives one trace hash.
import { defineScenario, runScenario } from '../dist/index.js';

export const HOSPITAL_DAY_SEED = 424242;
export const KEEP_TRACE = process.env.BENCH_KEEP_TRACE === '1';

const units = [
  { id: 'icu', careArea: 'icu', segment: 'seg-icu', share: 0.25, pumps: (n) => [{ type: 'lvp', count: Math.round(n * 0.6) }, { type: 'syringe', count: n - Math.round(n * 0.6) }] },
  { id: 'ward-a', careArea: 'medsurg', segment: 'seg-wards', share: 0.3, pumps: (n) => [{ type: 'lvp', count: n }] },
  { id: 'ward-b', careArea: 'medsurg', segment: 'seg-wards', share: 0.3, pumps: (n) => [{ type: 'lvp', count: n }] },
  { id: 'nicu', careArea: 'neonatal', segment: 'seg-nicu', share: 0.15, pumps: (n) => [{ type: 'syringe', count: n }] },
];

/** `monitor`: with the passive traffic monitor, a 1 h baseline (docs/monitoring.md, Speed). */
export function hospitalDay(pumps, hours, { monitor = false } = {}) {
  return defineScenario({
    name: 'bench-hospital-day',
    seed: HOSPITAL_DAY_SEED,
    duration: `${hours}h`,
    site: {
      segments: [{ id: 'seg-icu' }, { id: 'seg-wards' }, { id: 'seg-nicu' }],
      units: units.map((u) => ({ id: u.id, careArea: u.careArea, segment: u.segment, pumps: u.pumps(Math.round(pumps * u.share)), patients: {} })),
    },
    link: { latency: '15ms', jitter: '10ms', loss: 0.001 },
    timeline: [
      { at: '2h', fault: 'partition', target: 'unit:ward-a', fraction: 0.1, end: '2h20m' },
      { at: '14h', fault: 'gateway-outage', target: 'gateway', end: '14h02m' },
      { at: '16h', fault: 'loss', target: 'segment:seg-wards', args: { rate: 0.2, burst: true }, end: '17h' },
      { at: '20h', fault: 'mains-loss', target: 'unit:nicu', fraction: 0.5, end: '20h40m' },
    ].filter((e) => Number.parseInt(e.at, 10) < hours),
    expect: [{ check: 'no-infusion-interrupted' }, { check: 'events-exactly-once' }],
    ...(monitor ? { monitor: { baseline: '1h' } } : {}),
  });
}

/**
 * Run the day as `infusim run` does: the trace hashed, counted and checked as it is written, not
 * kept in memory (BENCH_KEEP_TRACE=1 keeps it, as a test run does). Peak RSS is the operating system's high-water mark of this process
 * (process.resourceUsage().maxRSS), so run one size per process to read it per size.
 */
export async function runHospitalDay(pumps, hours, options = {}, { monitor = false } = {}) {
  const t0 = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  const run = await runScenario(hospitalDay(pumps, hours, { monitor }), { keepTrace: KEEP_TRACE, ...options });
  const wallS = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  const cpuS = (cpu.user + cpu.system) / 1e6;
  const peakRssBytes = process.resourceUsage().maxRSS * 1024;
  return { run, wallS, cpuS, peakRssBytes };
}
