/** Protocol-level helpers for the issue 12 regression tests (test/sim/issue12.*.test.ts). */
import { expect } from 'vitest';
import { makeSession } from './helpers.js';

export type Session = ReturnType<typeof makeSession>;

/** Send one request; insist on the reply code; return every line it produced. */
export function send(s: Session, line: string, expectReply: RegExp = / OK( |$)/): string[] {
  const out = s.feed(`${line}\n`);
  const id = line.split(' ')[0] ?? '?';
  const reply = out.filter((l) => l.startsWith(`${id} `));
  expect(reply, `${line} -> ${out.join(' | ')}`).toHaveLength(1);
  expect(reply[0], line).toMatch(expectReply);
  return out;
}

/** The STATUS reply's fields. */
export function status(s: Session): Record<string, string> {
  const line = send(s, 'st STATUS').at(-1) ?? '';
  return Object.fromEntries(line.split(' ').slice(2).map((kv) => kv.split('=') as [string, string]));
}

