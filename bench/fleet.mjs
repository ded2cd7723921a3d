// Benchmark (issue: scenario runner): a 1,000-pump, 24-hour hospital day with the default fault
// mix in the in-process world (bench/hospitalDay.mjs): generated activity, the network, the
// gateway and every safety check. Prints wall time, events per second and peak memory.
// Aim (issue 20): the 1,000-pump day under 10 s on 2 cores. Nothing asserts on wall time.
// Then the same day with the passive traffic monitor (a 1 h baseline) and what it adds in wall
// and CPU time (issue 17, Speed: at most 20 %; docs/monitoring.md). Each day runs in a process of
// its own (this file again, BENCH_FLEET_DAY=plain|monitor), so that neither inherits the other's
// warmed-up code or memory high-water mark. BENCH_FLEET_MONITOR=0 runs the day without it only.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { KEEP_TRACE, runHospitalDay } from './hospitalDay.mjs';

const PUMPS = Number(process.env.BENCH_FLEET_PUMPS ?? 1000);
const HOURS = Number(process.env.BENCH_FLEET_HOURS ?? 24);
const WITH_MONITOR = process.env.BENCH_FLEET_MONITOR !== '0';
const DAY = process.env.BENCH_FLEET_DAY;

if (DAY !== undefined) {
  // One day in this process: its figures as one JSON line for the parent.
  const { run, wallS, cpuS, peakRssBytes } = await runHospitalDay(PUMPS, HOURS, {}, { monitor: DAY === 'monitor' });
  const r = run.result;
  const m = r.monitor;
  const { wakes, actions, commands, pumpEvents } = run.world.stats;
  console.log(JSON.stringify({ pumps: r.pumps.length, wallS, cpuS, peakRssBytes, wakes, actions, commands, pumpEvents, sent: r.network.messagesSent, lost: r.network.messagesLost, traceRecords: r.traceRecords, traceHash: r.traceHash, outcome: r.outcome, violations: r.violations.length, alerts: m?.alerts.length, falsePer1000: m?.falseAlertsPer1000PumpHours, pumpHours: m?.monitoredPumpHours }));
} else {
  const day = (which) => JSON.parse(execFileSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url)], { env: { ...process.env, BENCH_FLEET_DAY: which }, encoding: 'utf8', maxBuffer: 1 << 20 }).trim().split('\n').pop());
  const d = day('plain');
  const events = d.wakes + d.actions + d.commands + d.pumpEvents;
  const aim = PUMPS === 1000 && HOURS === 24 ? `   (aim: < 10 s${d.wallS < 10 ? ', met' : ', NOT met'})` : '';
  console.log(`hospital day: ${d.pumps} pumps x ${HOURS} virtual h, in-process world, default fault mix, every safety check on, trace ${KEEP_TRACE ? 'kept in memory' : 'not kept (as infusim run)'}`);
  console.log(`  wall time            ${d.wallS.toFixed(2)} s${aim}`);
  console.log(`  CPU time             ${d.cpuS.toFixed(2)} s (user + system)`);
  console.log(`  world events         ${events} (pump wakes ${d.wakes}, scheduled actions and messages ${d.actions}, commands ${d.commands}, pump events ${d.pumpEvents})`);
  console.log(`  events per second    ${(events / d.wallS).toFixed(0)}`);
  console.log(`  network messages     ${d.sent} sent, ${d.lost} lost`);
  console.log(`  trace records        ${d.traceRecords}, hash ${d.traceHash.slice(0, 16)}`);
  console.log(`  outcome              ${d.outcome} (${d.violations} violations)`);
  console.log(`  peak RSS             ${(d.peakRssBytes / 1048576).toFixed(0)} MB`);
  if (WITH_MONITOR) {
    const m = day('monitor');
    const pct = (x, base) => ((x - base) / base) * 100;
    const signed = (p) => `${p >= 0 ? '+' : ''}${p.toFixed(1)} %`;
    const wallPct = pct(m.wallS, d.wallS);
    console.log(`the same day with the traffic monitor (1 h baseline), in a process of its own:`);
    console.log(`  wall time            ${m.wallS.toFixed(2)} s (${signed(wallPct)}; aim: at most +20 %${wallPct <= 20 ? ', met' : ', NOT met'})`);
    console.log(`  CPU time             ${m.cpuS.toFixed(2)} s (${signed(pct(m.cpuS, d.cpuS))})`);
    console.log(`  alerts               ${m.alerts} (${m.falsePer1000} false per 1000 pump-hours over ${m.pumpHours} monitored pump-hours)`);
    console.log(`  trace hash           ${m.traceHash.slice(0, 16)} (${m.traceHash === d.traceHash ? 'the same: the monitor is passive' : 'DIFFERS from the day without it'})`);
    console.log(`  peak RSS             ${(m.peakRssBytes / 1048576).toFixed(0)} MB`);
  }
}
