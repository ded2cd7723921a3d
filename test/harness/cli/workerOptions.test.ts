/** `--workers N`, `--kill-shard k@time` (docs/scale.md): what is refused, and why (the CLI exits 2 with it). */
import { InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import { parseShardKill, parseWorkers, workerFlagsProblem } from '../../../src/harness/cli/workerOptions.js';

describe('worker flags', () => {
  it('parses --workers and --kill-shard, refusing what is not a count or shard@time', () => {
    expect(parseWorkers('3')).toBe(3);
    for (const bad of ['0', '-1', '1.5', 'two', '1001']) expect(() => parseWorkers(bad), bad).toThrow(InvalidArgumentError);
    expect(parseShardKill('2@30m')).toEqual([{ shard: 2, atMs: 30 * 60_000 }]);
    expect(parseShardKill('1@1h', [{ shard: 2, atMs: 0 }])).toEqual([{ shard: 2, atMs: 0 }, { shard: 1, atMs: 3_600_000 }]);
    for (const bad of ['0@30m', '2', '2@soon', '@30m']) expect(() => parseShardKill(bad), bad).toThrow(InvalidArgumentError);
  });

  it('says why flags do not go together', () => {
    expect(workerFlagsProblem({ speed: 'max' })).toBeUndefined();
    expect(workerFlagsProblem({ speed: 'max', workers: 2, killShard: [{ shard: 2, atMs: 1 }] })).toBeUndefined();
    expect(workerFlagsProblem({ speed: 'max', killShard: [{ shard: 1, atMs: 1 }] })).toMatch(/--kill-shard kills a worker of --workers N/);
    expect(workerFlagsProblem({ speed: 'max', workers: 2, killShard: [{ shard: 3, atMs: 1 }] })).toMatch(/shards 1\.\.2/);
    expect(workerFlagsProblem({ speed: 10, workers: 2, killShard: [{ shard: 1, atMs: 1 }] })).toMatch(/needs --speed max/);
    expect(workerFlagsProblem({ speed: 'max', workers: 2, transport: 'inproc' })).toMatch(/needs --transport mqtt/);
    expect(workerFlagsProblem({ speed: 'max', workers: 2, html: 'r.html' })).toMatch(/--html is not supported with --workers/);
  });
});
