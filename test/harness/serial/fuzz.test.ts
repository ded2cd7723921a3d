/**
 * Fuzz `infusim device` over a pseudo-terminal: 100,000 random and mutated bad lines, written in
 * batches of 1,000 split at random places into writes of at most 4 KB, while an infusion runs. No
 * line may be answered OK, the therapy (STATUS) must be the same afterwards, and the process must
 * stay up.
 *
 * Timeouts are generous: this file runs beside the other serial and hardware tests (the emulated
 * Uno keeps a core busy), and the first run also compiles the device with tsx. The device has
 * answered a PING before the first batch is sent.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRequest } from '../../../src/sim/protocol/lineCodec.js';
import { Prng } from '../../../src/sim/time/prng.js';
import { SerialLink, replyCode, replyId } from '../../../src/harness/serial/link.js';
import { socatStatus, startRig, type Rig } from './helpers.js';

const socat = socatStatus();
const LINES = Number(process.env.FUZZ_LINES ?? 100_000);
/** Lines per batch; each batch ends with a PING whose answer paces the next. */
const BATCH = 1000;
/** Writes are at most this big (lines still cross write boundaries). */
const MAX_WRITE_BYTES = 4096;

const VALID = [
  'a1 PROGRAM rate=120 vtbi=100 end=kvo',
  'a2 START',
  'a3 PAUSE',
  'a4 RESUME',
  'a5 STOP',
  'a6 TITRATE rate=50',
  'a7 BOLUS volume=2 rate=300',
  'a8 INJECT occlusion=down',
  'a9 TICK ms=60000',
  'b1 ACK',
  'b2 PROGRAM drug=heparin dose=18 weight=80 vtbi=250',
  'b3 AREA id=medsurg',
  'b4 INJECT power=off',
  'b5 SILENCE',
];

function mutate(r: Prng, base: string): Buffer {
  const b = Buffer.from(base, 'latin1');
  const pos = (n: number): number => Math.floor(r.next() * n);
  switch (pos(9)) {
    case 0: {
      // a byte outside printable ASCII somewhere
      const out = Buffer.from(b);
      out[pos(out.length)] = [0x00, 0x07, 0x1b, 0x7f, 0x80, 0xc3, 0xff][pos(7)] ?? 0xff;
      return out;
    }
    case 1:
      return Buffer.concat([b, Buffer.from(' x'.repeat(40 + pos(200)), 'latin1')]); // overlong
    case 2:
      return Buffer.from(base.replace(/^\S+ /, pos(2) ? '' : '123456789 '), 'latin1'); // no id or a bad one
    case 3:
      return Buffer.from(base.replace(/ [A-Z]+/, (m) => m.toLowerCase()), 'latin1'); // unknown command
    case 4:
      return Buffer.from(base.replace(/=\S*/, pos(2) ? '=' : '==1'), 'latin1'); // broken argument
    case 5:
      return Buffer.from(`${base} ${base.split(' ')[2] ?? 'rate=1'}`, 'latin1'); // repeated key (or BAD_ARG)
    case 6:
      return Buffer.from(`${base} bogus=1`, 'latin1'); // argument the command does not take
    case 7:
      return b.subarray(0, pos(b.length)); // cut short (may be a valid shorter line: filtered out)
    default: {
      const out = Buffer.from(b);
      for (let i = 0; i < 3; i++) out[pos(out.length)] = 0x20 + pos(95); // printable noise
      return out;
    }
  }
}

function randomLine(r: Prng): Buffer {
  const len = Math.floor(r.next() * 140);
  const out = Buffer.alloc(len);
  for (let i = 0; i < len; i++) {
    let v = Math.floor(r.next() * 256);
    if (v === 0x0a) v = 0x0b;
    out[i] = v;
  }
  return out;
}

/** Would a device refuse (or ignore) this line? Valid requests are dropped from the fuzz set. */
function isBad(line: Buffer): boolean {
  if (line.includes(0x0a)) return false;
  let s = line.toString('latin1');
  if (s.endsWith('\r')) s = s.slice(0, -1);
  if (s.length > 121) return true;
  if (s.trim() === '') return true;
  return 'error' in parseRequest(s);
}

