/**
 * The two attacks as faults of issue 17 item 3 (docs/monitoring.md, Attacks): a flood against the
 * broker and a malicious firmware offer. The ward (helpers.ts): u-1..u-3 on segment s, v-1, v-2 on
 * t, a link of exactly 20 ms, a baseline of 10 min, heparin running. Each expectation is worked by
 * hand from the rule's table (monitorSchema.ts defaults) and the ward.
 */
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../../src/index.js';
import { LINK_MS, MIN, monitoredWard } from './helpers.js';

const RELEASES = { releases: [{ id: 'good', version: '1.1.0', sizeBytes: 32768 }] } as never;

describe('broker-flood', () => {
  it('250 unsigned PINGs from "flooder" on s to unit u at 15m: message-flood at the 200th (max(200, floor(5 x 0) + 1)), every one refused, no pump affected, events exactly once', async () => {
    const { result, trace, gateway } = await runScenario(monitoredWard({ timeline: [{ at: '15m', fault: 'broker-flood', target: 'unit:u', args: { count: 250 } }], expect: [{ check: 'events-exactly-once' }, { check: 'no-infusion-interrupted' }] }));
    const flood = result.monitor?.alerts.filter((a) => a.kind === 'message-flood') ?? [];
    expect(flood).toEqual([expect.objectContaining({ clientId: 'flooder', segment: 's', atMs: 15 * MIN })]);
    expect(flood[0]?.detail).toMatch(/sent 200 messages/);
    expect(result.monitor?.detections).toEqual([expect.objectContaining({ attack: 'broker-flood', detected: true, timeToDetectMs: 0 })]);
    // 250 spread over 3 pumps in turn: 84, 83, 83; each refused (unsigned).
    expect(result.blastRadius).toEqual([expect.objectContaining({ attack: 'broker-flood', from: ['s'], reachable: 5, sent: 250, reached: 250, refused: 250, affected: 0 })]);
    const refusals = trace.records.filter((r) => r.kind === 'pump' && r.event.type === 'REMOTE_REFUSED');
    expect(refusals).toHaveLength(250);
    // Event latency in the flood's minute: every event ingested 20 ms after it happened, the link's
    // latency: the in-process network has no capacity to exhaust.
    const during = gateway.record.filter((e) => e.event.tMs >= 15 * MIN && e.event.tMs < 16 * MIN);
    expect(during.length).toBeGreaterThanOrEqual(250);
    expect(new Set(during.map((e) => e.receivedMs - e.event.tMs))).toEqual(new Set([LINK_MS]));
    expect(result.outcome).toBe('pass');
  });

  it('1000 spread over 4 connections (flooder-1..4, 250 each): message-flood for each at its 200th, and for each pump as its 334 or 333 refusals go up (20 ms later); 250 over 5 (50 each) stays under the per-client threshold, the flood is caught by unknown-client only', async () => {
    const four = await runScenario(monitoredWard({ timeline: [{ at: '15m', fault: 'broker-flood', target: 'unit:u', args: { count: 1000, connections: 4 } }] }));
    expect(four.result.monitor?.alerts.filter((a) => a.kind === 'message-flood').map((a) => `${a.clientId} ${a.atMs}`)).toEqual([
      ...['flooder-1', 'flooder-2', 'flooder-3', 'flooder-4'].map((c) => `${c} ${15 * MIN}`),
      ...['u-1', 'u-2', 'u-3'].map((p) => `${p} ${15 * MIN + LINK_MS}`),
    ]);
    expect(four.result.monitor?.falseAlerts).toBe(0);
    const five = await runScenario(monitoredWard({ timeline: [{ at: '15m', fault: 'broker-flood', target: 'unit:u', args: { count: 250, connections: 5 } }] }));
    const alerts = five.result.monitor?.alerts ?? [];
    expect(alerts.filter((a) => a.kind === 'message-flood')).toEqual([]);
    expect(alerts.filter((a) => a.kind === 'unknown-client').map((a) => a.clientId)).toEqual(['flooder-1', 'flooder-2', 'flooder-3', 'flooder-4', 'flooder-5']);
    expect(five.result.monitor?.detections).toEqual([expect.objectContaining({ attack: 'broker-flood', detected: true, firstKind: 'unknown-client' })]);
  });

  it('the same ward without the flood raises no message-flood', async () => {
    const { result } = await runScenario(monitoredWard({}));
    expect(result.monitor?.alerts.filter((a) => a.kind === 'message-flood')).toEqual([]);
  });
});

