/**
 * The compensating controls of docs/advisories.md#controls are enforced, not only recorded (issue
 * 16, item 4): with its ACL narrowed, a pump takes commands from the gateway only; with its
 * segment isolated, nothing but the gateway reaches it. In process the network stands for the
 * broker; over MQTT the embedded broker's own access policy closes the legacy pump's command topic
 * to anonymous clients (in this process and in the child-process broker).
 */
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import mqtt from 'mqtt';
import { describe, expect, it } from 'vitest';
import { AccessPolicy, anonymousClientId } from '../../../src/harness/broker/acl.js';
import { ChildProcessBroker } from '../../../src/harness/broker/childProcessBroker.js';
import { generateCredentials, LEGACY_UNAUTHENTICATED, type Identity } from '../../../src/harness/broker/credentials.js';
import { EmbeddedBroker } from '../../../src/harness/broker/embeddedBroker.js';
import { pumpTopic, type PumpAddress } from '../../../src/harness/contract/topics.js';
import type { DownMessage } from '../../../src/harness/link/messages.js';
import { Network } from '../../../src/harness/link/network.js';
import { World } from '../../../src/harness/world/world.js';
import { runScenario } from '../../../src/harness/run/runScenario.js';
import { parseScenarioText } from '../../../src/harness/scenario/load.js';
import { drained, throughMarker } from '../../support/mqtt.js';

const LINK = { latencyMs: 5, jitterMs: 0, lossRate: 0, burstLoss: false, duplicateRate: 0, reorderRate: 0 };

function command(source: 'gateway' | 'rogue', text: string): DownMessage {
  return { kind: 'command', pumpId: 'legacy-1', source, envelope: { pumpId: 'legacy-1', counter: 1, issuedMs: 0, expiresMs: 60_000, command: text } };
}

/** A legacy pump on the in-process network, and what reaches it. */
function ward(): { world: World; network: Network; got: string[]; send: (m: DownMessage) => void } {
  const world = new World();
  const network = new Network(world, 1, LINK);
  const got: string[] = [];
  network.attachPump('legacy-1', 'seg-ward', (m) => got.push(m.kind === 'command' ? `${m.source} ${m.envelope.command}` : m.kind));
  return {
    world,
    network,
    got,
    send: (m) => {
      network.sendDown(m);
      world.runUntil(world.nowMs + 100);
    },
  };
}

describe('compensating controls on the in-process network', () => {
  it('acl-narrowed: a command from a non-gateway source reaches the pump before, and is dropped after; the gateway still gets through', () => {
    const w = ward();
    w.send(command('rogue', 'PAUSE'));
    expect(w.got).toEqual(['rogue PAUSE']);
    w.network.narrowAcl('legacy-1');
    expect(w.network.isAclNarrowed('legacy-1')).toBe(true);
    expect(w.network.isIsolated('legacy-1')).toBe(false);
    w.send(command('rogue', 'STOP'));
    // A rogue that writes from: gateway is still not the gateway.
    w.send({ ...command('rogue', 'STOP'), claim: 'gateway' } as DownMessage);
    w.send(command('gateway', 'RESUME'));
    expect(w.got).toEqual(['rogue PAUSE', 'gateway RESUME']);
  });

  it('segment-isolated: the same, by the segment: other hosts no longer reach the pump; the gateway does', () => {
    const w = ward();
    w.send(command('rogue', 'PAUSE'));
    w.network.isolateToGateway('legacy-1');
    w.send(command('rogue', 'STOP'));
    w.send(command('gateway', 'RESUME'));
    expect(w.got).toEqual(['rogue PAUSE', 'gateway RESUME']);
    // Isolation is not a partition: the pump and the gateway still reach each other.
    expect(w.network.reachable('legacy-1')).toBe(true);
    expect(w.network.reachableOnSegment('legacy-1')).toBe(true);
  });
});

type Broker = { url: string; narrow(pumpId: string): void | Promise<void>; close(): Promise<void> };

