/**
 * Acknowledgement MACs (src/harness/link/signedDown.ts): HMAC-SHA256 under the pump's ack key of
 * `infusim-ack/1|<pump>|<counter>|<issued>|<expires>|<text>`. Issue 20: the pump's check of an
 * acknowledgement reads the MAC the gateway computed for the same key and message instead of
 * computing it again. Oracle: node's HMAC computed here, from the message format above.
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';

/** HMACs made through node:crypto's createHmac by the code under test. */
const hmacs = vi.hoisted(() => ({ made: 0 }));
vi.mock('node:crypto', async (importOriginal) => {
  const m = await importOriginal<typeof import('node:crypto')>();
  return {
    ...m,
    createHmac: (...a: Parameters<typeof m.createHmac>) => {
      hmacs.made++;
      return m.createHmac(...a);
    },
  };
});

// The suite's workers share a module graph between test files (vitest.config.ts, isolate: false):
// signedDown.ts may already be loaded with the real node:crypto. A fresh graph for this file.
vi.resetModules();
const { AckGuard, ackMac, IssuedAck } = await import('../../../src/harness/link/signedDown.js');
const realHmac = (await vi.importActual<typeof import('node:crypto')>('node:crypto')).createHmac;

function oracle(key: Buffer, pumpId: string, f: { counter: number; issuedMs: number; expiresMs: number }, text: string): string {
  return realHmac('sha256', key).update(`infusim-ack/1|${pumpId}|${f.counter}|${f.issuedMs}|${f.expiresMs}|${text}`).digest('base64');
}

const keyA = Buffer.alloc(32, 7);
const keyB = Buffer.alloc(32, 8);

beforeEach(() => {
  hmacs.made = 0;
});

describe('acknowledgement MACs (issue 20)', () => {
  it('are HMAC-SHA256 of the message under the key, for 6,000 messages (more than the cache holds: both generations turn over) and two keys', () => {
    for (let i = 0; i < 6000; i++) {
      const f = { counter: i, issuedMs: 1000 * i, expiresMs: 1000 * i + 30_000 };
      const key = i % 2 ? keyA : keyB;
      expect(ackMac(key, `p-${i % 13}`, f, `event-ack upto=${i}`)).toBe(oracle(key, `p-${i % 13}`, f, `event-ack upto=${i}`));
    }
    // The same message under the other key: that key's MAC, not the cached one.
    const f = { counter: 5999, issuedMs: 5_999_000, expiresMs: 6_029_000 };
    expect(ackMac(keyB, 'p-6', f, 'event-ack upto=5999')).toBe(oracle(keyB, 'p-6', f, 'event-ack upto=5999'));
    expect(ackMac(keyB, 'p-6', f, 'event-ack upto=5999')).not.toBe(ackMac(keyA, 'p-6', f, 'event-ack upto=5999'));
  });

  it("the pump's check of the gateway's acknowledgement computes no second HMAC (its key is an equal buffer of its own)", () => {
    const f = { counter: 1, issuedMs: 10, expiresMs: 30_010 };
    const mac = ackMac(keyA, 'p-1', f, 'event-ack upto=3'); // the gateway
    expect(hmacs.made).toBe(1);
    const guard = new AckGuard('p-1', Buffer.from(keyA), false); // the pump, with a copy of the key
    expect(guard.check('event-ack upto=3', { ...f, mac }, 20)).toBe('accepted');
    expect(hmacs.made).toBe(1);
  });

  it('a forged MAC, or a right MAC on altered text, is still refused', () => {
    const f = { counter: 1, issuedMs: 10, expiresMs: 30_010 };
    const mac = ackMac(keyA, 'p-2', f, 'event-ack upto=3');
    const guard = new AckGuard('p-2', Buffer.from(keyA), false);
    expect(guard.check('event-ack upto=4', { ...f, mac }, 20)).toBe('bad-signature');
    expect(guard.check('event-ack upto=3', { ...f, mac: oracle(keyB, 'p-2', f, 'event-ack upto=3') }, 20)).toBe('bad-signature');
    expect(guard.check('event-ack upto=3', { ...f, mac }, 20)).toBe('accepted');
  });

  it("the gateway's acknowledgement, checked unaltered by its pump, costs no HMAC at all; on the wire it carries the MAC", () => {
    const f = { counter: 4, issuedMs: 100, expiresMs: 30_100 };
    const issued = new IssuedAck(keyA, 'p-3', f, 'event-ack upto=9'); // the gateway
    const guard = new AckGuard('p-3', Buffer.from(keyA), false); // the pump, with a copy of the key
    expect(guard.check('event-ack upto=9', issued, 200)).toBe('accepted');
    expect(hmacs.made).toBe(0);
    // Read (an MQTT link puts it on the wire): the HMAC of the documented message.
    expect(JSON.parse(JSON.stringify(issued))).toEqual({ ...f, mac: oracle(keyA, 'p-3', f, 'event-ack upto=9') });
    expect(issued.mac).toBe(oracle(keyA, 'p-3', f, 'event-ack upto=9'));
  });

  it('an issued acknowledgement that was altered, copied, or meant for another pump, key or text takes the full check', () => {
    const f = { counter: 4, issuedMs: 100, expiresMs: 30_100 };
    const issue = (key = keyA, pump = 'p-4', text = 'event-ack upto=9') => new IssuedAck(key, pump, f, text);
    const guard = () => new AckGuard('p-4', Buffer.from(keyA), false);
    expect(guard().check('event-ack upto=10', issue(), 200)).toBe('bad-signature'); // the message's text changed
    expect(guard().check('event-ack upto=9', issue(keyB), 200)).toBe('bad-signature'); // another key's
    expect(guard().check('event-ack upto=9', issue(keyA, 'p-5'), 200)).toBe('bad-signature'); // another pump's
    const forged = issue();
    forged.mac = oracle(keyB, 'p-4', f, 'event-ack upto=9');
    expect(guard().check('event-ack upto=9', forged, 200)).toBe('bad-signature'); // a MAC written over it
    const bumped = issue();
    (bumped as unknown as { counter: number }).counter = 5;
    expect(guard().check('event-ack upto=9', bumped, 200)).toBe('bad-signature'); // a field changed
    expect(guard().check('event-ack upto=9', { ...issue() }, 200)).toBe('unsigned'); // a copy of its fields only
    expect(guard().check('event-ack upto=9', { ...f, mac: issue().mac }, 200)).toBe('accepted'); // the right MAC, as from the wire
    const g = guard();
    expect(g.check('event-ack upto=9', issue(), 200)).toBe('accepted');
    expect(g.check('event-ack upto=9', issue(), 200)).toBe('replay'); // its counter used
    expect(guard().check('event-ack upto=9', issue(), 40_000)).toBe('stale');
  });
});