describe('malicious-firmware', () => {
  it('down the update path, signed by an unknown key: each of u-1..u-3 refuses it (unknown-key), keeps 1.0.0, and the monitor alerts when the refusal comes back (15m + 20 ms)', async () => {
    const { result, trace } = await runScenario(monitoredWard({ timeline: [{ at: '15m', fault: 'malicious-firmware', target: 'unit:u', args: { path: 'gateway' } }], extra: RELEASES }));
    const refused = trace.records.filter((r) => r.kind === 'pump' && r.event.type === 'UPDATE' && r.event.event.type === 'refused');
    expect(refused.map((r) => (r.kind === 'pump' && r.event.type === 'UPDATE' && r.event.event.type === 'refused' ? `${r.pumpId} ${r.event.event.reason}` : ''))).toEqual(['u-1 unknown-key', 'u-2 unknown-key', 'u-3 unknown-key']);
    expect(trace.records.some((r) => r.kind === 'pump' && r.event.type === 'UPDATE' && r.event.event.type === 'offer-accepted')).toBe(false);
    expect(result.pumps.map((p) => p.firmware)).toEqual(['1.0.0', '1.0.0', '1.0.0', '1.0.0', '1.0.0']);
    const alerts = result.monitor?.alerts.filter((a) => a.kind === 'firmware-offer') ?? [];
    expect(alerts.map((a) => `${a.pumpId} ${a.atMs}`)).toEqual(['u-1', 'u-2', 'u-3'].map((p) => `${p} ${15 * MIN + LINK_MS}`));
    expect(result.blastRadius).toEqual([expect.objectContaining({ from: ['gateway'], reachable: 5, sent: 3, reached: 3, refused: 3, affected: 0 })]);
  });

  it('straight from "rogue-updater" on s: the comms module refuses the unsigned update message; the monitor alerts as the offer is sent (15m)', async () => {
    const { result } = await runScenario(monitoredWard({ timeline: [{ at: '15m', fault: 'malicious-firmware', target: 'unit:u' }], extra: RELEASES }));
    const alerts = result.monitor?.alerts.filter((a) => a.kind === 'firmware-offer') ?? [];
    expect(alerts.map((a) => `${a.clientId} ${a.pumpId} ${a.atMs}`)).toEqual(['u-1', 'u-2', 'u-3'].map((p) => `rogue-updater ${p} ${15 * MIN}`));
    expect(result.blastRadius).toEqual([expect.objectContaining({ from: ['s'], reachable: 5, sent: 3, reached: 3, refused: 3, affected: 0 })]);
    expect(result.network.commandsRefused).toBe(3);
  });

  it('a pump whose firmware accepts unsigned images (profile accepts-unsigned-images) takes an unsigned offer down the update path: affected 1', async () => {
    const w = monitoredWard({ timeline: [{ at: '15m', fault: 'malicious-firmware', target: 'v-1', args: { path: 'gateway', signing: 'unsigned' } }], extra: RELEASES });
    const unit = w.scenario.site.units.find((u) => u.id === 'v');
    if (unit?.pumps[0]) unit.pumps[0].profile = 'accepts-unsigned-images';
    const { result } = await runScenario(w);
    expect(result.blastRadius).toEqual([expect.objectContaining({ affected: 1, affectedPumps: ['v-1'] })]);
  });
});