describe.skipIf(socat.skip)('fuzz infusim device over a pty', () => {
  let rig: Rig;
  let link: SerialLink;
  beforeAll(async () => {
    rig = await startRig(['--seed', '11']);
    link = await SerialLink.open({ path: rig.pair.b, timeoutMs: 20_000 });
    // "ready on" means the port is open; make sure the device answers before fuzzing it.
    let alive = false;
    for (let i = 0; i < 10 && !alive; i++) alive = await link.isAlive(3000);
    if (!alive) throw new Error(`infusim device does not answer PING: ${rig.device.stderr()}`);
  });
  afterAll(async () => {
    await link?.close();
    await rig?.close();
  });

  it(`sends ${LINES} bad lines: no therapy change, the process stays up`, async () => {
    expect((await link.request('PROGRAM rate=120 vtbi=500 end=kvo')).reply).toMatch(/ OK /);
    expect((await link.request('START')).reply).toMatch(/ OK$/);
    expect((await link.request('TICK ms=600000')).reply).toMatch(/ OK /);
    const before = (await link.request('STATUS')).reply.replace(/^\S+ /, '');
    const r = new Prng(20_251_129);
    const t0 = Date.now();
    let sent = 0;
    let errs = 0;
    let okSeen: string[] = [];
    const bytesOut: number[] = [];
    let batchLines = 0;
    const unsubscribe = link.onLine(() => batchLines++);
    while (sent < LINES) {
      const parts: Buffer[] = [];
      let n = 0;
      while (n < BATCH && sent + n < LINES) {
        const line = r.next() < 0.35 ? randomLine(r) : mutate(r, VALID[Math.floor(r.next() * VALID.length)] ?? 'a1 PING');
        if (!isBad(line)) continue;
        parts.push(line, Buffer.from(r.next() < 0.1 ? '\r\n' : '\n', 'latin1'));
        n++;
      }
      const id = `z${(sent / BATCH).toString(36)}`;
      parts.push(Buffer.from(`${id} PING\n`, 'latin1'));
      const buf = Buffer.concat(parts);
      bytesOut.push(buf.length);
      batchLines = 0;
      const done = link.expectReply(id, 120_000);
      done.catch(() => undefined);
      // Split the batch at random places (lines cross write boundaries), no write over MAX_WRITE_BYTES.
      for (let at = 0; at < buf.length; ) {
        const size = Math.max(1, Math.min(MAX_WRITE_BYTES, Math.floor(r.next() * MAX_WRITE_BYTES) + 1));
        await link.writeRaw(buf.subarray(at, Math.min(buf.length, at + size)), 60_000);
        at += size;
      }
      let res: Awaited<typeof done>;
      try {
        res = await done;
      } catch (e) {
        // A stall says where it happened: the batch, what came back of it, what came last.
        const tail = link.recent.slice(-3).map((l) => JSON.stringify(l.slice(0, 80)));
        throw new Error(`${(e as Error).message}: batch ${sent / BATCH + 1} (${buf.length} bytes written), ${batchLines} lines received in it; last received: ${tail.join(', ')}; device stderr: ${rig.device.stderr().slice(-300)}`);
      }
      for (const l of res.lines.slice(0, -1)) {
        if (replyId(l) === undefined) continue;
        if (replyCode(l) === 'OK') okSeen.push(l);
        else errs++;
      }
      sent += n;
      if (okSeen.length > 5) okSeen = okSeen.slice(0, 5);
    }
    unsubscribe();
    const secs = (Date.now() - t0) / 1000;
    console.log(`fuzz: ${sent} lines (${(bytesOut.reduce((a, b) => a + b, 0) / 1e6).toFixed(1)} MB) in ${secs.toFixed(1)} s; ${errs} ERR replies`);
    expect(okSeen, 'a bad line was answered OK').toEqual([]);
    expect(errs).toBeGreaterThan(sent * 0.9); // blank lines are ignored, everything else is refused
    const after = (await link.request('STATUS')).reply.replace(/^\S+ /, '');
    expect(after).toBe(before);
    expect(rig.device.child.exitCode).toBeNull();
    expect(await link.isAlive()).toBe(true);
  });
});
