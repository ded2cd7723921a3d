/**
 * Issue 20: the runner's work per pump stays flat as the fleet grows. Wall time is never asserted
 * (a loaded machine); the work is counted instead: every element an array scan may visit (find,
 * filter, indexOf, some, ...: the array's length at each call). A scan of the fleet made for each
 * pump (the unit series once searched the fleet for every pump at every sample) makes that count
 * per pump grow with the fleet; indexes keep it flat.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { defineScenario, runScenario, type ScenarioInput } from '../../../src/index.js';

const SCANS = ['find', 'findIndex', 'findLast', 'findLastIndex', 'filter', 'indexOf', 'lastIndexOf', 'includes', 'some', 'every'] as const;
type Scan = (typeof SCANS)[number];
const originals = new Map<Scan, unknown>();

/** Count the elements every array scan may visit while `run` goes. */
async function scanWork(run: () => Promise<unknown>): Promise<number> {
  let visited = 0;
  for (const name of SCANS) {
    const orig = (Array.prototype as unknown as Record<Scan, (this: unknown[], ...a: unknown[]) => unknown>)[name];
    originals.set(name, orig);
    Object.defineProperty(Array.prototype, name, {
      configurable: true,
      writable: true,
      value: function (this: unknown[], ...a: unknown[]) {
        visited += this.length;
        return orig.apply(this, a);
      },
    });
  }
  try {
    await run();
  } finally {
    restore();
  }
  return visited;
}

function restore(): void {
  for (const [name, orig] of originals) Object.defineProperty(Array.prototype, name, { configurable: true, writable: true, value: orig });
  originals.clear();
}

afterEach(restore);

/** A hospital morning: two units with generated activity, faults on a fraction of a unit and on a segment. */
function hospital(pumps: number): ScenarioInput {
  const half = Math.round(pumps / 2);
  return {
    name: 'scaling',
    seed: 2020,
    duration: '3h',
    site: {
      segments: [{ id: 's' }, { id: 't' }],
      units: [
        { id: 'u', careArea: 'icu', segment: 's', pumps: [{ type: 'lvp', count: half - Math.round(half / 3) }, { type: 'syringe', count: Math.round(half / 3) }], patients: {} },
        { id: 'v', careArea: 'medsurg', segment: 't', pumps: [{ type: 'lvp', count: pumps - half }], patients: {} },
      ],
    },
    link: { latency: '15ms', jitter: '10ms', loss: 0.001 },
    timeline: [
      { at: '30m', fault: 'partition', target: 'unit:u', fraction: 0.2, end: '50m' },
      { at: '1h', fault: 'loss', target: 'segment:t', args: { rate: 0.2, burst: true }, end: '1h30m' },
      { at: '2h', fault: 'occlusion', target: 'unit:v', fraction: 0.1, end: '2h10m' },
    ],
    expect: [{ check: 'no-infusion-interrupted' }, { check: 'events-exactly-once' }],
  };
}

describe('cost per pump as the fleet grows (issue 20)', () => {
  it('array scans per pump at 160 pumps stay within 1.3x of those at 40 pumps', async () => {
    const perPump: number[] = [];
    for (const n of [40, 160]) {
      const work = await scanWork(() => runScenario(defineScenario(hospital(n))));
      perPump.push(work / n);
    }
    const [small, large] = perPump as [number, number];
    expect(large / small, `elements scanned per pump: ${small.toFixed(0)} at 40 pumps, ${large.toFixed(0)} at 160`).toBeLessThan(1.3);
  });
});

describe('a run that keeps no trace in memory (issue 20)', () => {
  it.each(['legacy-rogue-client.yaml', 'battery-failover.yaml', 'occlusion-drill.yaml'])('%s: the same result, violations with their context, expectations and lines', async (file) => {
    const { loadScenarioFile } = await import('../../../src/harness/scenario/load.js');
    const loaded = loadScenarioFile(`scenarios/${file}`);
    const kept = await runScenario(loaded);
    const lines: string[] = [];
    const streamed = await runScenario(loaded, { keepTrace: false, onTraceLine: (l) => lines.push(l) });
    expect(streamed.trace.records).toEqual([]);
    expect(streamed.gateway.record).toEqual([]);
    expect(kept.trace.records.length).toBeGreaterThan(0);
    expect(`${lines.join('\n')}\n`).toBe(kept.trace.toText());
    const { wallMs: _a, ...a } = kept.result;
    const { wallMs: _b, ...b } = streamed.result;
    expect(b).toEqual(a);
  });
});
