/**
 * Regression: `infusim device` must send its pending replies once its peer reads again, even when
 * no more input comes. `@serialport/bindings-cpp` (13.0.x) shares one poller between reads and
 * writes and its poll replaces the awaited events with the newest one: a reply write waiting for
 * `writable` lost its wait as soon as the next read waited for `readable`, and the device stalled
 * until more input came (the fuzz test's `no reply to z9 within 120000 ms`). See
 * src/harness/serial/poller.ts.
 *
 * Deterministic: the peer writes many requests without reading, so the device's replies fill the
 * pty and its writes wait; the device reads everything and then waits for input; only then does
 * the peer read. Every reply, the last PING's included, must come.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { SerialPort } from 'serialport';
import { SerialDevice } from '../../../src/harness/serial/device.js';
import { startSocatPair, type SocatPair } from '../../../src/harness/serial/socat.js';
import { socatStatus } from './helpers.js';

const socat = socatStatus();
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function openPeer(path: string): Promise<SerialPort> {
  return new Promise((resolve, reject) => {
    const port = new SerialPort({ path, baudRate: 115_200, autoOpen: false });
    port.open((e) => (e ? reject(e) : resolve(port)));
  });
}

describe.skipIf(socat.skip)('infusim device with its replies backed up in the pty', () => {
  let pair: SocatPair | undefined;
  let device: SerialDevice | undefined;
  let peer: SerialPort | undefined;
  afterEach(async () => {
    if (peer?.isOpen) await new Promise<void>((r) => peer?.close(() => r()));
    await device?.close();
    await pair?.close();
  });

  it('sends every pending reply once the peer reads, though no more input comes', async () => {
    pair = await startSocatPair();
    device = await SerialDevice.start({ path: pair.a });
    peer = await openPeer(pair.b);
    // ~2,000 STATUS replies of ~200 bytes: far more than the ptys and socat hold.
    const requests = Array.from({ length: 2000 }, (_, i) => `s${i.toString(36)} STATUS\n`).join('') + 'zz PING\n';
    const bytes = Buffer.from(requests, 'latin1');
    // The peer does not read yet (its stream is paused).
    for (let at = 0; at < bytes.length; at += 4096) {
      await new Promise<void>((resolve, reject) => peer?.write(bytes.subarray(at, at + 4096), (e) => (e ? reject(e) : resolve())));
    }
    // Wait until the device has read every request, or until its reading stalls: on a loaded
    // machine socat can stop relaying requests while the replies it holds for the peer have no room
    // (seen at 16,384 of 22,676 bytes). Either way the device then has replies pending and, once
    // the last request is in, no more input: the case the poller must handle.
    for (let last = -1, still = 0; device.bytesIn < bytes.length && still < 50; ) {
      await sleep(100);
      still = device.bytesIn === last ? still + 1 : 0;
      last = device.bytesIn;
    }
    // Let the device's read find no more input (it now waits for input, its writes for room).
    await sleep(500);

    const lines: string[] = [];
    let rest = '';
    const sawPing = new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 120_000);
      peer?.on('data', (d: Buffer) => {
        const parts = (rest + d.toString('latin1')).split('\n');
        rest = parts.pop() ?? '';
        lines.push(...parts);
        if (parts.includes('zz OK')) {
          clearTimeout(timer);
          resolve(true);
        }
      });
    });
    const ok = await sawPing;
    const replies = lines.filter((l) => /^s\S+ OK /.test(l)).length;
    expect(ok, `no reply to zz within 120 s after the peer began to read; ${replies} of 2000 STATUS replies came, ${device.bytesIn} bytes read by the device`).toBe(true);
    expect(replies).toBe(2000);
  });
});
