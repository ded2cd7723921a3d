/**
 * Ports for restartable servers (src/harness/net/ports.ts): below the OS's ephemeral range, and
 * reserved across processes by a lock file naming the owner, so that nothing else takes a broker's
 * port while the broker is down.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AccessPolicy } from '../../../src/harness/broker/acl.js';
import { EmbeddedBroker } from '../../../src/harness/broker/embeddedBroker.js';
import { generateCredentials } from '../../../src/harness/broker/credentials.js';
import { ephemeralRange, LOCK_DIR, reservedRange, reservePort } from '../../../src/harness/net/ports.js';

/** Reserve in another process (tsx): prints the port, or the error. */
function reserveElsewhere(lo: number, hi: number): string {
  const code = `import { reservePort } from './src/harness/net/ports.ts';\nreservePort('127.0.0.1', new Set(), { lo: ${lo}, hi: ${hi} }).then((r) => console.log('port', r.port), (e) => console.log('error', e.message));`;
  return execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { encoding: 'utf8', timeout: 60_000 }).trim();
}

describe('reserved ports', () => {
  it('lie below the ephemeral range the OS draws listen(0) and outgoing connections from', async () => {
    // The range as Linux states it, read here independently of the code under test.
    const text = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    expect(ephemeralRange()).toEqual({ lo: text[0], hi: text[1] });
    const r = await reservePort();
    try {
      expect(r.port).toBeLessThan(text[0]!);
      expect(r.port).toBeGreaterThan(1024);
      expect(readFileSync(join(LOCK_DIR, String(r.port)), 'utf8')).toBe(String(process.pid));
    } finally {
      r.release();
    }
  });

  it('a port held here is not given to another process until it is released', async () => {
    const { lo } = reservedRange();
    const mine = await reservePort('127.0.0.1', new Set(), { lo, hi: lo + 199 });
    const one = { lo: mine.port, hi: mine.port };
    expect(reserveElsewhere(one.lo, one.hi)).toMatch(/^error no free port to reserve/);
    mine.release();
    expect(reserveElsewhere(one.lo, one.hi)).toBe(`port ${mine.port}`);
  });

  it('the lock of a process that is gone is taken over', async () => {
    const dead = spawnSync('true').pid!;
    const { lo } = reservedRange();
    let port = lo + 300;
    // A port with no lock yet, and no listener.
    const r0 = await reservePort('127.0.0.1', new Set(), { lo: port, hi: port + 99 });
    port = r0.port;
    r0.release();
    mkdirSync(LOCK_DIR, { recursive: true });
    writeFileSync(join(LOCK_DIR, String(port)), String(dead));
    const r = await reservePort('127.0.0.1', new Set(), { lo: port, hi: port });
    expect(r.port).toBe(port);
    expect(readFileSync(join(LOCK_DIR, String(port)), 'utf8')).toBe(String(process.pid));
    r.release();
  });

  it('a port somebody listens on is skipped', async () => {
    const { lo } = reservedRange();
    const r = await reservePort('127.0.0.1', new Set(), { lo: lo + 500, hi: lo + 599 });
    const b = new EmbeddedBroker(new AccessPolicy(generateCredentials('s', [])));
    await b.start(r.port); // listens without the lock: as a foreign process would
    r.release();
    try {
      await expect(reservePort('127.0.0.1', new Set(), { lo: r.port, hi: r.port })).rejects.toThrow(/no free port/);
    } finally {
      await b.close();
    }
  });

  it('an embedded broker restarts on its port while clients hammer it with connection attempts', async () => {
    const b = new EmbeddedBroker(new AccessPolicy(generateCredentials('s', [])));
    await b.start();
    const port = b.port;
    expect(port).toBeLessThan(ephemeralRange().lo);
    for (let round = 0; round < 3; round++) {
      await b.stop();
      // 300 connection attempts to the closed port from this process: on loopback, any of them could
      // be handed the port as its local port if it lay in the ephemeral range.
      await Promise.all(
        Array.from({ length: 300 }, () => new Promise<void>((resolve) => {
          const s = connect(port, '127.0.0.1');
          s.once('error', () => resolve());
          s.once('connect', () => {
            s.destroy();
            resolve();
          });
        })),
      );
      await b.start();
      expect(b.port).toBe(port);
    }
    await b.close();
  });
});
