// Benchmark (issue: pumps on a real MQTT broker): the gateway-outage scenario (40 pumps, 6 h, the
// broker killed and restarted) and, with BENCH_MQTT_FLEET=1, the 200-pump hospital-day, over the
// embedded aedes broker with the quiescence barrier. Prints wall time, messages per second and
// peak memory. Measured on the 2-core dev machine: gateway-outage ~5 s, hospital-day ~70 s.
import { loadScenarioFile, runScenario } from '../dist/index.js';

const files = ['scenarios/gateway-outage.yaml', ...(process.env.BENCH_MQTT_FLEET ? ['scenarios/hospital-day.yaml'] : [])];
let failed = 0;
for (const file of files) {
  let peakRss = process.memoryUsage().rss;
  const t0 = process.hrtime.bigint();
  const run = await runScenario(loadScenarioFile(file), { transport: { kind: 'mqtt' }, onProgress: () => (peakRss = Math.max(peakRss, process.memoryUsage().rss)) });
  const wallS = Number(process.hrtime.bigint() - t0) / 1e9;
  const r = run.result;
  const m = run.mqtt?.stats;
  console.log(`${file}: ${r.pumps.length} pumps, ${r.scenario.durationMs / 3_600_000} h virtual in ${wallS.toFixed(1)} s wall`);
  console.log(`  messages published ${m?.published}, ${Math.round((m?.published ?? 0) / wallS)}/s; broker kills ${m?.brokerKills}, reconnects ${m?.reconnects}`);
  console.log(`  events sent ${r.network.eventsSent}, ingested ${r.network.eventsIngested}, missing ${r.network.eventsMissing}; exit ${r.exitCode}`);
  console.log(`  peak RSS ${(peakRss / 2 ** 20).toFixed(0)} MiB`);
  if (r.exitCode !== 0) failed++;
}
process.exit(failed ? 1 : 0);
