/**
 * The lines around a violation (issue 20: built while the trace is written, so the trace need not
 * be kept). Oracle: the plain reading of the rule, a search of the whole kept trace backwards and
 * forwards from the violation's first record (up to 6 related records before, 2 after, each
 * within 5,000 records; related to a pump's violation: its records, faults and network changes;
 * to a global one: every record).
 */
import { describe, expect, it } from 'vitest';
import { Prng } from '../../../src/sim/time/prng.js';
import { formatTraceRecord, Trace, type TraceRecord } from '../../../src/harness/trace/trace.js';
import { ViolationContexts } from '../../../src/harness/trace/violationContext.js';

function bySearch(recs: readonly TraceRecord[], v: { tMs: number; rule: string; pumpId?: string | undefined }): string[] {
  const i = recs.findIndex((r) => r.kind === 'violation' && r.tMs === v.tMs && r.rule === v.rule && r.pumpId === v.pumpId);
  if (i < 0) return [];
  const related = (r: TraceRecord): boolean => !v.pumpId || ('pumpId' in r && r.pumpId === v.pumpId) || r.kind === 'fault' || r.kind === 'net';
  const before: string[] = [];
  for (let j = i - 1; j >= 0 && before.length < 6 && i - j < 5000; j--) if (related(recs[j]!)) before.unshift(formatTraceRecord(recs[j]!));
  const after: string[] = [];
  for (let j = i + 1; j < recs.length && after.length < 2 && j - i < 5000; j++) if (related(recs[j]!)) after.push(formatTraceRecord(recs[j]!));
  return [...before, formatTraceRecord(recs[i]!), ...after];
}

/** A seeded trace: commands of many pumps, sparse faults and network changes, violations of pumps and global ones (some twins). */
function fillTrace(trace: Trace, seed: number, n: number, pumps: number): { tMs: number; rule: string; pumpId?: string | undefined }[] {
  const prng = new Prng(seed);
  const violations: { tMs: number; rule: string; pumpId?: string | undefined }[] = [];
  let t = 0;
  for (let k = 0; k < n; k++) {
    t += prng.int(0, 3);
    const pumpId = `p-${prng.int(1, pumps)}`;
    const x = prng.next();
    if (x < 0.002) trace.add({ tMs: t, kind: 'fault', fault: 'partition', phase: 'start', target: 'unit:u', pumps: 3 });
    else if (x < 0.004) trace.add({ tMs: t, kind: 'net', what: 'link-down', target: 'segment:s' });
    else if (x < 0.012) {
      const v = { tMs: t, rule: prng.next() < 0.5 ? 'rule-a' : 'rule-b', pumpId: prng.next() < 0.15 ? undefined : pumpId };
      violations.push(v);
      trace.add({ tMs: v.tMs, kind: 'violation', rule: v.rule, pumpId: v.pumpId, detail: `k=${k}` });
      if (prng.next() < 0.2) {
        violations.push(v); // the same violation twice at one instant
        trace.add({ tMs: v.tMs, kind: 'violation', rule: v.rule, pumpId: v.pumpId, detail: `twin of k=${k}` });
      }
    } else trace.add({ tMs: t, kind: 'command', pumpId, source: 'nurse', command: `STATUS ${k}`, ok: true, auth: 'local' });
  }
  return violations;
}

describe('violation context built as the trace is written', () => {
  it.each([
    [1, 3_000, 5],
    [2, 20_000, 400],
    [3, 30_000, 2],
  ])('seed %i: %i records over %i pumps, the lines a search of the kept trace finds', (seed, n, pumps) => {
    const trace = new Trace();
    const ctx = new ViolationContexts(trace);
    const violations = fillTrace(trace, seed, n, pumps);
    expect(violations.length).toBeGreaterThan(5);
    for (const v of violations) expect(ctx.of(v)).toEqual(bySearch(trace.records, v));
  });

  it('a record 5,000 or more records away is not a line of context', () => {
    const trace = new Trace();
    const ctx = new ViolationContexts(trace);
    trace.add({ tMs: 0, kind: 'command', pumpId: 'a', source: 'nurse', command: 'EARLY', ok: true, auth: 'local' });
    for (let k = 0; k < 5000; k++) trace.add({ tMs: 1, kind: 'command', pumpId: 'b', source: 'nurse', command: 'X', ok: true, auth: 'local' });
    trace.add({ tMs: 2, kind: 'violation', rule: 'r', pumpId: 'a', detail: 'd' });
    for (let k = 0; k < 4999; k++) trace.add({ tMs: 3, kind: 'command', pumpId: 'b', source: 'nurse', command: 'Y', ok: true, auth: 'local' });
    trace.add({ tMs: 4, kind: 'command', pumpId: 'a', source: 'nurse', command: 'LATE', ok: true, auth: 'local' });
    // EARLY is 5,001 records before, LATE 5,000 after: neither is in reach.
    expect(ctx.of({ tMs: 2, rule: 'r', pumpId: 'a' })).toEqual([formatTraceRecord({ tMs: 2, kind: 'violation', rule: 'r', pumpId: 'a', detail: 'd' })]);
  });

  it('works on a trace that keeps no records', () => {
    const trace = new Trace({ keep: false });
    const ctx = new ViolationContexts(trace);
    trace.add({ tMs: 0, kind: 'net', what: 'gateway-down', target: 'gateway' });
    trace.add({ tMs: 1, kind: 'violation', rule: 'r', pumpId: 'a', detail: 'd' });
    trace.add({ tMs: 2, kind: 'command', pumpId: 'a', source: 'nurse', command: 'STOP', ok: true, auth: 'local' });
    expect(trace.records).toEqual([]);
    expect(trace.size).toBe(3);
    expect(ctx.of({ tMs: 1, rule: 'r', pumpId: 'a' })).toHaveLength(3);
  });
});
