// Benchmark (issue 19): a fleet connected across an aedes cluster over Redis (src/harness/broker/
// cluster.ts: aedes nodes as child processes, Debian's redis-server) from several pump shard
// processes (bench/clusterShard.mjs, the library's own pump MQTT clients), on one machine.
// Telemetry every 30 s from each pump (QoS 0), an event every 60 s (QoS 1), one consumer (the
// gateway's identity, on node 0) counting every pump's events; one broker node SIGKILLed mid-run.
// Prints: the plan (open files per process, connections per destination), time to connect, memory per
// pump all in (RSS of every process: nodes, redis-server, shards, this process), CPU time (user +
// system) of every process, messages/s at the consumer, events sent / received once / duplicates /
// missing, and the load average.
//
//   node bench/cluster.mjs                      # 3,000 pumps (npm run bench)
//   node bench/cluster.mjs --pumps 100000       # the full fleet (about 10 min here)
//   node bench/cluster.mjs --pumps 600 --kill-redis   # redis-server killed and started again instead
//   BENCH_CLUSTER_PUMPS, BENCH_CLUSTER_RUN_S (sending time, default 60 s, 150 s at 100,000), --no-kill
// Needs `npm run build` and redis-server (apt-get install -y redis-server). Figures only: no aim asserted.
/* global setTimeout, setInterval, clearInterval, URL */
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import mqtt from 'mqtt';
import { forkRaisingFdLimit } from '../dist/harness/broker/childProcessBroker.js';
import { startBrokerCluster } from '../dist/harness/broker/cluster.js';
import { credentialsToJson, generateCredentials } from '../dist/harness/broker/credentials.js';
import { findRedisServer } from '../dist/harness/broker/redis.js';
import { gatewayFilters } from '../dist/harness/contract/topics.js';

const arg = (name) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const N = Number(arg('--pumps') ?? process.env.BENCH_CLUSTER_PUMPS ?? 3000);
const RUN_S = Number(arg('--run-s') ?? process.env.BENCH_CLUSTER_RUN_S ?? (N >= 50_000 ? 150 : 60));
const KILL = !process.argv.includes('--no-kill');
// --kill-redis: SIGKILL the cluster's redis-server at a third of the sending and start it again
// (empty: it saves nothing) at half, instead of the node kill.
const KILL_REDIS = process.argv.includes('--kill-redis');
const TELEMETRY_MS = 30_000;
const EVENT_MS = 60_000;
const SITE = 'bench';
// The plan. A process may hold 20,000 open files here (soft = hard), one per connection; loopback
// gives about 28,000 source ports per destination (address and port): each node has a port of its
// own, so a destination is a node. 7 nodes for 100,000 pumps: 14,286 each, 16,667 each after one is
// killed (nodeSpread.ts spreads a dead node's pumps over the survivors).
const FD_LIMIT = 20_000;
const PORTS_PER_DESTINATION = 28_000;
const PER_PROCESS = 15_000; // connections a node or shard is planned for, leaving room for files, Redis, churn
const nodes = Math.max(3, Math.ceil(N / 17_000) + (KILL && !KILL_REDIS ? 1 : 0));
const shards = Math.max(3, Math.ceil(N / PER_PROCESS));
const MB = 2 ** 20;

function procStat(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const rss = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cpuS = (Number(f[11]) + Number(f[12])) / 100; // utime + stime, in clock ticks (100/s)
    let fds = 0;
    try {
      fds = readdirSync(`/proc/${pid}/fd`).length;
    } catch {
      fds = 0;
    }
    return { rss, cpuS, fds };
  } catch {
    return { rss: 0, cpuS: 0, fds: 0 };
  }
}
const load = () => loadavg().map((x) => x.toFixed(2)).join(' ');

/**
 * One pump shard process: today bench/clusterShard.mjs on the library's MqttNetwork, given the
 * credentials of its own pumps; the one place to switch to `infusim fleet --shard k/N`.
 */
function startShard(k, n, spec) {
  const child = forkRaisingFdLimit(fileURLToPath(new URL('./clusterShard.mjs', import.meta.url)), [`${k}/${n}`], ['--max-semi-space-size=1', '--optimize-for-size']);
  child.send(spec);
  return child;
}

