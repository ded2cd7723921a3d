/**
 * Link conditions on real connections: a pump whose link can have conditions connects through
 * the link proxy, which holds, drops and duplicates its PUBLISH frames on the virtual clock. The
 * gateway's `onWire` hook sees a payload when its client gets it from the broker, so a held frame
 * is seen late in virtual time and a dropped one never: with the conditions applied inside the
 * transport instead, the broker would carry it at once.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { DownMessage, UpMessage } from '../../../src/harness/link/messages.js';
import type { LinkConditions } from '../../../src/harness/link/network.js';
import { generateCredentials } from '../../../src/harness/broker/credentials.js';
import { pumpsWithLinkConditions } from '../../../src/harness/mqttlink/shapedPumps.js';
import { startMqtt, type StartedMqtt } from '../../../src/harness/mqttlink/transport.js';
import { runScenario } from '../../../src/harness/run/runScenario.js';
import { fleetPumps, type FleetPump } from '../../../src/harness/scenario/fleet.js';
import { loadScenarioFile } from '../../../src/harness/scenario/load.js';
import { timelineEntrySchema } from '../../../src/harness/scenario/schema.js';
import { World } from '../../../src/harness/world/world.js';
import { expectExactlyOnce } from '../../support/exactlyOnce.js';
import { TARGETS, type StartedBroker, type Target } from './targets.js';

const NONE: LinkConditions = { latencyMs: 0, jitterMs: 0, lossRate: 0, burstLoss: false, duplicateRate: 0, reorderRate: 0 };

function pump(id: string): FleetPump {
  return { id, unit: 'icu', careArea: 'icu', segment: 'seg-icu', type: 'lvp', firmware: '1.0.0', profile: 'secure' };
}

interface Rig {
  broker: StartedBroker;
  world: World;
  mqtt: StartedMqtt;
  /** What the gateway handled, at which virtual instant. */
  atGateway: { pumpId: string; counter: number; atMs: number }[];
  atPump: { pumpId: string; uptoSeq: number; atMs: number }[];
  /** Payloads as the gateway's and pumps' clients got them from the broker, at which virtual instant. */
  wire: { topic: string; payload: string; atMs: number }[];
}

/** Two pumps on the broker; only p-1 can have link conditions (it goes through the proxy). */
async function rig(target: Target, needs: { killable?: boolean } = {}): Promise<Rig> {
  const world = new World();
  const wire: Rig['wire'] = [];
  const fleet = [pump('p-1'), pump('p-2')];
  const credentials = generateCredentials('proxy-test', fleet.map((f) => ({ pumpId: f.id, unit: f.unit, profile: f.profile })));
  const broker = await target.start(credentials, needs);
  const onWire = (topic: string, payload: Buffer): void => void wire.push({ topic, payload: payload.toString(), atMs: world.nowMs });
  const mqtt = await startMqtt(world, 7, NONE, 'proxy-test', fleet, { kind: 'mqtt', brokerUrl: broker.url, brokerControl: broker.control, credentials, site: 'proxy-test', barrierTimeoutMs: 3000, onWire }, new Set(['p-1']));
  const r: Rig = { broker, world, mqtt, atGateway: [], atPump: [], wire };
  mqtt.network.attachGateway((m: UpMessage) => {
    if (m.kind === 'command-ack') r.atGateway.push({ pumpId: m.pumpId, counter: m.counter, atMs: world.nowMs });
  });
  for (const id of ['p-1', 'p-2']) {
    mqtt.network.attachPump(id, 'seg-icu', (m: DownMessage) => {
      if (m.kind === 'event-ack') r.atPump.push({ pumpId: m.pumpId, uptoSeq: m.uptoSeq, atMs: world.nowMs });
    });
  }
  await mqtt.network.ready();
  return r;
}

const ack = (pumpId: string, counter: number): UpMessage => ({ kind: 'command-ack', pumpId, counter, reply: { ok: true, fields: {} } });

let open: Rig | undefined;
afterEach(async () => {
  await open?.mqtt.close();
  await open?.broker.close();
  open = undefined;
});

