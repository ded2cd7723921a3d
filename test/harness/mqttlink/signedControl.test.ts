/**
 * Issue 13, item 3: every message that changes a pump's state carries the gateway's signature,
 * counter and expiry. A client with the gateway's MQTT login but not its signing key sends
 * `UPDATE {"op":"fw-cancel"}` (no signature, counter 0, expiry 0) in the middle of a signed firmware
 * update, and an event acknowledgement for everything (`uptoSeq` 10^9): the pump refuses both
 * and counts them, and the update completes. In process and over aedes and mosquitto (the forged
 * messages go out through the gateway's own connection, i.e. with its login).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Gateway } from '../../../src/harness/gateway/gateway.js';
import { ackText } from '../../../src/harness/link/messages.js';
import { Network as InProcessNetwork, type Network } from '../../../src/harness/link/network.js';
import { PumpAgent } from '../../../src/harness/link/pumpAgent.js';
import { ackKeyFor, ackMac } from '../../../src/harness/link/signedDown.js';
import { World } from '../../../src/harness/world/world.js';
import { ed25519FromSeed, signEnvelope } from '../../../src/sim/security/remoteCommand.js';
import { generateCredentials } from '../../../src/harness/broker/credentials.js';
import { runScenario, type RunOptions } from '../../../src/harness/run/runScenario.js';
import { defineScenario } from '../../../src/harness/scenario/define.js';
import { fleetPumps } from '../../../src/harness/scenario/fleet.js';
import { commandsOf, pumpEvents } from '../run/helpers.js';
import { TARGETS } from './targets.js';

function rollout() {
  return defineScenario({
    name: 'signedctl',
    seed: 31,
    duration: '1h',
    site: { segments: [{ id: 's' }], units: [{ id: 'ward', careArea: 'medsurg', segment: 's', pumps: [{ type: 'lvp', count: 2, firmware: '1.0.0' }], nurse: { respond: false } }] },
    releases: [{ id: 'fw-110', version: '1.1.0', minVersion: '1.0.0', sizeBytes: 32768, notes: 'test' }],
    rollout: { release: 'fw-110', startAt: '5m', waves: [{ name: 'all', percent: 100 }], gates: { success: 1, error: 0.5, pumpTimeout: '30m', soak: '5m' } },
    timeline: [],
    expect: [],
  } as Parameters<typeof defineScenario>[0]);
}

afterEach(() => {
  vi.restoreAllMocks();
});

/** On the first image chunk to ward-1, the forged cancel and the forged acknowledgement go out with the gateway's login. */
function forgeAfterFirstChunk(): { forged: number } {
  const state = { forged: 0 };
  const orig = Gateway.prototype.sendUpdate;
  vi.spyOn(Gateway.prototype, 'sendUpdate').mockImplementation(function (this: Gateway, pumpId, payload) {
    orig.call(this, pumpId, payload);
    if (pumpId !== 'ward-1' || payload.op !== 'fw-chunk' || state.forged > 0) return;
    state.forged++;
    const network = (this as unknown as { network: Network }).network;
    network.sendDown({ kind: 'command', pumpId, envelope: { pumpId, counter: 0, issuedMs: 0, expiresMs: 0, command: 'UPDATE {"op":"fw-cancel"}' }, source: 'gateway' });
    network.sendDown({ kind: 'event-ack', pumpId, uptoSeq: 1e9 });
  });
  return state;
}

async function check(options: RunOptions): Promise<void> {
  const forged = forgeAfterFirstChunk();
  const { trace, result } = await runScenario(rollout(), options);
  expect(forged.forged).toBe(1);
  const abandoned = pumpEvents(trace, 'ward-1', 'UPDATE').filter((e) => e.event.type === 'abandoned');
  expect(abandoned).toEqual([]);
  // Refused, counted and in the trace; the update went through on both pumps.
  expect(commandsOf(trace, 'ward-1').filter((c) => c.command.startsWith('UPDATE')).map((c) => [c.command, c.auth, c.ok])).toEqual([['UPDATE op=fw-cancel', 'unsigned', false]]);
  expect(result.network.commandsRefused).toBe(1);
  expect(result.network.acksRefused).toBe(1);
  expect(result.pumps.map((p) => p.firmware)).toEqual(['1.1.0', '1.1.0']);
  expect(result.violations).toEqual([]);
}