async function main() {
  if (!findRedisServer()) {
    console.log('bench/cluster: skipped: redis-server is not installed (apt-get install -y redis-server)');
    return 0;
  }
  const dir = mkdtempSync(join(tmpdir(), 'infusim-bench-cluster-'));
  const perNode = Math.ceil(N / nodes);
  const perNodeAfterKill = Math.ceil(N / (nodes - (KILL ? 1 : 0)));
  const perShard = Math.ceil(N / shards);
  console.log(`cluster bench: ${N} pumps, ${nodes} aedes nodes + redis-server, ${shards} pump shard processes; ${cpus().length} CPUs, load ${load()}`);
  console.log(`  plan: ≤ ${perShard} pumps per shard (one open file each), ≤ ${perNode} per node (${perNodeAfterKill} after a node kill), against ${FD_LIMIT} open files per process; connections per destination (a node's 127.0.0.1:port) ≤ ${perNodeAfterKill} of ~${PORTS_PER_DESTINATION} source ports`);
  if (perShard > FD_LIMIT * 0.9 || perNodeAfterKill > FD_LIMIT * 0.9 || perNodeAfterKill > PORTS_PER_DESTINATION) throw new Error('the plan does not fit the open-file or port limits');
  const pumps = Array.from({ length: N }, (_, i) => ({ pumpId: `p${String(i).padStart(6, '0')}`, unit: `u${i % 50}` }));
  const creds = generateCredentials(SITE, pumps);
  const tCluster = performance.now();
  const cluster = await startBrokerCluster(creds, { nodes });
  const deaths = [];
  cluster.onNodeDeath((node, why) => deaths.push({ node, why, atS: (performance.now() - tCluster) / 1000 }));
  console.log(`  cluster up in ${((performance.now() - tCluster) / 1000).toFixed(1)} s: ${cluster.urls.join(' ')}; Redis ${cluster.redisUrl} (pid ${cluster.redis?.pid})`);
  const children = [];
  try {
    // The consumer: the gateway's identity on node 0 (failing over to the others), a persistent session.
    const received = { telemetry: 0, events: 0, dup: 0, other: 0 };
    const seen = new Map(); // pumpId → Set of seq
    const consumer = await mqtt.connectAsync(cluster.urls[0], {
      servers: cluster.urls.map((u) => ({ host: new URL(u).hostname, port: Number(new URL(u).port) })),
      clientId: creds.gateway.clientId, username: creds.gateway.username, password: creds.gateway.password, protocolVersion: 4, clean: false, reconnectPeriod: 500,
    });
    consumer.on('message', (topic, payload) => {
      const leaf = topic.slice(topic.lastIndexOf('/') + 1);
      if (leaf === 'telemetry') received.telemetry++;
      else if (leaf === 'events') {
        const m = JSON.parse(payload.toString());
        let s = seen.get(m.pumpId);
        if (!s) seen.set(m.pumpId, (s = new Set()));
        if (s.has(m.seq)) received.dup++;
        else {
          s.add(m.seq);
          received.events++;
        }
      } else received.other++;
    });
    await consumer.subscribeAsync(gatewayFilters(SITE).filter((f) => f.endsWith('/telemetry') || f.endsWith('/events')), { qos: 1 });

    // Shards: pumps k*perShard.. of the fleet, each with a credentials file of its own pumps.
    const tConnect = performance.now();
    const readies = [];
    for (let k = 0; k < shards; k++) {
      const mine = pumps.slice(k * perShard, (k + 1) * perShard).map((p) => p.pumpId);
      const credsFile = join(dir, `shard-${k}.json`);
      writeFileSync(credsFile, credentialsToJson({ ...creds, pumps: new Map(mine.map((id) => [id, creds.pumps.get(id)])) }), { mode: 0o600 });
      const child = startShard(k, shards, { credsFile, urls: cluster.urls, telemetryPeriodMs: TELEMETRY_MS, eventPeriodMs: EVENT_MS });
      children.push(child);
      readies.push(
        new Promise((resolve, reject) => {
          const onMsg = (m) => m.type === 'ready' && (child.off('message', onMsg), resolve(m));
          child.on('message', onMsg);
          child.once('exit', (code) => reject(new Error(`shard ${k} exited (${code})`)));
        }),
      );
    }
    const ready = await Promise.all(readies);
    const connectS = (performance.now() - tConnect) / 1000;
    const notConnected = ready.reduce((a, r) => a + r.notConnected, 0);
    console.log(`  connected: ${N - notConnected} of ${N} pumps in ${connectS.toFixed(1)} s (${Math.round(N / connectS)}/s; slowest shard ${(Math.max(...ready.map((r) => r.connectMs)) / 1000).toFixed(1)} s), load ${load()}`);

    const pids = () => [
      ...cluster.urls.map((_, i) => ({ what: `node ${i}`, pid: cluster.pid(i) })),
      { what: 'redis-server', pid: cluster.redis?.pid },
      ...children.map((c, k) => ({ what: `shard ${k}`, pid: c.pid })),
      { what: 'consumer (this process)', pid: process.pid },
    ].filter((p) => p.pid !== undefined);
    const snapshot = (label) => {
      const rows = pids().map((p) => ({ ...p, ...procStat(p.pid) }));
      const sum = (f, w) => rows.filter((r) => !w || r.what.startsWith(w)).reduce((a, r) => a + r[f], 0);
      console.log(`  memory ${label}: all in ${(sum('rss') / MB).toFixed(0)} MiB = ${((sum('rss') / N) / 1024).toFixed(1)} KB per pump (nodes ${(sum('rss', 'node') / MB).toFixed(0)} MiB, redis-server ${(sum('rss', 'redis') / MB).toFixed(0)} MiB, shards ${(sum('rss', 'shard') / MB).toFixed(0)} MiB, consumer ${(sum('rss', 'consumer') / MB).toFixed(0)} MiB); open files max ${Math.max(...rows.map((r) => r.fds))} (${rows.find((r) => r.fds === Math.max(...rows.map((x) => x.fds)))?.what})`);
      return rows;
    };
    const cpu0 = snapshot('connected');
    const cpuAt = (rows) => rows.reduce((a, r) => a + r.cpuS, 0);

    // Send for RUN_S; kill node 1 at a third of it.
    const r0 = { ...received };
    const tRun = performance.now();
    const sent = children.map((c) => new Promise((resolve) => {
      const onMsg = (m) => m.type === 'sent' && (c.off('message', onMsg), resolve(m));
      c.on('message', onMsg);
    }));
    for (const c of children) c.send({ type: 'start', runMs: RUN_S * 1000 });
    let killAtS;
    const progress = setInterval(() => {
      const s = (performance.now() - tRun) / 1000;
      console.log(`    t=${s.toFixed(0)} s: consumer got ${received.telemetry - r0.telemetry} telemetry, ${received.events} events (${received.dup} duplicates), load ${load()}`);
    }, 15_000);
    if (KILL_REDIS) {
      await new Promise((r) => setTimeout(r, (RUN_S * 1000) / 3));
      killAtS = (performance.now() - tRun) / 1000;
      console.log(`  killing redis-server (pid ${cluster.redis?.pid}) at t=${killAtS.toFixed(1)} s of sending, load ${load()}`);
      await cluster.redis?.kill();
      await new Promise((r) => setTimeout(r, (RUN_S * 1000) / 6));
      await cluster.redis?.startProcess();
      console.log(`  redis-server started again (empty, pid ${cluster.redis?.pid}) at t=${((performance.now() - tRun) / 1000).toFixed(1)} s; nodes alive: ${cluster.urls.map((_, i) => (cluster.pid(i) ? i : `${i} (dead)`)).join(', ')}`);
    } else if (KILL) {
      await new Promise((r) => setTimeout(r, (RUN_S * 1000) / 3));
      killAtS = (performance.now() - tRun) / 1000;
      const before = procStat(cluster.pid(1));
      console.log(`  killing node 1 (pid ${cluster.pid(1)}, ${before.fds} open files) at t=${killAtS.toFixed(1)} s of sending, load ${load()}`);
      cluster.killNode(1);
    }
    // A shard whose pumps cannot send (no node accepts them) would never finish: bounded.
    const sentBy = await Promise.race([Promise.all(sent), new Promise((r) => setTimeout(() => r(undefined), RUN_S * 1000 + 180_000))]);
    if (!sentBy) {
      console.log(`  the shards did not finish sending within ${RUN_S + 180} s (pumps not connected, their events in the shards' outboxes); consumer: ${received.events} distinct events, ${received.dup} duplicates; node deaths: ${deaths.map((d) => `node ${d.node} at ${d.atS.toFixed(1)} s (${d.why})`).join('; ') || 'none'}; load ${load()}`);
      return 1;
    }
    const sendS = (performance.now() - tRun) / 1000;
    clearInterval(progress);
    const total = (f) => sentBy.reduce((a, m) => a + m[f], 0);
    const eventsSent = total('events');
    // Wait for the events to land (in flight, held in outboxes, queued in Redis for the consumer).
    const tDrain = performance.now();
    while (received.events < eventsSent && performance.now() - tDrain < 120_000) await new Promise((r) => setTimeout(r, 200));
    const drainS = (performance.now() - tDrain) / 1000;
    const unacked = await Promise.all(children.map((c) => new Promise((resolve) => {
      const onMsg = (m) => m.type === 'inflight' && (c.off('message', onMsg), resolve(m.unacked));
      c.on('message', onMsg);
      c.send({ type: 'inflight' });
    })));
    const cpu1 = snapshot('at the end');
    const runS = (performance.now() - tRun) / 1000;
    // Which events are missing: by the home node of their pump (pump j of a shard: node j mod nodes,
    // nodeSpread.ts) and by when they were sent (pump j of n sends seq s at about (s - 1 + j/n) x 60 s).
    const missing = [];
    sentBy.forEach((m, k) => {
      const mine = pumps.slice(k * perShard, (k + 1) * perShard);
      m.lastSeq.forEach((last, j) => {
        const got = seen.get(mine[j].pumpId);
        for (let q = 1; q <= last; q++) if (!got?.has(q)) missing.push({ home: j % nodes, atS: ((q - 1 + j / mine.length) * EVENT_MS) / 1000 });
      });
    });
    const byHome = new Map();
    for (const x of missing) byHome.set(x.home, (byHome.get(x.home) ?? 0) + 1);

    const tel = received.telemetry - r0.telemetry;
    console.log(`  sending ${sendS.toFixed(1)} s (${RUN_S} s planned), drain ${drainS.toFixed(1)} s; load ${load()}`);
    console.log(`  shards sent ${total('telemetry')} telemetry (${total('telemetryDropped')} dropped while their pump was not connected) and ${eventsSent} events (${total('eventsHeld')} held in an outbox while not connected, all sent again: ${total('eventsResent')}); pump reconnections ${total('reconnects')}`);
    console.log(`  consumer: ${tel} telemetry and ${received.events} distinct events in ${runS.toFixed(1)} s (${sendS.toFixed(1)} s of sending and ${drainS.toFixed(1)} s of drain) = ${Math.round((tel + received.events + received.dup) / sendS)} messages/s over the sending (telemetry ${Math.round(tel / sendS)}/s, planned ${Math.round(N / (TELEMETRY_MS / 1000))}/s)`);
    console.log(`  events exactly once${KILL_REDIS ? ` through the kill of redis-server at t=${killAtS?.toFixed(1)} s` : KILL ? ` through the kill of node 1 at t=${killAtS?.toFixed(1)} s` : ''}: sent ${eventsSent}, received once ${received.events}, duplicates on the wire ${received.dup} (counted once), missing ${eventsSent - received.events}; still unacknowledged by the broker at the pumps (mqtt.js): ${unacked.reduce((a, b) => a + b, 0)}`);
    if (missing.length > 0) console.log(`    missing by home node of the pump: ${[...byHome].map(([h, c]) => `node ${h}: ${c}`).join(', ')}; sent at ${Math.min(...missing.map((x) => x.atS)).toFixed(1)}-${Math.max(...missing.map((x) => x.atS)).toFixed(1)} s of sending (about)`);
    console.log(`  node deaths seen by the cluster: ${deaths.map((d) => `node ${d.node} at ${d.atS.toFixed(1)} s`).join(', ') || 'none'}`);
    const cpuS = cpuAt(cpu1) - cpuAt(cpu0.filter((r) => cpu1.some((x) => x.pid === r.pid)));
    console.log(`  CPU time (user + system) of every process while sending and draining: ${cpuS.toFixed(1)} s in ${runS.toFixed(1)} s of wall time (${(cpuS / runS).toFixed(2)} cores); since start: ${cpuAt(cpu1).toFixed(1)} s (nodes ${cpu1.filter((r) => r.what.startsWith('node')).reduce((a, r) => a + r.cpuS, 0).toFixed(1)}, redis ${cpu1.filter((r) => r.what.startsWith('redis')).reduce((a, r) => a + r.cpuS, 0).toFixed(1)}, shards ${cpu1.filter((r) => r.what.startsWith('shard')).reduce((a, r) => a + r.cpuS, 0).toFixed(1)}, consumer ${cpu1.filter((r) => r.what.startsWith('consumer')).reduce((a, r) => a + r.cpuS, 0).toFixed(1)})`);
    await consumer.endAsync(true);
    for (const c of children) c.send({ type: 'close' });
    await Promise.all(children.map((c) => new Promise((r) => (c.exitCode !== null ? r() : c.once('exit', r)))));
    return eventsSent === received.events ? 0 : 1;
  } finally {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    await cluster.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

process.exitCode = await main();
