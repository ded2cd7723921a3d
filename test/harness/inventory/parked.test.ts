/**
 * Parked pumps (issue 16, item 1; docs/inventory.md): while parked a pump is off the network and
 * powered off, its unit's patients and nurses leave it alone, and the inventory lists it as
 * off-network with the reason; when it comes back it is powered on, reconnected, and used again.
 * Expected values from the scenario below and docs/inventory.md ("use", "offReason").
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { inventoryAt } from '../../../src/harness/cli/inventoryAt.js';
import { runScenario } from '../../../src/harness/run/runScenario.js';
import { parseScenarioText } from '../../../src/harness/scenario/load.js';

const H = 3_600_000;

const TEXT = `name: parked
seed: 21
duration: 6h
site:
  segments: [{ id: seg-ward }]
  units:
    - id: ward
      careArea: medsurg
      segment: seg-ward
      pumps: [{ type: lvp, count: 3, firmware: 1.0.0 }]
      patients: { pcaFraction: 0, basicFraction: 1, occlusionsPerDay: 0, airPerDay: 0, doorPerDay: 0, mainsLossPerDay: 0 }
inventory:
  parked:
    - { target: ward-1, reason: storage, from: 1h, until: 3h }
    - { target: ward-2, reason: cleaning, from: 2h }
expect:
  - { check: state, target: ward-1, state: OFF, at: 2h }
  - { check: state, target: ward-2, state: OFF }
  - { check: events-exactly-once }
`;

const loaded = () => parseScenarioText(TEXT, join(tmpdir(), 'parked.yaml'));

describe('parked pumps', () => {
  it('are powered off and off the network while parked, left alone by the ward, and used again when back', async () => {
    const { result, trace } = await runScenario(loaded());
    expect(result.expectations.map((e) => `${e.passed} ${e.description}`)).toEqual(result.expectations.map((e) => `true ${e.description}`));
    const parks = trace.records.filter((r) => r.kind === 'fault' && r.fault === 'parked').map((r) => `${r.tMs / H}h ${r.kind === 'fault' ? `${r.phase} ${r.target}` : ''}`);
    expect(parks).toEqual(['1h start ward-1 reason=storage', '2h start ward-2 reason=cleaning', '3h end ward-1 reason=storage']);
    // Off the network: the gateway ingests nothing from ward-1 while it is parked (its power-off event waits in its outbox until 3h).
    const ingested = trace.records.filter((r) => r.kind === 'ingest' && r.pumpId === 'ward-1' && r.tMs > 1 * H + 60_000 && r.tMs < 3 * H);
    expect(ingested).toEqual([]);
    // Left alone: no nurse command on ward-1 while parked; it gets a new patient after it is back.
    const nurse = (from: number, to: number) => trace.records.filter((r) => r.kind === 'command' && r.pumpId === 'ward-1' && r.source === 'nurse' && r.tMs >= from && r.tMs < to);
    expect(nurse(1 * H, 3 * H)).toEqual([]);
    expect(nurse(3 * H, 6 * H).some((r) => r.kind === 'command' && r.command.startsWith('PROGRAM'))).toBe(true);
  });

  it('the inventory shows a parked pump as off the network with its reason, and back when it is back', async () => {
    const at2h = await inventoryAt(loaded(), 2 * H + 30 * 60_000);
    const use = (inv: typeof at2h) => inv.inventory.pumps.map((p) => `${p.pumpId} ${p.use} ${p.offReason}`);
    expect(use(at2h)).toEqual(['ward-1 off-network storage', 'ward-2 off-network cleaning', 'ward-3 in-use ']);
    // Off the network in fact, not only in the listing: the gateway last heard ward-1 before it was parked at 1h.
    const seen = at2h.inventory.pumps.find((p) => p.pumpId === 'ward-1')?.lastSeenMs ?? Infinity;
    expect(seen).toBeLessThanOrEqual(1 * H);
    const at5h = await inventoryAt(loaded(), 5 * H);
    expect(use(at5h).slice(0, 2)).toEqual(['ward-1 in-use ', 'ward-2 off-network cleaning']);
  });
});
