/** Conformance checks, one row each: malformed lines, line ends, garbage bytes, a command split across writes, commands at line speed and real-time delivery. */
import { Prng } from '../../sim/time/prng.js';
import { replyCode, replyId } from '../serial/link.js';
import { sleep } from './driver.js';
import { expect, skip, okReply, rawRefused, type Check } from './conformanceKit.js';

export const LINE_CHECKS: readonly Check[] = [
  {
    name: 'malformed lines',
    async run(c) {
      const bad = ['1 2 3', '=', 'ab PROGRAM rate=1 rate=2', '123456789 PING', 'ok PING X=1', 'id PROGRAM rate', 'id PROGRAM =5', ' ? PING', 'a/b STATUS', 'm1 STATUS x=', 'm2 ping'];
      return rawRefused(c, Buffer.from(bad.join('\n'), 'latin1'), bad.length, ['BAD_LINE', 'BAD_ARG', 'UNKNOWN_CMD', 'BAD_CHAR']);
    },
  },
  {
    name: 'CRLF line ends',
    async run(c) {
      const lines = await c.d.rawThenSync('r1 PING\r\nr2 STATUS\r\n');
      expect(lines.some((l) => l === 'r1 OK') && lines.some((l) => l.startsWith('r2 OK')), `replies: ${lines.join(' | ')}`);
      return '\\r\\n accepted as a line end';
    },
  },
  {
    name: 'garbage bytes',
    async run(c) {
      const prng = new Prng(c.seed);
      const chunks: Buffer[] = [];
      const n = 40;
      for (let i = 0; i < n; i++) {
        const len = 1 + Math.floor(prng.next() * 90);
        const b = Buffer.alloc(len);
        for (let j = 0; j < len; j++) {
          let v = Math.floor(prng.next() * 256);
          if (v === 0x0a || v === 0x0d) v = 0x7f;
          b[j] = v;
        }
        b[Math.floor(prng.next() * len)] = 0xff; // at least one byte that is surely not printable
        chunks.push(b, Buffer.from('\n'));
      }
      return rawRefused(c, Buffer.concat(chunks), n, ['BAD_CHAR', 'BAD_LINE']);
    },
  },
  {
    name: 'command split across writes',
    async run(c) {
      const id = c.d.link.newId('s');
      const p = c.d.link.expectReply(id);
      p.catch(() => undefined);
      for (const part of [`${id} STA`, 'TU', 'S\n']) {
        await c.d.link.writeRaw(part);
        await sleep(30);
      }
      const r = await p;
      expect(replyCode(r.reply) === 'OK' && r.reply.includes('state='), `split STATUS -> ${r.reply}`);
      const id2 = c.d.link.newId('s');
      const p2 = c.d.link.expectReply(id2);
      p2.catch(() => undefined);
      for (const ch of `${id2} PING\n`) await c.d.link.writeRaw(ch);
      expect((await p2).reply === `${id2} OK`, 'PING sent byte by byte not answered OK');
      return 'STATUS in 3 writes and PING byte by byte answered';
    },
  },
  {
    name: 'commands at line speed',
    async run(c) {
      const n = c.p.lineBurst;
      const cmds = ['PING', 'STATUS', 'INFO', 'LOG'];
      const ids: string[] = [];
      const lines: string[] = [];
      for (let i = 0; i < n; i++) {
        const id = c.d.link.newId('q');
        ids.push(id);
        lines.push(`${id} ${cmds[i % cmds.length] ?? 'PING'}`);
      }
      // A device without flow control (a Uno: 64-byte receive buffer) gets no more than its
      // buffer unanswered; the simulator gets everything in one write.
      const limit = c.p.rxBufferBytes;
      const seen = await c.d.pipeline(lines, limit);
      const got = seen.map((l) => replyId(l));
      expect(got.length === n, `${got.length} replies to ${n} requests`);
      const firstOff = got.findIndex((id, i) => id !== ids[i]);
      expect(firstOff < 0, `reply ${firstOff} has id ${got[firstOff]}, expected ${ids[firstOff]}`);
      const refused = seen.filter((l) => replyCode(l) !== 'OK');
      expect(refused.length === 0, `a request at line speed was refused: ${refused[0] ?? ''}`);
      return limit === undefined ? `${n} requests in one write, answered in order` : `${n} requests, at most ${limit} bytes unanswered, answered in order`;
    },
  },
  {
    name: 'real-time delivery',
    async run(c) {
      if (c.p.clock !== 'real') skip('clock=virtual: delivery is checked with TICK above');
      await c.d.reset(c.p.area);
      await okReply(c, 'PROGRAM rate=900 vtbi=100 end=stop');
      const t0 = performance.now();
      await okReply(c, 'START');
      const t1 = performance.now();
      await sleep(2000);
      const t2 = performance.now();
      const s = await c.d.status();
      const t3 = performance.now();
      const lo = (900 * (t2 - t1 - 150)) / 3_600_000;
      const hi = (900 * (t3 - t0 + 150)) / 3_600_000;
      await c.d.reset(c.p.area);
      expect(s.vi >= lo - c.p.viToleranceMl(lo) && s.vi <= hi + c.p.viToleranceMl(hi), `vi=${s.vi} after ~2 s at 900 mL/h, expected ${lo.toFixed(3)} to ${hi.toFixed(3)}`);
      return `vi=${s.vi} mL after ${((t2 - t1) / 1000).toFixed(2)} s at 900 mL/h (window ${lo.toFixed(3)}-${hi.toFixed(3)})`;
    },
  },
];