describe('unsigned update control and acknowledgements (in process)', () => {
  it('a fw-cancel and an event-ack without the gateway\'s signature are refused and counted', async () => {
    await check({});
  });
});

describe.each(TARGETS)('unsigned update control and acknowledgements over MQTT ($name)', (target) => {
  (target.available ? it : it.skip)('sent with the gateway\'s login but not its key: refused and counted', async () => {
    const s = rollout().scenario;
    const creds = generateCredentials('signedctl', fleetPumps(s).map((f) => ({ pumpId: f.id, unit: f.unit, profile: f.profile })));
    const broker = await target.start(creds);
    try {
      await check({ transport: { kind: 'mqtt', brokerUrl: broker.url, credentials: creds, site: 'signedctl', brokerControl: broker.control } });
    } finally {
      await broker.close();
    }
  }, 60_000);
});

describe('an event acknowledgement lets a pump drop events only with the gateway\'s signature', () => {
  it('an unsigned one leaves the outbox as it is (counted); a signed one empties it; a used counter is refused', () => {
    const world = new World();
    const network = new InProcessNetwork(world, 1, { latencyMs: 1, jitterMs: 0, lossRate: 0, burstLoss: false, duplicateRate: 0, reorderRate: 0 });
    const keys = ed25519FromSeed(new Uint8Array(32).fill(3));
    const agent = new PumpAgent('p-1', 's', world, network, { telemetryEveryMs: 60_000, provenance: () => 'rogue', auth: { trustedKey: keys.publicKey, ackKey: ackKeyFor(keys.privateKey, 'p-1'), acceptUnauthenticated: false } }, () => undefined);
    for (let i = 0; i < 5; i++) agent.onPumpEvent({ type: 'RATE', tMs: 0, rateMlPerH: i });
    expect(agent.outboxDepth).toBe(5);
    network.sendDown({ kind: 'event-ack', pumpId: 'p-1', uptoSeq: 1e9 });
    world.runUntil(10);
    expect(agent.outboxDepth).toBe(5);
    expect(agent.acksRefused).toEqual({ unsigned: 1 });
    const signed = (counter: number, uptoSeq: number) => {
      const f = { counter, issuedMs: 10, expiresMs: 30_010 };
      return { ...f, mac: ackMac(ackKeyFor(keys.privateKey, 'p-1'), 'p-1', f, ackText({ kind: 'event-ack', uptoSeq })) };
    };
    // A Ed25519 signature of the gateway's key is not what an acknowledgement carries.
    const sig = signEnvelope({ pumpId: 'p-1', counter: 1, issuedMs: 10, expiresMs: 30_010, command: ackText({ kind: 'event-ack', uptoSeq: 5 }) }, keys.privateKey).signature;
    network.sendDown({ kind: 'event-ack', pumpId: 'p-1', uptoSeq: 5, auth: { counter: 1, issuedMs: 10, expiresMs: 30_010, mac: sig } });
    world.runUntil(15);
    expect(agent.outboxDepth).toBe(5);
    // A genuine MAC on another uptoSeq does not verify for this one.
    network.sendDown({ kind: 'event-ack', pumpId: 'p-1', uptoSeq: 5, auth: signed(1, 3) });
    world.runUntil(20);
    expect(agent.outboxDepth).toBe(5);
    network.sendDown({ kind: 'event-ack', pumpId: 'p-1', uptoSeq: 3, auth: signed(2, 3) });
    world.runUntil(30);
    expect(agent.outboxDepth).toBe(2);
    network.sendDown({ kind: 'event-ack', pumpId: 'p-1', uptoSeq: 3, auth: signed(2, 3) });
    world.runUntil(40);
    expect(agent.acksRefused).toEqual({ unsigned: 1, 'bad-signature': 2, replay: 1 });
    expect(agent.acksRefusedTotal).toBe(4);
  });
});
