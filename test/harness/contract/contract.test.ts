/**
 * The published contract (contracts/*.schema.json) is current, and what crosses the broker in a
 * run with commands (the rogue-client scenario) matches it, topic by topic.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { contractSchemas, validate } from '../../../src/harness/contract/jsonSchemas.js';
import { parseTopic, UP_LEAVES, DOWN_LEAVES, type Leaf } from '../../../src/harness/contract/topics.js';
import { runScenario } from '../../../src/harness/run/runScenario.js';
import { loadScenarioFile } from '../../../src/harness/scenario/load.js';

const LEAVES: Leaf[] = [...UP_LEAVES, ...DOWN_LEAVES];
const files = Object.fromEntries(LEAVES.map((l) => [l, JSON.parse(readFileSync(`contracts/${l}.schema.json`, 'utf8')) as Record<string, unknown>])) as Record<Leaf, Record<string, unknown>>;

describe('MQTT contract', () => {
  it('contracts/*.schema.json are generated from the zod schemas (regenerate: see docs/mqtt.md)', () => {
    expect(files).toEqual(JSON.parse(JSON.stringify(contractSchemas())));
  });

  it('the validator refuses what the contract forbids', () => {
    expect(validate(files.events, { v: 1, pumpId: 'p', seq: 1, event: { type: 'RATE', tMs: 0, rateMlPerH: 1 } })).toEqual([]);
    expect(validate(files.events, { v: 1, pumpId: 'p', seq: 0, event: { type: 'RATE', tMs: 0, rateMlPerH: 1 } })).not.toEqual([]);
    expect(validate(files.events, { v: 1, pumpId: 'p', seq: 1, event: { type: 'RATE', tMs: 0 } })).not.toEqual([]);
    expect(validate(files.cmd, { v: 1, pumpId: 'p', envelope: { pumpId: 'p', counter: 1, issuedMs: 0, expiresMs: 1, command: 'PAUSE' }, from: 'gateway', extra: 1 })).not.toEqual([]);
  });

  it('every payload of a run over the embedded broker matches its topic\'s schema', async () => {
    const wire: { leaf: Leaf; json: unknown }[] = [];
    const run = await runScenario(loadScenarioFile('scenarios/rogue-client.yaml'), {
      transport: {
        kind: 'mqtt',
        onWire: (topic, payload) => {
          const t = parseTopic(topic);
          if (t) wire.push({ leaf: t.leaf, json: JSON.parse(payload.toString()) as unknown });
        },
      },
    });
    const seen = new Set(wire.map((w) => w.leaf));
    expect([...seen].sort()).toEqual([...LEAVES].sort());
    const bad = wire.map((w) => ({ leaf: w.leaf, errors: validate(files[w.leaf], w.json) })).filter((b) => b.errors.length > 0);
    expect(bad.slice(0, 3)).toEqual([]);
    // The rogue client got nothing through the broker; no therapy changed without authority.
    expect(run.mqtt?.stats.rogueBlocked).toBeGreaterThan(0);
    expect(run.result.violations).toEqual([]);
  });
});