describe.each(TARGETS)('link proxy ($name)', (target) => {
  const it_ = target.available ? it : it.skip;

  it_('connects only the pumps that can have link conditions through the proxy', async () => {
    const r = (open = await rig(target));
    expect(r.mqtt.info().stats.linkProxyPumps).toBe(1);
    expect(r.mqtt.info().stats.linkProxyOverLimit).toBe(0);
  });

  it_('latency: the broker carries a pump\'s publish at now + latency in virtual time, both ways', async () => {
    const r = (open = await rig(target));
    const net = r.mqtt.network;
    net.setConditions('p-1', { latencyMs: 500 });
    r.world.at(1000, () => {
      net.sendUp(ack('p-1', 1));
      net.sendUp(ack('p-2', 1));
    });
    r.world.at(2000, () => {
      net.sendDown({ kind: 'event-ack', pumpId: 'p-1', uptoSeq: 4 });
      net.sendDown({ kind: 'event-ack', pumpId: 'p-2', uptoSeq: 4 });
    });
    await r.mqtt.advance(10_000);
    expect(r.atGateway).toEqual([
      { pumpId: 'p-2', counter: 1, atMs: 1000 },
      { pumpId: 'p-1', counter: 1, atMs: 1500 },
    ]);
    expect(r.atPump).toEqual([
      { pumpId: 'p-2', uptoSeq: 4, atMs: 2000 },
      { pumpId: 'p-1', uptoSeq: 4, atMs: 2500 },
    ]);
    // The gateway's client got p-1's message from the broker only at 1500: the frame was held before the broker.
    const p1Up = r.wire.filter((w) => w.topic.endsWith('/p-1/cmd-ack'));
    expect(p1Up.map((w) => w.atMs)).toEqual([1500]);
    const s = r.mqtt.info().stats;
    expect(s.framesDelayed).toBe(2);
    expect(s.framesDropped).toBe(0);
    expect(s.barrierTimeouts).toBe(0);
  });

  it_('loss: a dropped frame never reaches the broker, counts as lost, and does not hold the barrier; the connection goes on', async () => {
    const r = (open = await rig(target));
    const net = r.mqtt.network;
    const restore = net.setConditions('p-1', { lossRate: 1 });
    r.world.at(1000, () => {
      for (let i = 1; i <= 5; i++) net.sendUp(ack('p-1', i));
      net.sendDown({ kind: 'event-ack', pumpId: 'p-1', uptoSeq: 9 });
    });
    r.world.at(2000, () => restore());
    r.world.at(3000, () => {
      net.sendUp(ack('p-1', 6));
      net.sendDown({ kind: 'event-ack', pumpId: 'p-1', uptoSeq: 10 });
    });
    const lostBefore = net.stats.lost;
    await r.mqtt.advance(10_000);
    expect(r.wire.filter((w) => !w.topic.endsWith('/status') && w.atMs < 3000)).toEqual([]);
    expect(r.atGateway).toEqual([{ pumpId: 'p-1', counter: 6, atMs: 3000 }]);
    expect(r.atPump).toEqual([{ pumpId: 'p-1', uptoSeq: 10, atMs: 3000 }]);
    const s = r.mqtt.info().stats;
    expect(s.framesDropped).toBe(6);
    expect(net.stats.lost - lostBefore).toBe(6);
    expect(s.barrierTimeouts).toBe(0);
  });

  it_('a broker restart after a dropped frame and with one held: every client is back at once and its own resends cross', async () => {
    // mqtt.js resends the QoS 1 messages it kept when it reconnects, one at a time, and reports
    // the connection up only once each has its PUBACK. A dropped frame the proxy never
    // acknowledged, or a resend the proxy held on the virtual clock (which waits for the
    // reconnection), stalled the pump for good (found by a reconnect storm on a lossy link).
    const r = (open = await rig(target, { killable: true }));
    const net = r.mqtt.network;
    const lossy = net.setConditions('p-1', { lossRate: 1 });
    r.world.at(1000, () => net.sendUp(ack('p-1', 1)));
    let slow: () => void = () => undefined;
    r.world.at(1500, () => {
      lossy();
      slow = net.setConditions('p-1', { latencyMs: 60_000 });
      net.sendUp(ack('p-1', 2));
    });
    r.world.at(2000, () => net.setGatewayDown(true));
    r.world.at(2500, () => net.setGatewayDown(false));
    r.world.at(2800, () => slow());
    r.world.at(3000, () => net.sendUp(ack('p-1', 3)));
    await r.mqtt.advance(10_000);
    const info = r.mqtt.info();
    expect(info.log.filter((l) => /not connected after/.test(l))).toEqual([]);
    expect(info.stats.brokerKills).toBe(1);
    expect(info.stats.barrierTimeouts).toBe(0);
    // 2 was held on the old connection: mqtt.js resent it on the new one and it passed as it was
    // (1 too when the proxy's PUBACK for the dropped frame was still unread when the connection
    // went: the receiver keeps the first copy). 3, on the new connection, does not wait behind
    // 2's old due instant (a new connection starts its own FIFO order).
    const got = r.atGateway.map((g) => `${g.counter}@${g.atMs}`);
    expect(got).toContain('2@2500');
    expect(got).toContain('3@3000');
    expect(got.filter((g) => !g.startsWith('1@')).length).toBe(2);
  });

  it_('duplicate: a second copy crosses the broker and is one more message in flight', async () => {
    const r = (open = await rig(target));
    const net = r.mqtt.network;
    net.setConditions('p-1', { duplicateRate: 1 });
    r.world.at(1000, () => net.sendUp(ack('p-1', 1)));
    r.world.at(2000, () => net.sendDown({ kind: 'event-ack', pumpId: 'p-1', uptoSeq: 3 }));
    // Afterwards the connection still works both ways (the broker and mqtt.js took the second PUBACK).
    r.world.at(3000, () => net.setConditions('p-1', { duplicateRate: 0 }));
    r.world.at(4000, () => {
      net.sendUp(ack('p-1', 2));
      net.sendDown({ kind: 'event-ack', pumpId: 'p-1', uptoSeq: 4 });
    });
    await r.mqtt.advance(10_000);
    expect(r.atGateway).toEqual([
      { pumpId: 'p-1', counter: 1, atMs: 1000 },
      { pumpId: 'p-1', counter: 1, atMs: 1000 },
      { pumpId: 'p-1', counter: 2, atMs: 4000 },
    ]);
    expect(r.atPump).toEqual([
      { pumpId: 'p-1', uptoSeq: 3, atMs: 2000 },
      { pumpId: 'p-1', uptoSeq: 3, atMs: 2000 },
      { pumpId: 'p-1', uptoSeq: 4, atMs: 4000 },
    ]);
    expect(net.stats.duplicated).toBe(2);
    expect(r.mqtt.info().stats.framesDuplicated).toBe(2);
    expect(r.mqtt.info().stats.barrierTimeouts).toBe(0);
  });

  it_('a frame held when its pump\'s connection is cut is lost with it, without a barrier timeout', async () => {
    const r = (open = await rig(target));
    const net = r.mqtt.network;
    net.setConditions('p-1', { latencyMs: 5000 });
    r.world.at(1000, () => net.sendUp(ack('p-1', 1)));
    r.world.at(2000, () => net.partitionPump('p-1', true));
    r.world.at(8000, () => net.partitionPump('p-1', false));
    const lostBefore = net.stats.lost;
    await r.mqtt.advance(12_000);
    expect(r.atGateway).toEqual([]);
    expect(net.stats.lost - lostBefore).toBe(1);
    expect(r.mqtt.info().stats.barrierTimeouts).toBe(0);
  });
});

