/** `k@time` flags (`--kill-node`, `--kill-shard`): a whole number from `first` and a virtual time. */
import { InvalidArgumentError } from 'commander';
import { parseDurationMs } from '../scenario/duration.js';

export function parseIndexAtTime(flag: string, usage: string, first: number, text: string): { index: number; atMs: number } {
  const m = /^(\d+)@(.+)$/.exec(text);
  if (!m || Number(m[1]) < first) throw new InvalidArgumentError(`${flag} is ${usage} (got "${text}")`);
  let atMs: number;
  try {
    atMs = parseDurationMs(m[2] as string);
  } catch (e) {
    throw new InvalidArgumentError(`${flag} ${text}: ${(e as Error).message}`);
  }
  return { index: Number(m[1]), atMs };
}
