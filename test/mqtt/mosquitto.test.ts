/**
 * A mosquitto process of the test's own (mosquitto.ts) is only ready when the port answers and the
 * listener is that mosquitto: a port picked as free and taken by another server before mosquitto
 * binds it must not be mistaken for the broker (a TLS server there resets an MQTT client).
 */
import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateCredentials } from '../../src/harness/mqtt/credentials.js';
import { MosquittoProcess } from '../../src/harness/mqtt/mosquitto.js';
import { listensOn } from '../../src/harness/mqtt/portOwner.js';
import { mosquittoBin } from './targets.js';

describe('who listens on a port', () => {
  let server: Server;
  let port = 0;
  beforeAll(async () => {
    server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const a = server.address();
    port = typeof a === 'object' && a ? a.port : 0;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('this process on its own server\'s port, not on a port nobody listens on', () => {
    expect(listensOn(process.pid, port)).toBe(true);
    const closedPort = port === 65535 ? port - 1 : port + 1;
    expect(listensOn(process.pid, closedPort)).toBe(false);
  });

  it.runIf(mosquittoBin !== undefined)('mosquitto on a port another server holds: a clear error, not a false start', async () => {
    const creds = generateCredentials('busy', [{ pumpId: 'p1', unit: 'icu' }]);
    await expect(MosquittoProcess.start(creds, { port })).rejects.toThrow(/address already in use|taken by another process/i);
  });
});
