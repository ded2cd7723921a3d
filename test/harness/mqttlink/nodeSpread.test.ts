/**
 * Pumps spread over a cluster's nodes (docs/scale.md): pump i of the fleet has node i mod N as its
 * home and the other nodes as its failover list, in turn from the one floor(i / N) places after the
 * next (a dead node's pumps spread over the survivors); the gateway starts at node 0; `--broker` with
 * several URLs names an external cluster.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { credentialsToJson, generateCredentials } from '../../../src/harness/broker/credentials.js';
import { parseBrokerUrl, transportFromFlags } from '../../../src/harness/cli/mqttOptions.js';
import { nodeServers, nodeUpstreams } from '../../../src/harness/mqttlink/nodeSpread.js';

const URLS = ['mqtt://127.0.0.1:1001', 'mqtt://127.0.0.1:1002', 'mqtts://10.0.0.3:8883'];
const creds = generateCredentials('site', ['p0', 'p1', 'p2', 'p3', 'p4'].map((pumpId) => ({ pumpId, unit: 'u' })));

describe('spreading pumps over the nodes of a cluster', () => {
  it('gives pump i node i mod 3 first, then the other nodes in turn, the turn rotated by floor(i / 3); the gateway node 0 first', () => {
    const servers = nodeServers(URLS, creds);
    const ports = (id: string): number[] | undefined => servers?.(creds.pumps.get(id)!)?.map((s) => s.port);
    expect(['p0', 'p1', 'p2', 'p3', 'p4'].map(ports)).toEqual([
      [1001, 1002, 8883],
      [1002, 8883, 1001],
      [8883, 1001, 1002],
      [1001, 8883, 1002],
      [1002, 1001, 8883],
    ]);
    expect(servers?.(creds.pumps.get('p2')!)?.[0]).toEqual({ host: '10.0.0.3', port: 8883, protocol: 'mqtts' });
    expect(servers?.(creds.gateway)?.map((s) => s.port)).toEqual([1001, 1002, 8883]);
    expect(servers?.(creds.observer)).toBeUndefined();
    // The link proxy's upstreams for a pump: the same order, as URLs.
    expect(nodeUpstreams(URLS, creds)?.('p4')).toEqual([URLS[1], URLS[0], URLS[2]]);
    // Node 0 dies: of its pumps (0, 3, 6, 9, ...), every other one goes to node 1, the others to node 2.
    const many = generateCredentials('site', Array.from({ length: 12 }, (_, i) => ({ pumpId: `q${i}`, unit: 'u' })));
    const spread = nodeServers(URLS, many);
    const failover = [0, 3, 6, 9].map((i) => spread?.(many.pumps.get(`q${i}`)!)?.[1]?.port);
    expect(failover).toEqual([1002, 8883, 1002, 8883]);
  });

  it('leaves a single broker alone', () => {
    expect(nodeServers([URLS[0]!], creds)).toBeUndefined();
    expect(nodeServers(undefined, creds)).toBeUndefined();
  });

  it('reads an external cluster from --broker url1,url2', () => {
    const dir = mkdtempSync(join(tmpdir(), 'infusim-spread-'));
    try {
      const file = join(dir, 'credentials.json');
      writeFileSync(file, credentialsToJson(creds), { mode: 0o600 });
      const t = transportFromFlags({ broker: `${URLS[0]}, ${URLS[1]}`, credentials: file });
      expect(t).toMatchObject({ kind: 'mqtt', brokerUrl: URLS[0], brokerUrls: [URLS[0], URLS[1]] });
      expect(() => parseBrokerUrl(`${URLS[0]},tcp://x:1`)).toThrow(/mqtt:\/\/ or mqtts:\/\/ \(got "tcp:\/\/"\)/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
