/**
 * The conformance suite: every command, every error code, malformed and overlong lines, garbage
 * bytes, a command split across writes, and requests at line speed. Each check is one row of the
 * table. A check that gets an ERR asserts that the therapy did not change (docs/protocol.md:
 * a request that gets ERR changes nothing).
 */
import { Prng } from '../../sim/time/prng.js';
import { fieldsOf, replyCode, replyId } from '../serial/link.js';
import { sleep, therapyOf, type BenchDriver, type Status } from './driver.js';
import type { CheckResult, DeviceProfile, SensorPin } from './types.js';

export interface ConformanceContext {
  d: BenchDriver;
  p: DeviceProfile;
  seed: number;
}

export class CheckFailed extends Error {}
class CheckSkipped extends Error {}

function expect(cond: unknown, msg: string): asserts cond {
  if (!cond) throw new CheckFailed(msg);
}
function skip(msg: string): never {
  throw new CheckSkipped(msg);
}

const near = (a: number, b: number, tol: number): boolean => Math.abs(a - b) <= tol;

export interface Check {
  name: string;
  run(c: ConformanceContext): Promise<string>;
}

async function okReply(c: ConformanceContext, text: string, want: Record<string, string> = {}): Promise<{ reply: string; lines: string[] }> {
  const r = await c.d.req(text);
  expect(replyCode(r.reply) === 'OK', `${text} -> ${r.reply}`);
  const f = fieldsOf(r.reply);
  for (const [k, v] of Object.entries(want)) expect(f[k] === v || (Number.isFinite(Number(v)) && Number(f[k]) === Number(v)), `${text} -> ${r.reply}; expected ${k}=${v}`);
  return r;
}

/** Send a request that must be refused with `code`; the therapy must be as before. */
async function refused(c: ConformanceContext, text: string, code: string): Promise<string> {
  const before = await c.d.status();
  const r = await c.d.ask(text);
  expect(replyCode(r) === code, `${text} -> ${r}; expected ERR ${code}`);
  await unchanged(c, before);
  return r;
}

async function unchanged(c: ConformanceContext, before: Status): Promise<void> {
  const after = await c.d.status();
  // In real time the volume moves on its own; the rest of the therapy must not.
  const withVi = c.p.clock === 'virtual';
  expect(therapyOf(after, withVi) === therapyOf(before, withVi), `therapy changed: before ${therapyOf(before, withVi)}, after ${therapyOf(after, withVi)}`);
  if (c.p.clock === 'virtual') expect(after.t === before.t, `time moved without TICK: ${before.t} -> ${after.t}`);
}

/** Raw lines, then a PING: every reply before the PING's must be an ERR with one of `codes`. */
async function rawRefused(c: ConformanceContext, data: Buffer, expectedReplies: number, codes: readonly string[]): Promise<string> {
  // In real time a running program changes on its own (a bolus ends...): test from a still pump.
  if (c.p.clock === 'real') await c.d.reset(c.p.area);
  const before = await c.d.status();
  let lines: string[] = [];
  if (c.p.rxBufferBytes === undefined) lines = await c.d.rawThenSync(data);
  else {
    // No flow control on the device: one bad line at a time, each followed by its PING.
    let start = 0;
    while (start < data.length) {
      let end = data.indexOf(0x0a, start);
      if (end < 0) end = data.length;
      lines.push(...(await c.d.rawThenSync(data.subarray(start, end))));
      start = end + 1;
    }
  }
  const replies = lines.filter((l) => replyId(l) !== undefined);
  const bad = replies.filter((l) => !codes.includes(replyCode(l)));
  expect(bad.length === 0, `unexpected replies: ${bad.slice(0, 3).join(' | ')}`);
  expect(replies.length === expectedReplies, `${replies.length} replies to ${expectedReplies} bad lines`);
  await unchanged(c, before);
  const seen = [...new Set(replies.map(replyCode))].join(',');
  return `${expectedReplies} lines answered ERR ${seen}; therapy unchanged`;
}

function hasEvent(lines: string[], re: RegExp): boolean {
  return lines.some((l) => l.startsWith('! ') && re.test(l));
}

