/**
 * The slice rule of docs/scale.md: pump i (fleet order, from 0) is in shard (i mod N) + 1.
 * Hand-worked: 7 pumps u-1..u-7 in 3 shards:
 *   shard 1: i = 0, 3, 6 -> u-1, u-4, u-7
 *   shard 2: i = 1, 4    -> u-2, u-5
 *   shard 3: i = 2, 5    -> u-3, u-6
 */
import { describe, expect, it } from 'vitest';
import { fleetPumps } from '../../../src/harness/scenario/fleet.js';
import { parseShard, shardOf } from '../../../src/harness/scenario/shard.js';
import { ward } from '../run/helpers.js';

describe('pump shards', () => {
  it('slices 7 pumps into 3 shards round robin, as worked by hand', () => {
    const fleet = fleetPumps(ward({ name: 'shards', pumps: 7, duration: '10m' }).scenario).map((p) => p.id);
    expect(fleet).toEqual(['u-1', 'u-2', 'u-3', 'u-4', 'u-5', 'u-6', 'u-7']);
    expect(shardOf(fleet, { k: 1, n: 3 })).toEqual(['u-1', 'u-4', 'u-7']);
    expect(shardOf(fleet, { k: 2, n: 3 })).toEqual(['u-2', 'u-5']);
    expect(shardOf(fleet, { k: 3, n: 3 })).toEqual(['u-3', 'u-6']);
    expect(shardOf(fleet, { k: 1, n: 1 })).toEqual(fleet);
  });

  it('parses k/N and says why a bad one is refused', () => {
    expect(parseShard('2/4')).toEqual({ k: 2, n: 4 });
    expect(parseShard('5/4')).toMatch(/k is 1\.\.N/);
    expect(parseShard('0/4')).toMatch(/k is 1\.\.N/);
    expect(parseShard('1/0')).toMatch(/N is 1\.\./);
    expect(parseShard('2')).toMatch(/is k\/N/);
    expect(parseShard('a/b')).toMatch(/is k\/N/);
  });
});
