/**
 * What every conformance check uses: the context (driver, device profile, seed), pass/fail/skip,
 * and the requests that assert a reply (an OK with fields, an ERR that changed nothing).
 */
import { fieldsOf, replyCode, replyId } from '../serial/link.js';
import { therapyOf, type BenchDriver, type Status } from './driver.js';
import type { CheckResult, DeviceProfile } from './types.js';

export interface ConformanceContext {
  d: BenchDriver;
  p: DeviceProfile;
  seed: number;
}

export class CheckFailed extends Error {}
export class CheckSkipped extends Error {}

export function expect(cond: unknown, msg: string): asserts cond {
  if (!cond) throw new CheckFailed(msg);
}
export function skip(msg: string): never {
  throw new CheckSkipped(msg);
}

export const near = (a: number, b: number, tol: number): boolean => Math.abs(a - b) <= tol;

export interface Check {
  name: string;
  run(c: ConformanceContext): Promise<string>;
}

export async function okReply(c: ConformanceContext, text: string, want: Record<string, string> = {}): Promise<{ reply: string; lines: string[] }> {
  const r = await c.d.req(text);
  expect(replyCode(r.reply) === 'OK', `${text} -> ${r.reply}`);
  const f = fieldsOf(r.reply);
  for (const [k, v] of Object.entries(want)) expect(f[k] === v || (Number.isFinite(Number(v)) && Number(f[k]) === Number(v)), `${text} -> ${r.reply}; expected ${k}=${v}`);
  return r;
}

/** Send a request that must be refused with `code`; the therapy must be as before. */
export async function refused(c: ConformanceContext, text: string, code: string): Promise<string> {
  const before = await c.d.status();
  const r = await c.d.ask(text);
  expect(replyCode(r) === code, `${text} -> ${r}; expected ERR ${code}`);
  await unchanged(c, before);
  return r;
}

export async function unchanged(c: ConformanceContext, before: Status): Promise<void> {
  const after = await c.d.status();
  // In real time the volume moves on its own; the rest of the therapy must not.
  const withVi = c.p.clock === 'virtual';
  expect(therapyOf(after, withVi) === therapyOf(before, withVi), `therapy changed: before ${therapyOf(before, withVi)}, after ${therapyOf(after, withVi)}`);
  if (c.p.clock === 'virtual') expect(after.t === before.t, `time moved without TICK: ${before.t} -> ${after.t}`);
}

/** Raw lines, then a PING: every reply before the PING's must be an ERR with one of `codes`. */
export async function rawRefused(c: ConformanceContext, data: Buffer, expectedReplies: number, codes: readonly string[]): Promise<string> {
  // In real time a running program changes on its own (a bolus ends...): test from a still pump.
  if (c.p.clock === 'real') await c.d.reset(c.p.area);
  const before = await c.d.status();
  let lines: string[] = [];
  if (c.p.rxBufferBytes === undefined) lines = await c.d.rawThenSync(data);
  else {
    // No flow control on the device: one bad line at a time, each followed by its PING.
    let start = 0;
    while (start < data.length) {
      let end = data.indexOf(0x0a, start);
      if (end < 0) end = data.length;
      lines.push(...(await c.d.rawThenSync(data.subarray(start, end))));
      start = end + 1;
    }
  }
  const replies = lines.filter((l) => replyId(l) !== undefined);
  const bad = replies.filter((l) => !codes.includes(replyCode(l)));
  expect(bad.length === 0, `unexpected replies: ${bad.slice(0, 3).join(' | ')}`);
  expect(replies.length === expectedReplies, `${replies.length} replies to ${expectedReplies} bad lines`);
  await unchanged(c, before);
  const seen = [...new Set(replies.map(replyCode))].join(',');
  return `${expectedReplies} lines answered ERR ${seen}; therapy unchanged`;
}

export function hasEvent(lines: string[], re: RegExp): boolean {
  return lines.some((l) => l.startsWith('! ') && re.test(l));
}

export async function needVirtual(c: ConformanceContext): Promise<void> {
  if (c.p.clock !== 'virtual') skip('clock=real: needs TICK');
  await Promise.resolve();
}

export interface DrugPick {
  id: string;
  extra: string;
  softHi: number;
  hardHi: number;
}

/** A drug of the area with an upper soft limit below an upper hard limit (for the limit checks). */
export async function findLimitedDrug(c: ConformanceContext): Promise<DrugPick | undefined> {
  const area = fieldsOf(await c.d.ask(`AREA id=${c.p.area}`));
  const n = Math.min(Number(area.drugs ?? 0), 40);
  for (let i = 0; i < n; i++) {
    const f = fieldsOf(await c.d.ask(`DRUG idx=${i}`));
    const unit = f.unit ?? '';
    if (unit.includes('m2')) continue;
    // A limit the library does not set is `none` (docs/protocol.md, DRUG); older devices print `-`.
    const soft = /^(-|none|[\d.]+)-(-|none|[\d.]+)$/.exec(f.soft ?? '');
    const hard = /^(-|none|[\d.]+)-(-|none|[\d.]+)$/.exec(f.hard ?? '');
    const unset = (x: string | undefined): boolean => x === '-' || x === 'none';
    if (!soft || !hard || unset(soft[2]) || unset(hard[2])) continue;
    const softHi = Number(soft[2]);
    const hardHi = Number(hard[2]);
    if (!(softHi > 0 && hardHi > softHi * 1.05)) continue;
    return { id: f.id ?? '', extra: unit.includes('/kg') ? ' weight=70' : '', softHi, hardHi };
  }
  return undefined;
}

export const PCA_PROGRAM = 'PROGRAM mode=pca basal=1 demand=1 lockout=5 limit=1 window=1 vtbi=50';

export async function runCheck(check: Check, c: ConformanceContext): Promise<CheckResult> {
  try {
    const detail = await check.run(c);
    return { name: check.name, status: 'PASS', detail };
  } catch (e) {
    if (e instanceof CheckSkipped) return { name: check.name, status: 'SKIP', detail: e.message };
    return { name: check.name, status: 'FAIL', detail: (e as Error).message };
  }
}
