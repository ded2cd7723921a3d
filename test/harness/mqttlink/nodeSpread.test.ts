/**
 * Pumps spread over a cluster's nodes (docs/scale.md): pump i of the fleet has node i mod N as its
 * home and the nodes after it as its failover list; the gateway starts at node 0; `--broker` with
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
  it('gives pump i node i mod 3 first, then the next nodes in turn; the gateway node 0 first', () => {
    const servers = nodeServers(URLS, creds);
    const ports = (id: string): number[] | undefined => servers?.(creds.pumps.get(id)!)?.map((s) => s.port);
    expect(['p0', 'p1', 'p2', 'p3', 'p4'].map(ports)).toEqual([
      [1001, 1002, 8883],
      [1002, 8883, 1001],
      [8883, 1001, 1002],
      [1001, 1002, 8883],
      [1002, 8883, 1001],
    ]);
    expect(servers?.(creds.pumps.get('p2')!)?.[0]).toEqual({ host: '10.0.0.3', port: 8883, protocol: 'mqtts' });
    expect(servers?.(creds.gateway)?.map((s) => s.port)).toEqual([1001, 1002, 8883]);
    expect(servers?.(creds.observer)).toBeUndefined();
    // The link proxy's upstreams for a pump: the same order, as URLs.
    expect(nodeUpstreams(URLS, creds)?.('p4')).toEqual([URLS[1], URLS[2], URLS[0]]);
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
