import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatJsonReport, JSON_REPORT_FORMAT, toJsonReport, writeJsonReport } from '../../../src/harness/report/json.js';
import { Trace } from '../../../src/harness/trace/trace.js';
import { syntheticResult } from './fixture.js';

/** The same object with its keys (at every depth) inserted in reverse order. */
function reversedKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(reversedKeys);
  if (v === null || typeof v !== 'object') return v;
  return Object.fromEntries(Object.entries(v).reverse().map(([k, x]) => [k, reversedKeys(x)]));
}

describe('JSON report', () => {
  it('has the format, the generator version and the whole result', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
    const report = toJsonReport(syntheticResult());
    expect(report.format).toBe(JSON_REPORT_FORMAT);
    expect(report.format).toBe('infusim-report/1');
    expect(report.generator).toEqual({ name: 'infusim', version: pkg.version });
    expect(Object.keys(report).slice(0, 3)).toEqual(['format', 'generator', 'scenario']);
    const { format: _f, generator: _g, ...rest } = report;
    expect(rest).toEqual(syntheticResult());
  });

  it('round-trips through JSON text', () => {
    const text = formatJsonReport(syntheticResult());
    expect(text.endsWith('}\n')).toBe(true);
    expect(JSON.parse(text)).toEqual(toJsonReport(syntheticResult()));
  });

  it('is deterministic: key order does not depend on how the result was built, only wallMs differs', () => {
    const a = formatJsonReport(syntheticResult());
    const b = formatJsonReport(reversedKeys(syntheticResult()) as ReturnType<typeof syntheticResult>);
    expect(b).toBe(a);
    const c = formatJsonReport({ ...syntheticResult(), wallMs: 99 });
    const cLines = c.split('\n');
    const diff = a.split('\n').flatMap((l, i) => (l === cLines[i] ? [] : [[l.trim(), cLines[i]?.trim()]]));
    expect(diff).toEqual([['"wallMs": 1234.5', '"wallMs": 99']]);
  });

  it('includes the trace when given one', () => {
    const trace = new Trace();
    trace.add({ tMs: 5, kind: 'net', what: 'link-down', target: 'seg-icu' });
    trace.add({ tMs: 9, kind: 'violation', rule: 'r', detail: 'd' });
    const report = toJsonReport(syntheticResult(), trace);
    expect(report.trace?.records).toBe(2);
    expect(report.trace?.hash).toBe(trace.digest());
    expect(report.trace?.lines[0]).toEqual({ tMs: 5, kind: 'net', what: 'link-down', target: 'seg-icu' });
    expect(toJsonReport(syntheticResult()).trace).toBeUndefined();
  });

  it('writes the file', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'infusim-json-')), 'report.json');
    writeJsonReport(path, syntheticResult());
    expect(readFileSync(path, 'utf8')).toBe(formatJsonReport(syntheticResult()));
  });
});
