/** Conformance checks, one row each: every command with its reply fields and its effect, and each sensor pin. */
import { fieldsOf } from '../serial/link.js';
import { therapyOf } from './driver.js';
import type { SensorPin } from './types.js';
import { expect, skip, near, okReply, refused, hasEvent, needVirtual, PCA_PROGRAM, type Check } from './conformanceKit.js';

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

export const COMMAND_CHECKS: readonly Check[] = [
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
];
