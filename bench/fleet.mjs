// Benchmark (issue: scenario runner): a 1,000-pump, 24-hour hospital day with the default fault
// mix in the in-process world (bench/hospitalDay.mjs): generated activity, the network, the
// gateway and every safety check. Prints wall time, events per second and peak memory.
// Aim (issue 20): the 1,000-pump day under 10 s on 2 cores. Nothing asserts on wall time.
import { KEEP_TRACE, runHospitalDay } from './hospitalDay.mjs';

const PUMPS = Number(process.env.BENCH_FLEET_PUMPS ?? 1000);
const HOURS = Number(process.env.BENCH_FLEET_HOURS ?? 24);
// BENCH_FLEET_MONITOR=1: the same day with the passive traffic monitor (docs/monitoring.md, Speed).
const MONITOR = process.env.BENCH_FLEET_MONITOR === '1';

const { run, wallS, cpuS, peakRssBytes } = await runHospitalDay(PUMPS, HOURS, {}, { monitor: MONITOR });
const r = run.result;
const st = run.world.stats;
const events = st.wakes + st.actions + st.commands + st.pumpEvents;
const aim = PUMPS === 1000 && HOURS === 24 ? `   (aim: < 10 s${wallS < 10 ? ', met' : ', NOT met'})` : '';
console.log(`hospital day: ${r.pumps.length} pumps x ${HOURS} virtual h, in-process world, default fault mix, every safety check on, trace ${KEEP_TRACE ? 'kept in memory' : 'not kept (as infusim run)'}`);
console.log(`  wall time            ${wallS.toFixed(2)} s${aim}`);
console.log(`  CPU time             ${cpuS.toFixed(2)} s (user + system)`);
console.log(`  traffic monitor      ${MONITOR ? `on: ${r.monitor?.alerts.length ?? 0} alerts, ${r.monitor?.falseAlertsPer1000PumpHours ?? 0} false per 1000 pump-hours` : 'off (BENCH_FLEET_MONITOR=1 turns it on; it may add at most 20 %)'}`);
console.log(`  world events         ${events} (pump wakes ${st.wakes}, scheduled actions and messages ${st.actions}, commands ${st.commands}, pump events ${st.pumpEvents})`);
console.log(`  events per second    ${(events / wallS).toFixed(0)}`);
console.log(`  network messages     ${r.network.messagesSent} sent, ${r.network.messagesLost} lost`);
console.log(`  trace records        ${r.traceRecords}, hash ${r.traceHash.slice(0, 16)}`);
console.log(`  outcome              ${r.outcome} (${r.violations.length} violations)`);
console.log(`  peak RSS             ${(peakRssBytes / 1048576).toFixed(0)} MB`);