describe('a scenario with loss on some pumps, over the embedded broker', () => {
  it('drops frames at the proxy and still ingests every event exactly once', async () => {
    const loaded = loadScenarioFile('scenarios/occlusion-drill.yaml');
    const s = loaded.scenario;
    s.link = { latency: 0, jitter: 0, loss: 0, duplicate: 0, reorder: 0 };
    s.timeline.push(timelineEntrySchema.parse({ at: '0s', fault: 'loss', target: 'icu-1', args: { rate: 0.3 }, end: '1h30m' }));
    s.timeline.push(timelineEntrySchema.parse({ at: '0s', fault: 'loss', target: 'icu-3', args: { rate: 0.3 }, end: '1h30m' }));
    const run = await runScenario(loaded, { transport: { kind: 'mqtt' } });
    const m = run.mqtt?.stats;
    const r = run.result;
    expect(m?.linkProxyPumps).toBe(2);
    expect(m?.framesDropped).toBeGreaterThan(20);
    expect(m?.framesDelayed).toBe(0);
    expect(m?.barrierTimeouts).toBe(0);
    expect(r.network.eventsSent).toBeGreaterThan(0);
    expectExactlyOnce(run);
    // Events whose first publish the proxy dropped came in later, resent by the pump's outbox
    // (10 s); the other pumps' events arrived at the instant they happened.
    const late = (id: string): number => run.gateway.record.filter((e) => e.pumpId === id && e.receivedMs - e.event.tMs >= 10_000).length;
    expect(late('icu-1') + late('icu-3')).toBeGreaterThan(0);
    for (const e of run.gateway.record.filter((x) => x.pumpId === 'icu-2' || x.pumpId === 'icu-4')) expect(e.receivedMs).toBe(e.event.tMs);
    expect(r.violations).toEqual([]);
  });
});

describe('which pumps go through the proxy', () => {
  it('every pump when the link section does anything, otherwise the pumps link faults can target', () => {
    const s = loadScenarioFile('scenarios/occlusion-drill.yaml').scenario;
    const fleet = fleetPumps(s);
    expect(pumpsWithLinkConditions(s, fleet).size).toBe(4); // the default link: 20 ms ± 5 ms
    s.link = { latency: 0, jitter: 0, loss: 0, duplicate: 0, reorder: 0 };
    expect(pumpsWithLinkConditions(s, fleet).size).toBe(0);
    s.timeline.push(timelineEntrySchema.parse({ at: '10m', fault: 'reorder', target: 'icu-2', end: '20m' }));
    s.timeline.push(timelineEntrySchema.parse({ at: '10m', fault: 'partition', target: 'icu-3', end: '20m' }));
    expect([...pumpsWithLinkConditions(s, fleet)]).toEqual(['icu-2']);
  });

  it('at most linkProxyMaxPumps; the others connect directly, without conditions, and the log says so', async () => {
    const world = new World();
    const mqtt = await startMqtt(world, 7, NONE, 'proxy-limit', [pump('p-1'), pump('p-2')], { kind: 'mqtt', linkProxyMaxPumps: 1 }, new Set(['p-1', 'p-2']));
    try {
      mqtt.network.attachGateway(() => undefined);
      for (const id of ['p-1', 'p-2']) mqtt.network.attachPump(id, 'seg-icu', () => undefined);
      await mqtt.network.ready();
      const s = mqtt.info().stats;
      expect([s.linkProxyPumps, s.linkProxyOverLimit]).toEqual([1, 1]);
      expect(mqtt.info().log.some((l) => l.includes('link proxy: more than 1 pumps'))).toBe(true);
    } finally {
      await mqtt.close();
    }
  });
});
