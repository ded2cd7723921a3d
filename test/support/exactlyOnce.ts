/** The exactly-once assertion block of a run: what the pumps sent, the gateway ingested once each. */
import { expect } from 'vitest';

interface RunLike {
  result: {
    network: { eventsSent: number; eventsIngested: number; eventsMissing: number };
    pumps: readonly { id: string; eventsSent: number; eventsIngested: number }[];
  };
  gateway: { record: readonly { pumpId: string; seq: number }[] };
}

/**
 * Every event reached the gateway exactly once: counted (ingested = sent over the run and for each
 * pump, none missing) and by key (no pump and sequence number twice in the gateway's own record,
 * which the harness keeps, not the pumps).
 */
export function expectExactlyOnce(run: RunLike): void {
  const n = run.result.network;
  expect(n.eventsMissing, 'events missing at the gateway').toBe(0);
  expect(n.eventsIngested, 'events ingested').toBe(n.eventsSent);
  for (const p of run.result.pumps) expect({ pump: p.id, ingested: p.eventsIngested }).toEqual({ pump: p.id, ingested: p.eventsSent });
  const keys = run.gateway.record.map((e) => `${e.pumpId}#${e.seq}`);
  expect(keys.length - new Set(keys).size, 'events ingested twice').toBe(0);
}
