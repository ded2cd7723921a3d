// Benchmark (issue: pumps on a real MQTT broker), plain Node after `npm run build`, loopback only:
//  (a) baseline: bare mqtt.js publishers and one subscriber at QoS 1 through the embedded aedes broker;
//  (b) infusim's fleet telemetry (MqttNetwork: the pumps' and the gateway's real code, real payloads,
//      zod validation, the quiescence barrier) through the same kind of broker; also infusim's
//      events at QoS 1, so that one comparison has the same QoS on both sides;
//  (c) connections held: BENCH_MQTT_PUMPS pumps (default 10,000), each with its own credentials,
//      spread over worker processes (at most BENCH_MQTT_PER_WORKER each, default 10,000: one
//      process fewer is ~7 KB less per pump; a worker needs ~1 open file per pump, raised soft to hard), the broker in
//      a child process (automatic placement above 4,000 pumps); memory per connected pump;
//  (d) command round trip gateway → pump → cmd-ack at about 1,000 commands/s with that fleet connected;
//  (e) the gateway-outage scenario (40 pumps, broker killed) through the whole runner.
// Prints the aims next to the figures. Stops by itself (watchdog at 170 s).
/* global Buffer, setImmediate, setTimeout, clearTimeout, setInterval, clearInterval */
import { performance } from 'node:perf_hooks';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { eventMsg, telemetryMsg } from './upMessages.mjs';
// Imports are per role: a worker loads only what holds its pumps (no broker, no aedes), which is
// part of its fixed RSS.
const LINK = { latencyMs: 0, jitterMs: 0, lossRate: 0, burstLoss: false, duplicateRate: 0, reorderRate: 0 };
const SITE = 'bench';
const KB = 1024;
// The workers only hold idle connections: a 1 MB young generation and V8's memory-over-speed
// heuristics (measured: the command round trip (d) stays at a few ms p99).
const WORKER_FLAGS = ['--expose-gc', '--max-semi-space-size=1', '--optimize-for-size'];

if (process.argv[2] === '--worker') await worker();
else await main();

// ---------------------------------------------------------------- worker: holds a share of the fleet
async function worker() {
  const { credentialsFromJson } = await import('../dist/harness/broker/credentials.js');
  const { MqttNetwork } = await import('../dist/harness/mqttlink/mqttNetwork.js');
  const { World } = await import('../dist/harness/world/world.js');
  const { url, credsFile, pumpIds } = await new Promise((resolve) => process.once('message', resolve));
  const creds = credentialsFromJson(readFileSync(credsFile, 'utf8'));
  globalThis.gc?.();
  const rssBefore = process.memoryUsage().rss;
  const world = new World();
  let flushing = false;
  // Deliveries are scheduled on the virtual clock: run it whenever something arrived.
  const onWire = () => {
    if (flushing) return;
    flushing = true;
    setImmediate(() => {
      flushing = false;
      world.runUntil(world.nowMs);
    });
  };
  const net = new MqttNetwork(world, 1, LINK, { url, credentials: creds, externalGateway: true, onWire, reconnectPeriodMs: 1000 });
  for (const id of pumpIds) {
    net.attachPump(id, 'bench', (m) => {
      if (m.kind === 'command') net.sendUp({ kind: 'command-ack', pumpId: id, counter: m.envelope.counter, reply: { ok: true, fields: {} } });
    });
  }
  await net.ready();
  globalThis.gc?.();
  const notConnected = net.log.filter((l) => l.includes('not connected')).length;
  process.send({ type: 'ready', rssBefore, rss: process.memoryUsage().rss, notConnected });
  process.on('message', async (m) => {
    if (m.type === 'rss') {
      globalThis.gc?.();
      process.send({ type: 'rss', rss: process.memoryUsage().rss });
    }
    if (m.type === 'close') {
      await net.close();
      process.exit(0);
    }
  });
  process.on('disconnect', () => process.exit(0));
}