async function needVirtual(c: ConformanceContext): Promise<void> {
  if (c.p.clock !== 'virtual') skip('clock=real: needs TICK');
  await Promise.resolve();
}

interface DrugPick {
  id: string;
  extra: string;
  softHi: number;
  hardHi: number;
}

/** A drug of the area with an upper soft limit below an upper hard limit (for the limit checks). */
async function findLimitedDrug(c: ConformanceContext): Promise<DrugPick | undefined> {
  const area = fieldsOf(await c.d.ask(`AREA id=${c.p.area}`));
  const n = Math.min(Number(area.drugs ?? 0), 40);
  for (let i = 0; i < n; i++) {
    const f = fieldsOf(await c.d.ask(`DRUG idx=${i}`));
    const unit = f.unit ?? '';
    if (unit.includes('m2')) continue;
    // A limit the library does not set is `none` (docs/protocol.md, DRUG); older devices print `-`.
    const soft = /^(-|none|[\d.]+)-(-|none|[\d.]+)$/.exec(f.soft ?? '');
    const hard = /^(-|none|[\d.]+)-(-|none|[\d.]+)$/.exec(f.hard ?? '');
    const unset = (x: string | undefined): boolean => x === '-' || x === 'none';
    if (!soft || !hard || unset(soft[2]) || unset(hard[2])) continue;
    const softHi = Number(soft[2]);
    const hardHi = Number(hard[2]);
    if (!(softHi > 0 && hardHi > softHi * 1.05)) continue;
    return { id: f.id ?? '', extra: unit.includes('/kg') ? ' weight=70' : '', softHi, hardHi };
  }
  return undefined;
}

const PCA_PROGRAM = 'PROGRAM mode=pca basal=1 demand=1 lockout=5 limit=1 window=1 vtbi=50';

const PIN_ALARMS: Record<SensorPin, { alarm: string; latching: boolean }> = {
  occlusion: { alarm: 'OCCLUSION_DOWN', latching: true },
  air: { alarm: 'AIR_IN_LINE', latching: true },
  door: { alarm: 'DOOR_OPEN', latching: false },
};

/**
 * A sensor driven through its pin, not through the protocol under test (the emulated Uno's pins,
 * or a fixture on a real board): the alarm is raised and stops the flow, RESUME is refused while
 * it lasts, and once the condition is gone (and, if latching, acknowledged) the pump waits PAUSED
 * for RESUME.
 */
function sensorPinCheck(pin: SensorPin): Check {
  const { alarm, latching } = PIN_ALARMS[pin];
  return {
    name: `sensor pin: ${pin} -> ${alarm}`,
    async run(c) {
      const pins = c.d.pins;
      if (!pins) skip(c.p.inject ? 'no pin driver: this device simulates its sensors with INJECT (checked above)' : 'no pin driver: sensors on pins are driven by the bench only through the emulator (in-process)');
      await c.d.reset(c.p.area);
      await okReply(c, 'PROGRAM rate=60 vtbi=100 end=stop');
      await okReply(c, 'START');
      const raised = await c.d.actAndWait(() => pins.set(pin, true), new RegExp(`^! ALARM .*id=${alarm}( |$)`));
      expect(fieldsOf(raised).stops === '1', `${raised}: expected stops=1`);
      const s = await c.d.status();
      expect(s.state === 'ALARM' && s.alarm === alarm && s.rate === 0, `after the ${pin} pin: ${therapyOf(s)}`);
      await refused(c, 'RESUME', 'ALARM_ACTIVE');
      const endRe = new RegExp(`^! ALARM_END .*id=${alarm}( |$)`);
      if (latching) {
        await pins.set(pin, false);
        // The cause is gone but the alarm latches until it is acknowledged.
        await refused(c, 'RESUME', 'ALARM_ACTIVE');
        const ack = await okReply(c, `ACK alarm=${alarm}`, { n: '1' });
        expect(ack.lines.some((l) => endRe.test(l)), `no ! ALARM_END id=${alarm} on ACK: ${ack.lines.join(' | ')}`);
      } else {
        await c.d.actAndWait(() => pins.set(pin, false), endRe);
      }
      const p = await c.d.status();
      expect(p.state === 'PAUSED' && p.alarm === '-', `after the alarm ended: ${therapyOf(p)}`);
      await okReply(c, 'RESUME');
      const r = await c.d.status();
      expect(r.state === 'RUNNING' && r.rate === 60, `after RESUME: ${therapyOf(r)}`);
      await c.d.reset(c.p.area);
      return `${alarm} from pin ${pins.pinOf?.(pin) ?? pin} (${pins.name}), flow stopped; ${latching ? 'latched until ACK' : 'ended with the pin'}; RESUME after`;
    },
  };
}

