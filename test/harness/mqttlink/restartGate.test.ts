/**
 * The link proxy's admission gate (restartGate.ts): while it is shut, a pump's CONNECT and what
 * follows it wait at the proxy and nothing reaches the broker; once it opens they go on, in order.
 * The broker here is a plain TCP server on a port from the OS that records what it receives.
 */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { LinkProxy } from '../../../src/harness/mqttlink/tcpProxy.js';
import { RestartGate } from '../../../src/harness/mqttlink/restartGate.js';
import { waitFor } from '../../support/waitFor.js';

/** An MQTT 3.1.1 CONNECT with a clean session and this client id (§3.1). */
function connectFrame(clientId: string): Buffer {
  const id = Buffer.from(clientId);
  const variable = Buffer.from([0x00, 0x04, 0x4d, 0x51, 0x54, 0x54, 0x04, 0x02, 0x00, 0x3c]);
  const payload = Buffer.concat([Buffer.from([id.length >> 8, id.length & 0xff]), id]);
  return Buffer.concat([Buffer.from([0x10, variable.length + payload.length]), variable, payload]);
}
const PINGREQ = Buffer.from([0xc0, 0x00]);

interface Upstream {
  server: net.Server;
  port: number;
  /** Bytes received, one entry per accepted connection, in accept order. */
  received: Buffer[];
}

async function upstream(): Promise<Upstream> {
  const received: Buffer[] = [];
  const server = net.createServer((s) => {
    const i = received.push(Buffer.alloc(0)) - 1;
    s.on('data', (d: Buffer) => (received[i] = Buffer.concat([received[i] as Buffer, d])));
    s.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const a = server.address() as net.AddressInfo;
  return { server, port: a.port, received };
}

async function client(url: string, ...frames: Buffer[]): Promise<net.Socket> {
  const u = new URL(url);
  const s = net.connect({ host: u.hostname, port: Number(u.port) });
  s.on('error', () => undefined);
  await new Promise<void>((resolve) => s.once('connect', resolve));
  for (const f of frames) s.write(f);
  return s;
}

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

describe('link proxy admission (a broker restart)', () => {
  it('holds a pump\'s connection while the gate is shut, then passes its CONNECT and the frames after it in order', async () => {
    const up = await upstream();
    cleanup.push(() => new Promise<void>((r) => up.server.close(() => r())));
    const gate = new RestartGate();
    let asked = 0;
    // The proxy asks pumpOf, then admission, for each CONNECT: only p-1 is held.
    let connecting = '';
    const proxy = new LinkProxy(
      { upstreamUrl: `mqtt://127.0.0.1:${up.port}` },
      {
        pumpOf: (clientId) => (connecting = clientId),
        onPublish: () => false,
        admission: () => {
          asked++;
          return connecting === 'p-1' ? gate.passage() : undefined;
        },
      },
    );
    await proxy.listen();
    cleanup.push(() => proxy.close());

    gate.close();
    const held = await client(proxy.url, connectFrame('p-1'), PINGREQ);
    cleanup.push(() => void held.destroy());
    await waitFor(() => asked === 1, 'the proxy to read the held CONNECT');

    // A second pump, not held, connects after it: the broker accepts connections in order, so a
    // held connection that had gone on would be the first one the broker sees.
    const probe = await client(proxy.url, connectFrame('probe'));
    cleanup.push(() => void probe.destroy());
    await waitFor(() => up.received.some((b) => b.equals(connectFrame('probe'))), 'the probe at the broker');
    expect(up.received).toEqual([connectFrame('probe')]);

    gate.open();
    const expected = Buffer.concat([connectFrame('p-1'), PINGREQ]);
    await waitFor(() => up.received.length === 2 && up.received[1]?.length === expected.length, 'the held pump at the broker');
    expect(up.received[1]).toEqual(expected);
  });

  it('an open gate gives no promise, a shut one the same promise to every connection until it opens', async () => {
    const gate = new RestartGate();
    expect(gate.passage()).toBeUndefined();
    gate.close();
    const first = gate.passage();
    gate.close();
    expect(gate.passage()).toBe(first);
    let passed = false;
    void first?.then(() => (passed = true));
    gate.open();
    await first;
    expect(passed).toBe(true);
    expect(gate.passage()).toBeUndefined();
  });
});