// ---------------------------------------------------------------- main
async function main() {
  const { default: mqtt } = await import('mqtt');
  const { ChildProcessBroker, forkRaisingFdLimit } = await import('../dist/harness/broker/childProcessBroker.js');
  const { credentialsToJson, generateCredentials } = await import('../dist/harness/broker/credentials.js');
  const { MqttNetwork } = await import('../dist/harness/mqttlink/mqttNetwork.js');
  const { gatewayFilters, pumpTopic } = await import('../dist/harness/contract/topics.js');
  const { chooseBrokerPlacement } = await import('../dist/harness/mqttlink/transport.js');
  const { decodeUp, encodeDown, encodeUp } = await import('../dist/harness/contract/wire.js');
  const { World } = await import('../dist/harness/world/world.js');
  const N = Number(process.env.BENCH_MQTT_PUMPS ?? 10_000);
  const R = Number(process.env.BENCH_MQTT_RATE_PUMPS ?? 1000);
  const PHASE_S = Number(process.env.BENCH_MQTT_SECONDS ?? 3);
  const RUNS = Number(process.env.BENCH_MQTT_RUNS ?? 3);
  const PER_WORKER = Number(process.env.BENCH_MQTT_PER_WORKER ?? 10_000);
  const workers = [];
  let broker;
  const dir = mkdtempSync(join(tmpdir(), 'infusim-bench-mqtt-'));
  const watchdog = setTimeout(() => {
    console.log('bench/mqtt: watchdog: still running after 170 s, stopping');
    for (const w of workers) w.kill('SIGKILL');
    void broker?.close();
    process.exit(1);
  }, 170_000);
  watchdog.unref();
  const verdicts = [];
  const aim = (ok, text) => {
    verdicts.push(`${ok ? 'MET    ' : 'NOT MET'} ${text}`);
    return ok ? 'aim met' : 'AIM NOT MET';
  };

  const pumps = Array.from({ length: Math.max(N, R) }, (_, i) => ({ pumpId: `p${String(i).padStart(5, '0')}`, unit: `u${i % 20}` }));
  const creds = generateCredentials(SITE, pumps);
  const credsFile = join(dir, 'credentials.json');
  writeFileSync(credsFile, credentialsToJson(creds), { mode: 0o600 });
  const sample = encodeUp(telemetryMsg('p00000', 60_000)).payload;
  for (const [leaf, m] of [['telemetry', telemetryMsg('p00000', 60_000)], ['events', eventMsg('p00000', 1, 60_000)]]) {
    const d = decodeUp(leaf, encodeUp(m).payload, 'p00000');
    if (!d.ok) throw new Error(`bench payload does not match the wire schema: ${d.error}`);
  }
  const placement = chooseBrokerPlacement(N);
  const fdLimit = (() => {
    try {
      return /Max open files\s+(\S+)\s+(\S+)/.exec(readFileSync('/proc/self/limits', 'utf8'))?.slice(1).join(' soft, ') + ' hard';
    } catch {
      return 'unknown';
    }
  })();
  console.log(`loopback 127.0.0.1; open files: ${fdLimit} (workers and the broker raise soft to hard); broker placement for ${N} pumps: ${placement} (automatic)`);
  broker = new ChildProcessBroker(creds);
  await broker.start();
  console.log(`broker: embedded aedes in a child process (pid ${broker.pid}) on ${broker.url}; telemetry payload ${Buffer.byteLength(sample)} bytes`);

  const ids = pumps.slice(0, R).map((p) => p.pumpId);
  const connectBare = (id) => mqtt.connectAsync(broker.url, { clientId: id.clientId, username: id.username, password: id.password, protocolVersion: 4, reconnectPeriod: 0, clean: true });

  if (N > 0) {
    // (c) connections held: N pumps over worker processes.
    const idle = await broker.info(true);
    const nWorkers = Math.ceil(N / PER_WORKER);
    const self = fileURLToPath(import.meta.url);
    const t0 = performance.now();
    const readies = [];
    for (let w = 0; w < nWorkers; w++) {
      const child = forkRaisingFdLimit(self, ['--worker'], WORKER_FLAGS);
      workers.push(child);
      readies.push(new Promise((resolve, reject) => {
        child.once('message', resolve);
        child.once('exit', (code) => reject(new Error(`worker ${w} exited (${code})`)));
      }));
      child.send({ url: broker.url, credsFile, pumpIds: pumps.slice(w * PER_WORKER, Math.min(N, (w + 1) * PER_WORKER)).map((p) => p.pumpId) });
    }
    const ready = await Promise.all(readies);
    const connectS = (performance.now() - t0) / 1000;
    await new Promise((r) => setTimeout(r, 1000));
    const held = await broker.info(true);
    for (const w of workers) w.send({ type: 'rss' });
    const rssNow = await Promise.all(workers.map((w) => new Promise((r) => w.once('message', (m) => r(m.rss)))));
    const clientRss = rssNow.reduce((a, r) => a + r, 0);
    const clientBase = ready.reduce((a, r) => a + r.rssBefore, 0);
    const connected = held.connections;
    const perPump = (held.rss + clientRss) / connected;
    const marginal = (held.rss - idle.rss + clientRss - clientBase) / connected;
    console.log(`\n(c) ${N} pumps, own credentials, over ${nWorkers} worker processes (≤ ${PER_WORKER} each): ${connected} connections held by the broker after ${connectS.toFixed(1)} s (${ready.reduce((a, r) => a + r.notConnected, 0)} not connected) (aim 10,000: ${aim(connected >= 10_000, `10,000 pumps connected at once (${connected})`)})`);
    console.log(`    broker RSS ${(held.rss / 2 ** 20).toFixed(0)} MiB (idle ${(idle.rss / 2 ** 20).toFixed(0)} MiB), clients RSS ${(clientRss / 2 ** 20).toFixed(0)} MiB (before connecting ${(clientBase / 2 ** 20).toFixed(0)} MiB)`);
    console.log(`    memory per connected pump, broker side included: ${(perPump / KB).toFixed(1)} KB all in (the broker's and the pump workers' whole RSS / ${connected}; the driver process, which plays the gateway, is not counted); ${(marginal / KB).toFixed(1)} KB added by each connection (aim < 48 KB all in: ${aim(perPump < 48 * KB, `< 48 KB per connected pump, broker included, whole RSS (${(perPump / KB).toFixed(1)} KB)`)})`);

    // (d) command round trip at ~1,000 commands/s, gateway → pump (in a worker) → cmd-ack → gateway.
    {
      const gw = await connectBare(creds.gateway);
      gw.stream.setNoDelay?.(true);
      await gw.subscribeAsync(gatewayFilters(SITE).filter((f) => f.endsWith('/cmd-ack')), { qos: 1 });
      const sentAt = new Map();
      const rtts = [];
      let bad = 0;
      gw.on('message', (topic, payload) => {
        const pumpId = topic.split('/')[4];
        const d = decodeUp('cmd-ack', payload, pumpId);
        if (!d.ok || d.value.kind !== 'command-ack') return void bad++;
        const t = sentAt.get(d.value.counter);
        if (t === undefined) return;
        sentAt.delete(d.value.counter);
        rtts.push(performance.now() - t);
      });
      const RATE = 1000;
      const D_S = 5;
      let counter = 0;
      const fleetIds = pumps.slice(0, N).map((p) => p.pumpId);
      const tStart = performance.now();
      await new Promise((resolve) => {
        const tick = setInterval(() => {
          const due = Math.min(RATE * D_S, Math.floor(((performance.now() - tStart) / 1000) * RATE));
          while (counter < due) {
            const pumpId = fleetIds[(counter * 7919) % fleetIds.length];
            const now = Date.now();
            const envelope = { pumpId, counter, issuedMs: now, expiresMs: now + 30_000, command: 'TITRATE dose=20', signature: 'A'.repeat(88) };
            const { payload } = encodeDown({ kind: 'command', pumpId, envelope, source: 'gateway' });
            sentAt.set(counter, performance.now());
            gw.publish(pumpTopic(creds.pumps.get(pumpId).pump, 'cmd'), payload, { qos: 1 });
            counter++;
          }
          if (counter >= RATE * D_S) {
            clearInterval(tick);
            resolve();
          }
        }, 5);
      });
      const sendS = (performance.now() - tStart) / 1000;
      const deadline = performance.now() + 3000;
      while (sentAt.size > 0 && performance.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      rtts.sort((a, b) => a - b);
      const q = (p) => rtts[Math.min(rtts.length - 1, Math.floor(p * rtts.length))] ?? NaN;
      const p99 = q(0.99);
      console.log(`\n(d) command round trip with ${connected} pumps connected: ${counter} commands at ${Math.round(counter / sendS)}/s to pumps across the workers; ${rtts.length} acks, ${sentAt.size} missing${bad ? `, ${bad} malformed` : ''}`);
      console.log(`    p50 ${q(0.5).toFixed(1)} ms, p99 ${p99.toFixed(1)} ms, max ${(rtts.at(-1) ?? NaN).toFixed(1)} ms (aim p99 < 50 ms: ${aim(p99 < 50 && sentAt.size === 0, `p99 command round trip < 50 ms at 1,000/s (${p99.toFixed(1)} ms)`)})`);
      await gw.endAsync(true);
    }

  }
  for (const w of workers) w.send({ type: 'close' });
  await Promise.all(workers.map((w) => new Promise((r) => (w.exitCode !== null ? r() : w.once('exit', r)))));

  // (a) bare mqtt.js: R publishers, one subscriber, QoS 1, in rounds of one message per publisher
  // (the pattern of fleet telemetry, and of infusim's barrier). (b) infusim: the same R pumps and
  // the gateway through MqttNetwork, the same rounds. They alternate RUNS times after a warm-up
  // (the machine is shared and noisy) and the best of each counts (the baseline is the best bare figure).
  const bare = async (seconds, label) => {
    const sub = await connectBare(creds.gateway);
    sub.stream.setNoDelay?.(true);
    const pubs = [];
    for (let i = 0; i < R; i += 100) pubs.push(...(await Promise.all(ids.slice(i, i + 100).map((id) => connectBare(creds.pumps.get(id))))));
    for (const p of pubs) p.stream.setNoDelay?.(true);
    await sub.subscribeAsync(gatewayFilters(SITE), { qos: 1 });
    const topics = ids.map((id) => pumpTopic(creds.pumps.get(id).pump, 'telemetry'));
    let got = 0;
    let wake;
    sub.on('message', () => {
      got++;
      wake?.();
    });
    const t0 = performance.now();
    let rounds = 0;
    while (performance.now() - t0 < seconds * 1000) {
      const tMs = ++rounds * 10_000;
      const target = got + R;
      for (let i = 0; i < R; i++) pubs[i].publish(topics[i], encodeUp(telemetryMsg(ids[i], tMs)).payload, { qos: 1 });
      await new Promise((resolve) => {
        wake = () => got >= target && resolve();
        wake();
      });
    }
    const s = (performance.now() - t0) / 1000;
    if (label) console.log(`(a) bare mqtt.js, QoS 1 (${label}): ${R} publishers → 1 subscriber: ${got} messages in ${s.toFixed(1)} s = ${Math.round(got / s)} msg/s`);
    await Promise.all([sub, ...pubs].map((c) => c.endAsync(true)));
    return got / s;
  };
  const infusim = async (seconds, label) => {
    const world = new World();
    const net = new MqttNetwork(world, 1, LINK, { url: broker.url, credentials: creds });
    let ingested = 0;
    net.attachGateway(() => ingested++);
    for (const id of ids) net.attachPump(id, 'bench', () => undefined);
    await net.ready();
    const rates = {};
    for (const [what, make] of [['telemetry', telemetryMsg], ['events', (id, tMs, round) => eventMsg(id, round, tMs)]]) {
      const start = ingested;
      const t0 = performance.now();
      let rounds = 0;
      while (performance.now() - t0 < seconds * 1000) {
        rounds++;
        const tMs = world.nowMs + 10_000;
        world.runUntil(tMs);
        for (const id of ids) net.sendUp(make(id, tMs, rounds));
        await net.settle();
        world.runUntil(tMs);
      }
      const s = (performance.now() - t0) / 1000;
      rates[what] = (ingested - start) / s;
      if (label) console.log(`(b) infusim ${what} (QoS ${what === 'telemetry' ? 0 : 1}) (${label}): ${R} pumps → gateway, validated and ingested: ${ingested - start} in ${s.toFixed(1)} s = ${Math.round(rates[what])} msg/s`);
    }
    if (net.mqttStats.barrierTimeouts) console.log(`    barrier timeouts: ${net.mqttStats.barrierTimeouts}`);
    await net.close();
    return rates;
  };
  console.log('');
  await bare(2);
  await infusim(1);
  const bares = [];
  const infusims = [];
  for (let run = 1; run <= RUNS; run++) {
    bares.push(await bare(PHASE_S, `run ${run}`));
    infusims.push(await infusim(PHASE_S, `run ${run}`));
  }
  const baseRate = Math.max(...bares);
  const i1 = { telemetry: Math.max(...infusims.map((r) => r.telemetry)), events: Math.max(...infusims.map((r) => r.events)) };
  for (const what of ['telemetry', 'events']) {
    const rate = i1[what];
    const ratio = rate / baseRate;
    console.log(`infusim ${what} ${Math.round(rate)} msg/s vs bare QoS 1 ${Math.round(baseRate)} msg/s (best of each): ratio ${ratio.toFixed(2)} (aim ≥ 0.80: ${aim(ratio >= 0.8, `infusim ${what} at ≥ 80% of the bare QoS 1 rate (${(ratio * 100).toFixed(0)}%)`)})`);
  }
  await broker.close();
  rmSync(dir, { recursive: true, force: true });

  // (e) the whole runner: gateway-outage over the embedded broker (in-process: 40 pumps).
  let failed = 0;
  {
    const { loadScenarioFile, runScenario } = await import('../dist/index.js');
    const t = performance.now();
    const run = await runScenario(loadScenarioFile('scenarios/gateway-outage.yaml'), { transport: { kind: 'mqtt' } });
    const s = (performance.now() - t) / 1000;
    const r = run.result;
    const m = run.mqtt?.stats;
    console.log(`\n(e) gateway-outage.yaml through the runner (${run.mqtt?.broker}): ${r.pumps.length} pumps, 6 h virtual in ${s.toFixed(1)} s; ${m?.published} messages (${Math.round((m?.published ?? 0) / s)}/s), broker kills ${m?.brokerKills}; events sent ${r.network.eventsSent}, ingested ${r.network.eventsIngested}, missing ${r.network.eventsMissing}; exit ${r.exitCode}`);
    if (r.exitCode !== 0) failed++;
  }

  console.log(`\naims:\n  ${verdicts.join('\n  ')}`);
  clearTimeout(watchdog);
  process.exit(failed ? 1 : 0);
}
