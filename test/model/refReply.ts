/** What the reference pump expects a command to answer. */
import type { ErrorCode } from '../../src/sim/protocol/commands.js';

/** A protocol error code (docs/protocol.md, "Error codes"). */
export type RefErrorCode = ErrorCode;

export type RefReply =
  | { ok: true; rateMlPerH?: number; volumeMl?: number; n?: number; exact?: Readonly<Record<string, string>>; approx?: Readonly<Record<string, readonly [number, number]>>; absent?: readonly string[] }
  /** `codes` lists the codes accepted (one: the protocol names the code of every refusal the suite reaches). */
  | { ok: false; codes: readonly RefErrorCode[] };

export const refOk = (fields: { rateMlPerH?: number; volumeMl?: number; n?: number; exact?: Readonly<Record<string, string>>; approx?: Readonly<Record<string, readonly [number, number]>>; absent?: readonly string[] } = {}): RefReply => ({ ok: true, ...fields });
export const refErr = (...codes: RefErrorCode[]): { ok: false; codes: readonly RefErrorCode[] } => ({ ok: false, codes });
export const isErr = (r: RefReply | RefRateResult): r is { ok: false; codes: readonly RefErrorCode[] } => !r.ok;

export type RefRateResult = { ok: true; rateMlPerH: number; dose?: number; fields?: Readonly<Record<string, readonly [number, number]>> } | { ok: false; codes: readonly RefErrorCode[] };
