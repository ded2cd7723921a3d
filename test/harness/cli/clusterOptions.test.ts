/**
 * The cluster flags of `infusim run` (docs/scale.md): --broker-nodes N, --redis URL, --kill-node
 * k@time. Bad values are refused with the reason before anything starts.
 */
import { describe, expect, it } from 'vitest';
import { applyClusterFlags, parseBrokerNodes, parseNodeKill, parseRedisUrl } from '../../../src/harness/cli/clusterOptions.js';
import type { MqttTransport } from '../../../src/harness/mqttlink/transport.js';

const MIN = 60_000;

describe('the cluster flags', () => {
  it('read node@time kills (repeatable), node counts and Redis URLs', () => {
    expect(parseNodeKill('1@30m')).toEqual([{ node: 1, atMs: 30 * MIN }]);
    expect(parseNodeKill('0@1h', [{ node: 1, atMs: 30 * MIN }])).toEqual([{ node: 1, atMs: 30 * MIN }, { node: 0, atMs: 60 * MIN }]);
    expect(() => parseNodeKill('1')).toThrow(/--kill-node is node@time, e\.g\. 1@30m \(got "1"\)/);
    expect(() => parseNodeKill('x@30m')).toThrow(/node@time/);
    expect(parseBrokerNodes('3')).toBe(3);
    expect(() => parseBrokerNodes('0')).toThrow(/1\.\.16 broker nodes \(got "0"\)/);
    expect(() => parseBrokerNodes('2.5')).toThrow(/got "2\.5"/);
    expect(parseRedisUrl('redis://127.0.0.1:6380/2')).toBe('redis://127.0.0.1:6380/2');
    expect(() => parseRedisUrl('http://127.0.0.1:6379')).toThrow(/--redis is a URL like redis:\/\/127\.0\.0\.1:6379/);
  });

  it('put a cluster on the transport, or say what is wrong', () => {
    const t: MqttTransport = { kind: 'mqtt' };
    expect(applyClusterFlags({ brokerNodes: 2, redis: 'redis://127.0.0.1:6379', killNode: [{ node: 1, atMs: MIN }] }, t)).toBeUndefined();
    expect(t).toMatchObject({ brokerNodes: 2, redisUrl: 'redis://127.0.0.1:6379', nodeKills: [{ node: 1, atMs: MIN }] });
    const refused = (f: Parameters<typeof applyClusterFlags>[0]): string | undefined => applyClusterFlags(f, { kind: 'mqtt' });
    expect(refused({ brokerNodes: 2, killNode: [{ node: 2, atMs: MIN }], redis: 'redis://h:1' })).toBe('--kill-node 2@...: the cluster has nodes 0..1');
    expect(refused({ killNode: [{ node: 0, atMs: MIN }] })).toMatch(/start one with --broker-nodes N/);
    expect(refused({ redis: 'redis://h:1' })).toMatch(/--redis goes with --broker-nodes N/);
    expect(refused({ brokerNodes: 2, broker: 'mqtt://h:1883' })).toMatch(/one or the other/);
    expect(refused({ brokerNodes: 2, mosquitto: true })).toMatch(/one or the other/);
    expect(refused({ brokerNodes: 2, brokerPort: 1883 })).toMatch(/--broker-port is for a single broker/);
  });
});