const BROKERS: { name: string; start: (creds: ReturnType<typeof generateCredentials>) => Promise<Broker> }[] = [
  {
    name: 'embedded aedes, in process',
    start: async (creds) => {
      const policy = new AccessPolicy(creds);
      const b = new EmbeddedBroker(policy);
      await b.start(0);
      return { url: b.url, narrow: (id) => policy.narrow(id), close: () => b.close() };
    },
  },
  {
    name: 'embedded aedes, child process',
    start: async (creds) => {
      const b = new ChildProcessBroker(creds);
      await b.start();
      return { url: b.url, narrow: (id) => b.narrowAcl(id), close: () => b.close() };
    },
  },
];

describe.each(BROKERS)('acl-narrowed on the broker ($name)', ({ start }) => {
  it("closes the legacy pump's command topic to anonymous clients: published before, refused after; the gateway still publishes", async () => {
    const creds = generateCredentials('ctl', [{ pumpId: 'legacy-1', unit: 'ward', profile: LEGACY_UNAUTHENTICATED }]);
    const pump = creds.pumps.get('legacy-1') as Identity;
    const cmd = pumpTopic(pump.pump as PumpAddress, 'cmd');
    const broker = await start(creds);
    try {
      const p = await mqtt.connectAsync(broker.url, { clientId: pump.clientId, username: pump.username, password: pump.password, reconnectPeriod: 0 });
      const got: string[] = [];
      p.on('message', (_t, m) => got.push(m.toString()));
      await p.subscribeAsync(cmd, { qos: 1 });
      const gw = await mqtt.connectAsync(broker.url, { clientId: creds.gateway.clientId, username: creds.gateway.username, password: creds.gateway.password, reconnectPeriod: 0 });
      const rogue = await mqtt.connectAsync(broker.url, { clientId: anonymousClientId('ctl', 'legacy-1', 'rogue'), reconnectPeriod: 0 });
      await rogue.publishAsync(cmd, 'PAUSE', { qos: 1 });
      const before = await throughMarker(gw, cmd, () => got);
      expect(got).toEqual(['PAUSE', before]);

      await broker.narrow('legacy-1');
      // The client already connected may no longer publish there (aedes closes it), and a new one is refused.
      rogue.publish(cmd, 'STOP', { qos: 0 });
      await drained(rogue);
      await expect(mqtt.connectAsync(broker.url, { clientId: anonymousClientId('ctl', 'legacy-1', 'rogue2'), reconnectPeriod: 0, connectTimeout: 10_000 })).rejects.toThrow();
      const after = await throughMarker(gw, cmd, () => got);
      expect(got).toEqual(['PAUSE', before, after]);
      await Promise.all([p.endAsync(true), gw.endAsync(true), rogue.endAsync(true)]);
    } finally {
      await broker.close();
    }
  });
});

describe.each(['inproc', 'mqtt'] as const)('the advisory loop puts both controls on (%s)', (transport) => {
  it('a rogue command reaches the legacy pumps before the advisory and none after', async () => {
    const text = `name: controls
seed: 11
duration: 2h
site:
  segments: [{ id: seg-ward }]
  units:
    - id: ward
      careArea: medsurg
      segment: seg-ward
      pumps: [{ type: lvp, count: 2, firmware: "0.9.2", profile: legacy-unauthenticated, prefix: legacy }]
timeline:
  - { at: 20m, fault: rogue-client, target: unit:ward, args: { command: "PAUSE" } }
  - { at: 1h, action: advisory, args: { file: ${JSON.stringify(resolve('scenarios/advisories/INFUSIM-SA-2026-001-tls.json'))} } }
  - { at: 90m, fault: rogue-client, target: unit:ward, args: { command: "PAUSE" } }
outcome: violation
`;
    const { trace, result } = await runScenario(parseScenarioText(text, join(tmpdir(), 'controls.yaml')), transport === 'mqtt' ? { transport: { kind: 'mqtt', brokerPlacement: 'in-process' } } : {});
    expect(result.advisory?.mitigated.map((m) => m.pumpId)).toEqual(['legacy-1', 'legacy-2']);
    const reached = trace.records.filter((r) => r.kind === 'command' && r.source === 'rogue').map((r) => `${r.tMs < 3_600_000 ? 'before' : 'after'} ${'pumpId' in r ? r.pumpId : ''}`);
    expect(reached.sort()).toEqual(['before legacy-1', 'before legacy-2']);
  });
});
