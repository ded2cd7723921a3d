/** Targets and selection (docs/scenarios.md, "Targets", "The timeline"): who an entry acts on, and when. */
import { describe, expect, it } from 'vitest';
import { defineScenario, runScenario, type ScenarioInput, type Trace } from '../../../src/index.js';
import { commandsOf, MIN, recordsOf, type Timeline } from './helpers.js';

/** u-1, u-2 (lvp), syr-1 (syringe, firmware 2.1.0) in unit u on segment s; v-1, v-2 (lvp) in unit v on segment t. */
function fleet(timeline: Timeline, seed = 99, duration = '1h'): ScenarioInput {
  return {
    name: 'targets',
    seed,
    duration,
    site: {
      segments: [{ id: 's' }, { id: 't' }],
      units: [
        { id: 'u', careArea: 'icu', segment: 's', pumps: [{ type: 'lvp', count: 2 }, { type: 'syringe', count: 1, prefix: 'syr', firmware: '2.1.0' }], nurse: { respond: false } },
        { id: 'v', careArea: 'medsurg', segment: 't', pumps: [{ type: 'lvp', count: 2 }], nurse: { respond: false } },
      ],
    },
    timeline,
  };
}

/** Pumps that got a nurse command at time t. */
function actedAt(trace: Trace, tMs: number): string[] {
  return commandsOf(trace)
    .filter((c) => c.tMs === tMs && c.source === 'nurse')
    .map((c) => c.pumpId);
}

function big(n: number, timeline: Timeline, seed = 5, duration = '1h'): ScenarioInput {
  return {
    name: 'selection',
    seed,
    duration,
    site: { segments: [{ id: 's' }], units: [{ id: 'w', careArea: 'icu', segment: 's', pumps: [{ type: 'lvp', count: n }], nurse: { respond: false } }] },
    timeline,
  };
}

describe('targets', () => {
  it('select a pump, pump:<id>, unit:, segment:, type:, firmware:, all and site, in fleet order', async () => {
    const targets = ['u-2', 'pump:syr-1', 'unit:v', 'segment:s', 'type:syringe', 'type:lvp', 'firmware:2.1.0', 'firmware:1.0.0', 'all', 'site'];
    const { trace } = await runScenario(defineScenario(fleet(targets.map((target, i) => ({ at: `${i + 1}m`, action: 'silence' as const, target })))));
    const got = targets.map((_, i) => actedAt(trace, (i + 1) * MIN));
    expect(got).toEqual([
      ['u-2'],
      ['syr-1'],
      ['v-1', 'v-2'],
      ['u-1', 'u-2', 'syr-1'],
      ['syr-1'],
      ['u-1', 'u-2', 'v-1', 'v-2'],
      ['syr-1'],
      ['u-1', 'u-2', 'v-1', 'v-2'],
      ['u-1', 'u-2', 'syr-1', 'v-1', 'v-2'],
      ['u-1', 'u-2', 'syr-1', 'v-1', 'v-2'],
    ]);
  });

  it('a fault records how many pumps its target selected', async () => {
    const { trace } = await runScenario(defineScenario(fleet([{ at: '1m', fault: 'door-open', target: 'type:lvp', end: '2m' }])));
    expect(recordsOf(trace, 'fault').map((f) => [f.phase, f.target, f.pumps])).toEqual([
      ['start', 'type:lvp', 4],
      ['end', 'type:lvp', 4],
    ]);
    expect(commandsOf(trace).filter((c) => c.command === 'INJECT door=open').map((c) => c.pumpId)).toEqual(['u-1', 'u-2', 'v-1', 'v-2']);
  });
});

