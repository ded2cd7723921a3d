/**
 * A pump agent's telemetry cycle (src/harness/link/pumpAgent.ts): one status message per period
 * from its start offset on, through one queue entry for the agent's life (issue 20: the TickTimer
 * is scheduled again at each tick, so it must never be in the queue twice). Expected instants by
 * hand: offset 1,000 ms, period 60,000 ms, link latency 1 ms -> statuses sent at 1,000, 61,000,
 * 121,000 and 181,000 ms, each arriving 1 ms later.
 */
import { describe, expect, it } from 'vitest';
import { Network } from '../../../src/harness/link/network.js';
import { PumpAgent } from '../../../src/harness/link/pumpAgent.js';
import type { UpMessage } from '../../../src/harness/link/messages.js';
import { ackKeyFor } from '../../../src/harness/link/signedDown.js';
import { World } from '../../../src/harness/world/world.js';
import { ed25519FromSeed } from '../../../src/sim/security/remoteCommand.js';
import { makePump } from '../../sim/helpers.js';

function agentInWorld(): { world: World; agent: PumpAgent; arrivals: { tMs: number; sentMs: number }[] } {
  const world = new World();
  const network = new Network(world, 1, { latencyMs: 1, jitterMs: 0, lossRate: 0, burstLoss: false, duplicateRate: 0, reorderRate: 0 });
  const arrivals: { tMs: number; sentMs: number }[] = [];
  network.attachGateway((m: UpMessage) => {
    if (m.kind === 'status') arrivals.push({ tMs: world.nowMs, sentMs: m.tMs });
  });
  const keys = ed25519FromSeed(new Uint8Array(32).fill(7));
  const auth = { trustedKey: keys.publicKey, ackKey: ackKeyFor(keys.privateKey, 'p-1'), acceptUnauthenticated: false };
  const agent = new PumpAgent('p-1', 's', world, network, { telemetryEveryMs: 60_000, provenance: () => 'rogue', auth }, () => undefined);
  world.addPump('p-1', makePump({ seed: 1 }));
  return { world, agent, arrivals };
}

describe('pump agent telemetry (issue 20)', () => {
  it('one status per period from the start offset', () => {
    const { world, agent, arrivals } = agentInWorld();
    agent.start(1000);
    world.runUntil(181_001);
    expect(arrivals).toEqual([
      { tMs: 1001, sentMs: 1000 },
      { tMs: 61_001, sentMs: 61_000 },
      { tMs: 121_001, sentMs: 121_000 },
      { tMs: 181_001, sentMs: 181_000 },
    ]);
  });

  it('a second start is refused and the cycle keeps its one entry and its instants', () => {
    const { world, agent, arrivals } = agentInWorld();
    agent.start(1000);
    expect(() => agent.start(5000)).toThrow(/p-1: telemetry already scheduled/);
    world.runUntil(61_001);
    expect(arrivals.map((a) => a.sentMs)).toEqual([1000, 61_000]);
  });

  it('stop ends the cycle', () => {
    const { world, agent, arrivals } = agentInWorld();
    agent.start(1000);
    world.runUntil(30_000);
    agent.stop();
    world.runUntil(200_000);
    expect(arrivals.map((a) => a.sentMs)).toEqual([1000]);
  });
});