const SENSOR_PIN_CHECKS: readonly Check[] = ['occlusion', 'air', 'door'].map((p) => sensorPinCheck(p as SensorPin));

export const CHECKS: readonly Check[] = [
  {
    name: 'INFO fields',
    async run(c) {
      const r = await okReply(c, 'INFO');
      const f = fieldsOf(r.reply);
      for (const k of ['model', 'fw', 'clock', 'lib', 'area']) expect(f[k] !== undefined, `INFO lacks ${k}=: ${r.reply}`);
      expect(f.clock === 'virtual' || f.clock === 'real', `clock=${f.clock}`);
      return `model=${f.model} fw=${f.fw} clock=${f.clock} lib=${f.lib}`;
    },
  },
  {
    name: 'STATUS fields',
    async run(c) {
      const r = await okReply(c, 'STATUS');
      const f = fieldsOf(r.reply);
      const missing = ['t', 'state', 'mode', 'drug', 'rate', 'vi', 'vtbi', 'alarm', 'prio', 'batt', 'mains'].filter((k) => f[k] === undefined);
      expect(missing.length === 0, `STATUS lacks ${missing.join(', ')}`);
      return `state=${f.state} t=${f.t}`;
    },
  },
  {
    name: 'cmd PING',
    async run(c) {
      await okReply(c, 'PING');
      return 'OK';
    },
  },
  {
    name: 'cmd AREA, DRUG',
    async run(c) {
      await c.d.reset(c.p.area);
      const a = await okReply(c, `AREA id=${c.p.area}`, { area: c.p.area });
      const n = Number(fieldsOf(a.reply).drugs);
      expect(n >= 1, `no drugs in area ${c.p.area}`);
      const d = await okReply(c, 'DRUG idx=0', { idx: '0' });
      const f = fieldsOf(d.reply);
      for (const k of ['id', 'unit', 'conc', 'soft', 'hard']) expect(f[k] !== undefined, `DRUG lacks ${k}=`);
      return `area ${c.p.area}: ${n} drugs, first ${f.id}`;
    },
  },
  {
    name: 'cmd PROGRAM, START, TICK, TITRATE',
    async run(c) {
      await c.d.reset(c.p.area);
      await okReply(c, 'PROGRAM rate=120 vtbi=100 end=kvo kvo=1', { rate: '120', vtbi: '100', mode: 'basic' });
      expect((await c.d.status()).state === 'PROGRAMMED', 'not PROGRAMMED after PROGRAM');
      const s = await okReply(c, 'START');
      expect(hasEvent(s.lines, /^! STATE .*state=RUNNING/), `no ! STATE RUNNING event: ${s.lines.join(' | ')}`);
      if (c.p.clock === 'virtual') {
        const t0 = (await c.d.status()).t;
        const t = await okReply(c, 'TICK ms=60000');
        expect(Number(fieldsOf(t.reply).t) === t0 + 60000, `TICK t=${fieldsOf(t.reply).t}, expected ${t0 + 60000}`);
        const st = await c.d.status();
        expect(near(st.vi, 2, c.p.viToleranceMl(2)), `vi=${st.vi} after 1 min at 120 mL/h, expected 2`);
      } else {
        await refused(c, 'TICK ms=1000', 'NOT_SUPPORTED');
      }
      await okReply(c, 'TITRATE rate=90', { rate: '90' });
      expect((await c.d.status()).rate === 90, 'rate is not 90 after TITRATE');
      return c.p.clock === 'virtual' ? 'vi=2 mL after TICK 60 s at 120 mL/h; titrated to 90' : 'TICK NOT_SUPPORTED (real clock); titrated to 90';
    },
  },
  {
    name: 'cmd BOLUS',
    async run(c) {
      await c.d.reset(c.p.area);
      await okReply(c, 'PROGRAM rate=60 vtbi=100 end=stop');
      await okReply(c, 'START');
      await okReply(c, 'BOLUS volume=1 rate=300', { volume: '1', rate: '300' });
      expect((await c.d.status()).rate === 300, 'rate is not 300 during the bolus');
      if (c.p.clock === 'real') return 'bolus accepted at 300 mL/h';
      await okReply(c, 'TICK ms=20000');
      const s = await c.d.status();
      expect(s.rate === 60, `rate ${s.rate} after the bolus, expected 60`);
      const want = 1 + (60 * 8) / 3600;
      expect(near(s.vi, want, c.p.viToleranceMl(want) + 0.001), `vi=${s.vi} after bolus, expected ${want.toFixed(3)}`);
      return `1 mL at 300 mL/h, back to 60 mL/h; vi=${s.vi}`;
    },
  },
  {
    name: 'cmd PAUSE, RESUME',
    async run(c) {
      await c.d.reset(c.p.area);
      await okReply(c, 'PROGRAM rate=60 vtbi=100 end=stop');
      await okReply(c, 'START');
      await okReply(c, 'PAUSE');
      const p = await c.d.status();
      expect(p.state === 'PAUSED' && p.rate === 0, `after PAUSE: ${therapyOf(p)}`);
      if (c.p.clock === 'virtual') {
        await okReply(c, 'TICK ms=60000');
        expect((await c.d.status()).vi === p.vi, 'volume moved while paused');
      }
      await okReply(c, 'RESUME');
      const r = await c.d.status();
      expect(r.state === 'RUNNING' && r.rate === 60, `after RESUME: ${therapyOf(r)}`);
      return 'PAUSED at rate 0, RUNNING at 60 again';
    },
  },
  {
    name: 'KVO at VTBI end',
    async run(c) {
      await needVirtual(c);
      await c.d.reset(c.p.area);
      await okReply(c, 'PROGRAM rate=100 vtbi=10 end=kvo kvo=2');
      await okReply(c, 'START');
      const t = await okReply(c, 'TICK ms=600000');
      expect(hasEvent(t.lines, /^! ALARM .*id=VTBI_COMPLETE/), `no ! ALARM id=VTBI_COMPLETE: ${t.lines.slice(-6).join(' | ')}`);
      const s = await c.d.status();
      expect(s.state === 'KVO' && s.rate === 2, `after VTBI: ${therapyOf(s)}`);
      return 'VTBI_COMPLETE raised, KVO at 2 mL/h';
    },
  },
  {
    name: 'cmd SILENCE, ACK, LOG, STOP',
    async run(c) {
      const sil = await okReply(c, 'SILENCE');
      expect(fieldsOf(sil.reply).until !== undefined, `SILENCE lacks until=: ${sil.reply}`);
      const ack = await okReply(c, 'ACK');
      expect(/^\d+$/.test(fieldsOf(ack.reply).n ?? ''), `ACK lacks n=: ${ack.reply}`);
      const log = await okReply(c, 'LOG');
      expect(/^[0-9a-f]+$/.test(fieldsOf(log.reply).head ?? ''), `LOG lacks head=: ${log.reply}`);
      const s = await c.d.status();
      const stop = s.state === 'IDLE' ? await okReply(c, 'PROGRAM rate=10 vtbi=10').then(() => okReply(c, 'STOP')) : await okReply(c, 'STOP');
      expect(fieldsOf(stop.reply).vi !== undefined, `STOP lacks vi=: ${stop.reply}`);
      expect((await c.d.status()).state === 'IDLE', 'not IDLE after STOP');
      return `LOG n=${fieldsOf(log.reply).n}; STOP vi=${fieldsOf(stop.reply).vi}`;
    },
  },
  {
    name: 'cmd INJECT (sensors)',
    async run(c) {
      if (!c.p.inject) skip(`INJECT is NOT_SUPPORTED (the sensors are on pins): ${c.d.pins ? 'see the sensor pin rows' : 'no pin driver, the sensor pin rows are skipped too'}`);
      await c.d.reset(c.p.area);
      await okReply(c, 'PROGRAM rate=60 vtbi=100 end=stop');
      await okReply(c, 'START');
      const o = await okReply(c, 'INJECT door=open');
      expect(hasEvent(o.lines, /^! ALARM .*id=DOOR_OPEN/), `no ! ALARM id=DOOR_OPEN: ${o.lines.join(' | ')}`);
      expect((await c.d.status()).state === 'ALARM', 'flow not stopped by DOOR_OPEN');
      await okReply(c, 'INJECT door=closed');
      await okReply(c, 'RESUME');
      expect((await c.d.status()).state === 'RUNNING', 'not RUNNING after door closed and RESUME');
      await c.d.reset(c.p.area);
      return 'DOOR_OPEN stops flow; RESUME after closing';
    },
  },
  {
    name: 'cmd DEMAND (PCA)',
    async run(c) {
      if (!c.p.pca) skip('device does not implement PCA (NOT_SUPPORTED)');
      await c.d.reset(c.p.area);
      await okReply(c, PCA_PROGRAM);
      await okReply(c, 'START');
      await okReply(c, 'DEMAND', { volume: '1' });
      return 'demand dose 1 mL granted';
    },
  },
  ...SENSOR_PIN_CHECKS,
  // ---- error codes
  { name: 'ERR BAD_LINE', run: async (c) => refused(c, '', 'BAD_LINE') },
  {
    name: 'ERR TOO_LONG',
    async run(c) {
      const before = await c.d.status();
      const lines = await c.d.rawThenSync(`${'x'.repeat(121)}\n${'y'.repeat(500)}\nl1 PING${' '.repeat(113)}\n`);
      const long = lines.filter((l) => l.startsWith('? ERR TOO_LONG'));
      expect(long.length === 2, `${long.length} TOO_LONG replies to 2 overlong lines: ${lines.join(' | ')}`);
      expect(lines.some((l) => l.startsWith('l1 OK')), 'a line of exactly 120 characters was not accepted');
      await unchanged(c, before);
      return '121 and 500 chars: ? ERR TOO_LONG; 120 chars accepted';
    },
  },
  {
    name: 'ERR BAD_CHAR',
    async run(c) {
      const before = await c.d.status();
      const lines = [...(await c.d.rawThenSync(Buffer.from('c1 PI\x07NG', 'latin1'))), ...(await c.d.rawThenSync(Buffer.from('c2 STATUS\xff', 'latin1')))];
      expect(lines.some((l) => l.startsWith('c1 ERR BAD_CHAR')) && lines.some((l) => l.startsWith('c2 ERR BAD_CHAR')), `replies: ${lines.join(' | ')}`);
      await unchanged(c, before);
      return 'control byte and 0xff refused with the id kept';
    },
  },
  { name: 'ERR UNKNOWN_CMD', run: async (c) => refused(c, 'FROB', 'UNKNOWN_CMD') },
  { name: 'ERR MISSING_ARG', run: async (c) => refused(c, 'AREA', 'MISSING_ARG') },
  { name: 'ERR BAD_ARG', run: async (c) => refused(c, 'PING x=1', 'BAD_ARG') },
  {
    name: 'ERR OUT_OF_RANGE',
    async run(c) {
      await c.d.reset(c.p.area);
      return refused(c, 'PROGRAM rate=5000 vtbi=10', 'OUT_OF_RANGE');
    },
  },
  {
    name: 'ERR BAD_STATE',
    async run(c) {
      await c.d.reset(c.p.area);
      await refused(c, 'START', 'BAD_STATE');
      await okReply(c, 'PROGRAM rate=50 vtbi=20 end=stop');
      await okReply(c, 'START');
      return refused(c, 'PROGRAM rate=60 vtbi=20', 'BAD_STATE');
    },
  },
  {
    name: 'ERR NO_DRUG',
    async run(c) {
      await c.d.reset(c.p.area);
      return refused(c, 'AREA id=nowhere', 'NO_DRUG');
    },
  },
  {
    name: 'ERR HARD_LIMIT',
    async run(c) {
      await c.d.reset(c.p.area);
      const drug = await findLimitedDrug(c);
      if (!drug) skip(`no drug with upper soft and hard limits in area ${c.p.area}`);
      await refused(c, `PROGRAM drug=${drug.id} dose=${+(drug.hardHi * 1.5).toFixed(3)}${drug.extra} vtbi=50`, 'HARD_LIMIT');
      return `${drug.id} above ${drug.hardHi}`;
    },
  },
  {
    name: 'ERR SOFT_LIMIT',
    async run(c) {
      await c.d.reset(c.p.area);
      const drug = await findLimitedDrug(c);
      if (!drug) skip(`no drug with upper soft and hard limits in area ${c.p.area}`);
      const dose = +((drug.softHi + drug.hardHi) / 2).toFixed(3);
      await refused(c, `PROGRAM drug=${drug.id} dose=${dose}${drug.extra} vtbi=50`, 'SOFT_LIMIT');
      await okReply(c, `PROGRAM drug=${drug.id} dose=${dose}${drug.extra} vtbi=50 override=1`);
      await c.d.reset(c.p.area);
      return `${drug.id} dose ${dose} refused, then accepted with override=1`;
    },
  },
  {
    name: 'ERR ALARM_ACTIVE',
    async run(c) {
      const pins = c.d.pins;
      if (!c.p.inject && !pins) skip('needs INJECT or a pin driver to raise a flow-stopping alarm (INJECT is NOT_SUPPORTED; no pin driver)');
      await c.d.reset(c.p.area);
      await okReply(c, 'PROGRAM rate=50 vtbi=20 end=stop');
      if (c.p.inject) await okReply(c, 'INJECT door=open');
      else await c.d.actAndWait(() => pins?.set('door', true), /^! ALARM .*id=DOOR_OPEN/);
      await refused(c, 'START', 'ALARM_ACTIVE');
      await c.d.reset(c.p.area);
      return `START refused with the door open${c.p.inject || !pins ? '' : ` (door pin ${pins.pinOf?.('door') ?? ''} of the ${pins.name})`}`;
    },
  },
  {
    name: 'ERR LOCKOUT, PCA_LIMIT',
    async run(c) {
      if (!c.p.pca) skip('device does not implement PCA (NOT_SUPPORTED)');
      await c.d.reset(c.p.area);
      await okReply(c, PCA_PROGRAM);
      await okReply(c, 'START');
      await okReply(c, 'DEMAND');
      await refused(c, 'DEMAND', 'LOCKOUT');
      if (c.p.clock === 'real') return 'LOCKOUT (PCA_LIMIT needs TICK)';
      await okReply(c, 'TICK ms=600000');
      await refused(c, 'DEMAND', 'PCA_LIMIT');
      await c.d.reset(c.p.area);
      return 'second demand in lockout refused; demand past the 1 h limit refused';
    },
  },
  {
    name: 'ERR NOT_SUPPORTED',
    async run(c) {
      if (c.p.clock === 'real') return refused(c, 'TICK ms=1000', 'NOT_SUPPORTED');
      if (!c.p.inject) return refused(c, 'INJECT door=open', 'NOT_SUPPORTED');
      if (!c.p.pca) return refused(c, 'DEMAND', 'NOT_SUPPORTED');
      skip('the device implements every command the suite sends');
    },
  },
  // ---- bad input
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

export async function runCheck(check: Check, c: ConformanceContext): Promise<CheckResult> {
  try {
    const detail = await check.run(c);
    return { name: check.name, status: 'PASS', detail };
  } catch (e) {
    if (e instanceof CheckSkipped) return { name: check.name, status: 'SKIP', detail: e.message };
    return { name: check.name, status: 'FAIL', detail: (e as Error).message };
  }
}
