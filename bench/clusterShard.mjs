// A pump shard of bench/cluster.mjs: a share of the fleet in a process of its own, on the library's
// own pump MQTT clients (MqttNetwork with someone else's gateway: each pump an mqtt.js client with its
// own credentials, its last will and retained online status, spread over the cluster's nodes by
// nodeSpread.ts, failing over to another node when its node dies). Plain Node after `npm run build`.
//
// IPC (process.send): parent → shard { credsFile, urls, telemetryPeriodMs, eventPeriodMs } once, then
// { type: 'start', runMs } (send telemetry and events for runMs of wall time), { type: 'close' };
// shard → parent { type: 'ready', connectMs, notConnected, pumps }, { type: 'sent', telemetry, events,
// eventsHeld, eventsResent, lastSeq (per pump, in the order of the credentials) } at the end of the sending, and { type: 'tick', ... } every 10 s.
//
// Events are QoS 1, one per pump every eventPeriodMs, seq 1, 2, ... per pump. An event the network
// refuses because the pump is not connected (its node died and it has not reconnected yet) waits in
// this shard's outbox and goes again at the next tick: the pumps' outboxes of the simulator, in small.
// What was in flight on a connection that dropped is sent again by mqtt.js (its store of unacknowledged
// QoS 1 messages) once the client has reconnected; the consumer counts duplicates apart.
/* global setInterval, clearInterval */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { eventMsg, telemetryMsg } from './upMessages.mjs';

const LINK = { latencyMs: 0, jitterMs: 0, lossRate: 0, burstLoss: false, duplicateRate: 0, reorderRate: 0 };
const TICK_MS = 100;

const { credentialsFromJson } = await import('../dist/harness/broker/credentials.js');
const { MqttNetwork } = await import('../dist/harness/mqttlink/mqttNetwork.js');
const { World } = await import('../dist/harness/world/world.js');

const spec = await new Promise((resolve) => process.once('message', resolve));
const creds = credentialsFromJson(readFileSync(spec.credsFile, 'utf8'));
const ids = [...creds.pumps.keys()];
const world = new World();
const net = new MqttNetwork(world, 1, LINK, { url: spec.urls[0], credentials: creds, externalGateway: true, nodeUrls: spec.urls, reconnectPeriodMs: 1000, log: () => undefined });
process.on('disconnect', () => process.exit(0));
// Pumps attached (and connected) BATCH at a time: each CONNECT costs the cluster several Redis round
// trips and broadcasts to every node (session, will, subscriptions, retained status); all of a
// shard's pumps at once (200 connecting at a time, connections.ts) overran the nodes on a loaded
// machine, CONNACKs came after mqtt.js's 5 s connect timeout, and the clients started over.
const BATCH = Number(process.env.BENCH_CLUSTER_CONNECT_BATCH ?? 25);
const t0 = performance.now();
for (let i = 0; i < ids.length; i += BATCH) {
  for (const id of ids.slice(i, i + BATCH)) net.attachPump(id, 'bench', () => undefined);
  await net.ready();
}
const connectMs = performance.now() - t0;
process.send({ type: 'ready', connectMs, notConnected: net.log.filter((l) => l.includes('not connected')).length, pumps: ids.length });

const lastSeq = new Uint32Array(ids.length);
const counts = { telemetry: 0, telemetryDropped: 0, events: 0, eventsHeld: 0, eventsResent: 0 };
const outbox = [];
/** Send an event; false when the network held it (pump not connected). */
function trySend(m) {
  const held = net.mqttStats.heldOffline;
  net.sendUp(m);
  return net.mqttStats.heldOffline === held;
}

function run(runMs) {
  const n = ids.length;
  const start = performance.now();
  // Pump j sends its telemetry at j/n of each period, its events likewise: an even load, no bursts.
  let telDone = 0; // telemetry messages due so far (over all pumps)
  let evDone = 0;
  const telTotal = Math.floor((runMs / spec.telemetryPeriodMs) * n);
  const evTotal = Math.floor((runMs / spec.eventPeriodMs) * n);
  const seq = lastSeq;
  return new Promise((resolve) => {
    const tick = setInterval(() => {
      const el = performance.now() - start;
      const tMs = Math.round(el);
      const telDue = Math.min(telTotal, Math.floor((el / spec.telemetryPeriodMs) * n));
      for (; telDone < telDue; telDone++) {
        const j = telDone % n;
        const before = net.mqttStats.telemetryCoalesced;
        net.sendUp(telemetryMsg(ids[j], tMs));
        if (net.mqttStats.telemetryCoalesced === before) counts.telemetry++;
        else counts.telemetryDropped++;
      }
      // The outbox first (in order), then what is due now.
      for (let k = 0; k < outbox.length; ) {
        if (trySend(outbox[k])) {
          counts.eventsResent++;
          outbox.splice(k, 1);
        } else k++;
      }
      const evDue = Math.min(evTotal, Math.floor((el / spec.eventPeriodMs) * n));
      for (; evDone < evDue; evDone++) {
        const j = evDone % n;
        const m = eventMsg(ids[j], ++seq[j], tMs);
        counts.events++;
        if (!trySend(m)) {
          counts.eventsHeld++;
          outbox.push(m);
        }
      }
      if (telDone >= telTotal && evDone >= evTotal && outbox.length === 0) {
        clearInterval(tick);
        resolve();
      }
    }, TICK_MS);
  });
}

const report = setInterval(() => process.send({ type: 'tick', ...counts, outbox: outbox.length, reconnects: net.mqttStats.reconnects }), 10_000);
report.unref();

process.on('message', async (m) => {
  if (m.type === 'start') {
    await run(m.runMs);
    process.send({ type: 'sent', ...counts, reconnects: net.mqttStats.reconnects, lastSeq: Array.from(lastSeq) });
  } else if (m.type === 'inflight') {
    // QoS 1 messages published and not acknowledged by the broker yet (mqtt.js's outgoing map).
    let unacked = 0;
    for (const ep of net.connections.known ?? []) unacked += Object.keys(ep.client?.outgoing ?? {}).length;
    process.send({ type: 'inflight', unacked });
  } else if (m.type === 'close') {
    clearInterval(report);
    await net.close();
    process.exit(0);
  }
});
