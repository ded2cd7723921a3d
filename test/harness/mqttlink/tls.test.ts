/**
 * An external broker over mqtts:// with a CA file: a TLS listener in front of a broker (here the
 * embedded aedes, provisioned with the run's credentials) and a CA made for the test with openssl.
 * Every pump and the gateway connect over TLS and verify the broker's certificate: the test CA is
 * in no system trust store, so the run only connects if the CA file is used.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect as netConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type Server } from 'node:tls';
import { afterAll, describe, expect, it } from 'vitest';
import { AccessPolicy } from '../../../src/harness/broker/acl.js';
import { EmbeddedBroker } from '../../../src/harness/broker/embeddedBroker.js';
import type { Credentials } from '../../../src/harness/broker/credentials.js';
import { runScenario } from '../../../src/harness/run/runScenario.js';
import { loadScenarioFile } from '../../../src/harness/scenario/load.js';
import { listenOnFreePort } from '../../support/ports.js';

const dir = mkdtempSync(join(tmpdir(), 'infusim-tls-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function openssl(...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
}

/** A CA and a server certificate for 127.0.0.1 signed by it. */
function makeCerts(): { ca: string; key: Buffer; cert: Buffer } {
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=infusim test CA');
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1');
  writeFileSync(join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1\n');
  openssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '2', '-extfile', 'san.ext');
  return { ca: join(dir, 'ca.pem'), key: readFileSync(join(dir, 'server.key')), cert: readFileSync(join(dir, 'server.pem')) };
}

describe('mqtts:// with a CA file', () => {
  it('runs a scenario with every connection over TLS, the broker certificate checked against the CA', async () => {
    const certs = makeCerts();
    let broker: EmbeddedBroker | undefined;
    let tlsConnections = 0;
    // TLS in front of the broker, like a hospital broker's TLS listener. No Nagle on either side
    // (as on the broker's and the link proxy's sockets): the run waits for every message of an
    // instant, and Nagle's algorithm with delayed ACKs held many of them ~40 ms.
    const front: Server = createServer({ key: certs.key, cert: certs.cert, noDelay: true }, (socket) => {
      tlsConnections++;
      const plain = netConnect({ port: broker?.port ?? 0, host: '127.0.0.1', noDelay: true });
      socket.pipe(plain).pipe(socket);
      socket.on('error', () => plain.destroy());
      plain.on('error', () => socket.destroy());
    });
    const port = await listenOnFreePort(front);
    try {
      const run = await runScenario(loadScenarioFile('scenarios/occlusion-drill.yaml'), {
        transport: {
          kind: 'mqtt',
          brokerUrl: `mqtts://127.0.0.1:${port}`,
          caFile: certs.ca,
          provision: async (creds: Credentials) => {
            broker = new EmbeddedBroker(new AccessPolicy(creds));
            await broker.start();
          },
          gatewayOutage: 'gateway',
        },
      });
      expect(run.result.outcome).toBe('pass');
      expect(run.result.network.eventsMissing).toBe(0);
      expect(tlsConnections).toBeGreaterThanOrEqual(5); // four pumps and the gateway
      // The default link (20 ms ± 5 ms) puts every pump behind the link proxy: plain TCP on
      // loopback from the pump, TLS with the run's CA from the proxy to the broker.
      expect(run.mqtt?.stats.linkProxyPumps).toBe(4);
      expect(run.mqtt?.stats.framesDelayed).toBeGreaterThan(0);
    } finally {
      await new Promise<void>((resolve) => front.close(() => resolve()));
      await broker?.close();
    }
  });

});
