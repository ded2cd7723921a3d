/**
 * Pump shards (docs/scale.md, "Pump shards"): a deterministic slice of a scenario's pumps, so the
 * fleet can run in several processes or on several hosts (`infusim fleet --shard k/N`, `infusim
 * run --workers N`). The rule: pump i of the scenario's fleet order (fleet.ts, counted from 0) is
 * in shard (i mod N) + 1. Round robin, so every shard gets pumps of every unit and type, and
 * shard sizes differ by at most one.
 */

/** Shard k of N, k counted from 1. */
export interface Shard {
  k: number;
  n: number;
}

/** At most this many shards (a pump process per shard; the open-file budget of docs/scale.md). */
export const MAX_SHARDS = 1000;

/** `k/N` as a Shard, or why it is not one (1 ≤ k ≤ N ≤ MAX_SHARDS, whole numbers). */
export function parseShard(text: string): Shard | string {
  const m = /^(\d{1,9})\/(\d{1,9})$/.exec(text.trim());
  if (!m) return `--shard is k/N, shard k of N counted from 1, e.g. 2/4 (got "${text}")`;
  const k = Number(m[1]);
  const n = Number(m[2]);
  if (n < 1 || n > MAX_SHARDS) return `--shard ${text}: N is 1..${MAX_SHARDS}`;
  if (k < 1 || k > n) return `--shard ${text}: k is 1..N (shards are counted from 1)`;
  return { k, n };
}

/** Whether pump `index` (0-based, fleet order) is in the shard. */
export function inShard(index: number, s: Shard): boolean {
  return index % s.n === s.k - 1;
}

/** The shard's pumps, in fleet order. */
export function shardOf<T>(fleet: readonly T[], s: Shard): T[] {
  return fleet.filter((_, i) => inShard(i, s));
}
