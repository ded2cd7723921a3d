/** What the reference pump expects a command to answer. */
import type { ErrorCode } from '../../src/sim/protocol/commands.js';

/**
 * A protocol error code, or NEW_CODE: any code not in today's protocol (src/sim/protocol/commands.ts
 * ERROR_CODES), for a refusal whose fix will name its own code (issue 12 item 2: "an ERR with its
 * own code"; item 6: out of service).
 */
export type RefErrorCode = ErrorCode | 'NEW_CODE';

export type RefReply =
  | { ok: true; rateMlPerH?: number; volumeMl?: number; n?: number; exact?: Readonly<Record<string, string>>; approx?: Readonly<Record<string, readonly [number, number]>> }
  /** `codes` lists the codes accepted: one, except where the fix has not named its code yet. */
  | { ok: false; codes: readonly RefErrorCode[] };

export const refOk = (fields: { rateMlPerH?: number; volumeMl?: number; n?: number; exact?: Readonly<Record<string, string>>; approx?: Readonly<Record<string, readonly [number, number]>> } = {}): RefReply => ({ ok: true, ...fields });
export const refErr = (...codes: RefErrorCode[]): { ok: false; codes: readonly RefErrorCode[] } => ({ ok: false, codes });
export const isErr = (r: RefReply | RefRateResult): r is { ok: false; codes: readonly RefErrorCode[] } => !r.ok;

export type RefRateResult = { ok: true; rateMlPerH: number; dose?: number } | { ok: false; codes: readonly RefErrorCode[] };