describe('fraction', () => {
  const picked = async (seed: number, fraction: number, n = 10): Promise<string[]> => {
    const { trace } = await runScenario(defineScenario(big(n, [{ at: '1m', action: 'silence', fraction }], seed, '10m')));
    return actedAt(trace, MIN);
  };

  it('picks round(n·fraction) pumps', async () => {
    expect((await picked(5, 0.35)).length).toBe(4); // 3.5 -> 4
    expect((await picked(5, 0.25)).length).toBe(3); // 2.5 -> 3
    expect((await picked(5, 0.12)).length).toBe(1); // 1.2 -> 1
    expect((await picked(5, 0.04)).length).toBe(0); // 0.4 -> 0
    expect((await picked(5, 1)).length).toBe(10);
  });

  it('the same seed picks the same pumps; other seeds pick others', async () => {
    const a = await picked(5, 0.3);
    expect(await picked(5, 0.3)).toEqual(a);
    const others = await Promise.all([6, 7, 8, 9, 10].map((s) => picked(s, 0.3)));
    expect(others.every((o) => o.length === 3)).toBe(true);
    expect(new Set([a, ...others].map((o) => o.join(','))).size).toBeGreaterThan(1);
  });

  it('applies to faults too', async () => {
    const { trace } = await runScenario(defineScenario(big(8, [{ at: '1m', fault: 'door-open', fraction: 0.5, end: '2m' }], 3, '10m')));
    expect(recordsOf(trace, 'fault')[0]?.pumps).toBe(4);
    expect(commandsOf(trace).filter((c) => c.command === 'INJECT door=open').length).toBe(4);
  });
});

describe('spread, delay, every', () => {
  it('spread: each pump acts at `at` plus a draw in [0, spread)', async () => {
    const scenario = defineScenario(big(12, [{ at: '5m', action: 'silence', spread: '10m' }]));
    const { trace } = await runScenario(scenario);
    const times = commandsOf(trace).filter((c) => c.source === 'nurse').map((c) => c.tMs);
    expect(times.length).toBe(12);
    for (const t of times) {
      expect(t).toBeGreaterThanOrEqual(5 * MIN);
      expect(t).toBeLessThan(15 * MIN);
    }
    expect(new Set(times).size).toBeGreaterThan(6);
    // Drawn with the seed: the same run draws the same times.
    const again = await runScenario(scenario);
    expect(commandsOf(again.trace).filter((c) => c.source === 'nurse').map((c) => c.tMs)).toEqual(times);
  });

  it('delay: each pump acts after a response time drawn from [min, max]; with spread, the two add up', async () => {
    const { trace } = await runScenario(
      defineScenario(
        big(12, [
          { at: '5m', action: 'silence', target: 'w-1', delay: { min: '1m', max: '3m' } },
          { at: '5m', action: 'silence', delay: { min: '1m', max: '3m' } },
          { at: '20m', action: 'silence', spread: '5m', delay: { min: '1m', max: '2m' } },
        ]),
      ),
    );
    const nurse = commandsOf(trace).filter((c) => c.source === 'nurse');
    const first = nurse.filter((c) => c.tMs < 20 * MIN).map((c) => c.tMs);
    expect(first.length).toBe(13);
    for (const t of first) {
      expect(t).toBeGreaterThanOrEqual(6 * MIN);
      expect(t).toBeLessThanOrEqual(8 * MIN);
    }
    expect(new Set(first).size).toBeGreaterThan(6);
    const second = nurse.filter((c) => c.tMs >= 20 * MIN).map((c) => c.tMs);
    expect(second.length).toBe(12);
    for (const t of second) {
      expect(t).toBeGreaterThanOrEqual(21 * MIN);
      expect(t).toBeLessThan(27 * MIN);
    }
  });

  it('every with end: the action repeats at at, at+every, … strictly before end', async () => {
    const { trace } = await runScenario(defineScenario(big(2, [{ at: '5m', action: 'silence', every: '5m', end: '20m' }])));
    expect(commandsOf(trace, 'w-1').filter((c) => c.source === 'nurse').map((c) => c.tMs / MIN)).toEqual([5, 10, 15]);
    expect(commandsOf(trace, 'w-2').filter((c) => c.source === 'nurse').map((c) => c.tMs / MIN)).toEqual([5, 10, 15]);
  });

  // Regression: the spread draw used to be rounded, reaching at + spread.
  it('spread: the draw never reaches at + spread (even for a 1 ms spread)', async () => {
    const { trace } = await runScenario(defineScenario(big(20, [{ at: '5m', action: 'silence', spread: '1ms' }], 5, '10m')));
    const times = commandsOf(trace).filter((c) => c.source === 'nurse').map((c) => c.tMs);
    expect(times.length).toBe(20);
    for (const t of times) expect(t).toBe(5 * MIN);
  });
});
