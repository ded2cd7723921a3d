/**
 * The gateway: exactly-once ingest (dedupe by pump and sequence number, gaps detected and filled
 * by retransmission) and escalation of unanswered high-priority alarms (level 1 after 2 min,
 * level 2 after 5 min, unless silenced or ended first).
 */
import { describe, expect, it } from 'vitest';
import { ed25519FromSeed } from '../../../src/sim/security/remoteCommand.js';
import { ESCALATION_AFTER_MS, Gateway } from '../../../src/harness/gateway/gateway.js';
import { Network } from '../../../src/harness/link/network.js';
import type { DownMessage } from '../../../src/harness/link/messages.js';
import { runScenario, World, type PumpEvent } from '../../../src/index.js';
import { alarmsOf, infuse, MIN, recordsOf, ward } from './helpers.js';

describe('gateway ingest', () => {
  function bench() {
    const world = new World();
    const network = new Network(world, 1, { latencyMs: 10, jitterMs: 0, lossRate: 0, burstLoss: false, duplicateRate: 0, reorderRate: 0 });
    const gaps: [string, number, number][] = [];
    const dups: [string, number][] = [];
    const gateway = new Gateway(world, network, ed25519FromSeed(new Uint8Array(32)).privateKey, {
      onGap: (p, from, to) => gaps.push([p, from, to]),
      onDuplicate: (p, seq) => dups.push([p, seq]),
    });
    gateway.register('p');
    gateway.register('q');
    const acks: number[] = [];
    network.attachPump('p', 's', (m: DownMessage) => {
      if (m.kind === 'event-ack') acks.push(m.uptoSeq);
    });
    network.attachPump('q', 's', () => undefined);
    const ev = (tMs: number): PumpEvent => ({ type: 'RATE', tMs, rateMlPerH: 1 });
    const send = (pumpId: string, seq: number): void => {
      network.sendUp({ kind: 'event', pumpId, seq, event: ev(world.nowMs) });
      world.runUntil(world.nowMs + 100);
    };
    return { world, gateway, gaps, dups, acks, send };
  }

  it('dedupes by (pump, seq), detects a gap once, fills it, and acknowledges only the contiguous prefix', () => {
    const b = bench();
    b.send('p', 1);
    b.send('p', 1); // duplicate
    b.send('q', 1); // the same seq from another pump is not a duplicate
    b.send('p', 3); // gap: 2 missing
    b.send('p', 4); // the same hole: not a new gap
    b.send('p', 3); // duplicate of one held ahead
    b.send('p', 2); // the hole is filled
    expect(b.gateway.stats('p')).toMatchObject({ ingested: 4, duplicates: 2, gaps: 1, contiguousUpTo: 4 });
    expect(b.gateway.stats('q')).toMatchObject({ ingested: 1, duplicates: 0, gaps: 0, contiguousUpTo: 1 });
    expect(b.dups).toEqual([
      ['p', 1],
      ['p', 3],
    ]);
    expect(b.gaps).toEqual([['p', 2, 2]]);
    expect(b.acks).toEqual([1, 1, 1, 1, 1, 4]);
    expect(b.gateway.record.map((r) => `${r.pumpId}/${r.seq}`)).toEqual(['p/1', 'q/1', 'p/3', 'p/4', 'p/2']);
  });

  it('a second hole beyond the held-ahead events is a new gap', () => {
    const b = bench();
    b.send('p', 1);
    b.send('p', 3);
    b.send('p', 6);
    expect(b.gaps).toEqual([
      ['p', 2, 2],
      ['p', 4, 5],
    ]);
    for (const s of [2, 4, 5]) b.send('p', s);
    expect(b.gateway.stats('p')).toMatchObject({ ingested: 6, gaps: 2, contiguousUpTo: 6, duplicates: 0 });
  });

  it('in a run with loss: gaps are detected (trace ingest gap-from records) and filled by retransmission', async () => {
    const run = await runScenario(
      ward({
        pumps: 3,
        duration: '1h',
        timeline: [
          ...infuse(),
          { at: '1m', action: 'pause', every: '2m', end: '50m' },
          { at: '2m', action: 'resume', every: '2m', end: '50m' },
          { at: '1m', fault: 'loss', args: { rate: 0.3 }, end: '50m' },
          { at: '1m', fault: 'duplicate', args: { rate: 0.2 }, end: '50m' },
        ],
      }),
    );
    const n = run.result.network;
    expect(n.gapsDetected).toBeGreaterThan(0);
    expect(n.duplicatesDropped).toBeGreaterThan(0);
    expect(n.eventsMissing).toBe(0);
    const gapRecords = recordsOf(run.trace, 'ingest').filter((r) => r.gapFrom !== undefined);
    expect(gapRecords.length).toBe(n.gapsDetected);
    expect(run.trace.toText()).toMatch(/ingest u-\d seq=\d+ gap-from=\d+/);
    for (const p of run.result.pumps) expect(run.gateway.stats(p.id).contiguousUpTo).toBe(p.eventsSent);
    const keys = run.gateway.record.map((r) => `${r.pumpId}/${r.seq}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(run.result.violations).toEqual([]);
  });
});

describe('gateway escalation', () => {
  it('an unanswered high alarm goes to level 1 after 2 min and level 2 after 5 min (trace escalation records)', async () => {
    const { trace, result } = await runScenario(ward({ pumps: 2, timeline: [...infuse(), { at: '5m', fault: 'occlusion', target: 'u-1', end: '20m' }] }));
    const raised = alarmsOf(trace, 'u-1', 'OCCLUSION_DOWN')[0]!.tMs;
    expect(ESCALATION_AFTER_MS).toEqual([120_000, 300_000]);
    const esc = recordsOf(trace, 'escalation');
    expect(esc.map((r) => [r.pumpId, r.alarm, r.level, r.tMs - raised])).toEqual([
      ['u-1', 'OCCLUSION_DOWN', 1, 120_000],
      ['u-1', 'OCCLUSION_DOWN', 2, 300_000],
    ]);
    expect(trace.toText()).toContain(`escalate u-1 OCCLUSION_DOWN level=1`);
    // Not an error of the run: a drill.
    expect(result.violations).toEqual([]);
  });

  it('no escalation when the pump is silenced quickly', async () => {
    const { trace } = await runScenario(
      ward({ pumps: 1, timeline: [...infuse(), { at: '5m', fault: 'occlusion', target: 'u-1', end: '20m' }, { at: '7m', action: 'silence', target: 'u-1' }] }),
    );
    const raised = alarmsOf(trace, 'u-1', 'OCCLUSION_DOWN')[0]!.tMs;
    expect(7 * MIN - raised).toBeLessThan(120_000);
    expect(recordsOf(trace, 'escalation')).toEqual([]);
  });

  it('silenced after level 1: no level 2', async () => {
    const { trace } = await runScenario(
      ward({ pumps: 1, timeline: [...infuse(), { at: '5m', fault: 'occlusion', target: 'u-1', end: '20m' }, { at: '10m', action: 'silence', target: 'u-1' }] }),
    );
    expect(recordsOf(trace, 'escalation').map((r) => r.level)).toEqual([1]);
  });

  it('no escalation when the alarm ends first (a door closed within a minute), nor for low or medium alarms', async () => {
    const { trace } = await runScenario(
      ward({
        pumps: 2,
        timeline: [
          ...infuse('u-1'),
          { at: '5m', fault: 'door-open', target: 'u-1', end: '6m' },
          // Programmed and never started: the medium CALLBACK alarm; cut off: the low COMM_LOST.
          { at: '5m', action: 'program', target: 'u-2', args: { rate: 50, vtbi: 100 } },
          { at: '5m', fault: 'partition', target: 'u-2', end: '20m' },
        ],
      }),
    );
    expect(alarmsOf(trace, 'u-2').map((a) => a.id).sort()).toEqual(['CALLBACK', 'COMM_LOST']);
    expect(recordsOf(trace, 'escalation')).toEqual([]);
  });
});
