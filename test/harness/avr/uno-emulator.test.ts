/**
 * The Uno firmware built with the test clock, run in avr8js: the line protocol, delivery in
 * virtual time, the drug library limits, and an alarm raised from a sensor pin.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { EmulatedUno } from '../../../src/harness/avr/emulated-uno.js';
import { LineClient, parseFields } from '../../../src/harness/avr/line-client.js';
import { IN_CI, REAL_HEX, TEST_HEX, buildImages, missingBuildTools } from '../../hardware/helpers.js';

const missing = missingBuildTools();

describe('emulated Uno toolchain', () => {
  it('is installed (required on CI; locally the tests below say what is missing)', () => {
    if (missing !== undefined && IN_CI) expect.fail(`the Uno firmware cannot be built for the emulator: ${missing ?? ''}`);
  });
});

describe.skipIf(missing !== undefined)(`Uno firmware in avr8js${missing ? ` (skipped: ${missing})` : ''}`, () => {
  const boards: { uno: EmulatedUno; client: LineClient }[] = [];

  beforeAll(() => {
    buildImages();
  });

  afterEach(() => {
    for (const b of boards.splice(0)) {
      b.uno.stop();
      b.client.close();
    }
  });

  function boot(hex = TEST_HEX): { uno: EmulatedUno; client: LineClient } {
    const uno = EmulatedUno.fromHexFile(hex);
    const client = new LineClient(uno.transport(), 20_000);
    uno.start();
    const b = { uno, client };
    boards.push(b);
    return b;
  }

  async function ok(client: LineClient, command: string): Promise<{ reply: string; lines: string[]; fields: Record<string, string> }> {
    const r = await client.request(command);
    expect(r.reply, `${command} -> ${r.reply}`).toMatch(/^\S+ OK( |$)/);
    return { ...r, fields: parseFields(r.reply) };
  }

  it('answers PING and INFO with a virtual clock', async () => {
    const { uno, client } = boot();
    expect(uno.virtualClock).toBe(true);
    expect((await client.request('PING')).reply).toBe('r1 OK');
    const info = await ok(client, 'INFO');
    expect(info.fields).toMatchObject({ model: 'lvp', clock: 'virtual', area: 'icu' });
    expect(info.fields.fw).toMatch(/^\d+\.\d+\.\d+$/);
    expect(info.fields.lib).toMatch(/@/);
    const status = await ok(client, 'STATUS');
    expect(status.fields).toMatchObject({ t: '0', state: 'IDLE', mode: '-', alarm: '-', batt: '100', mains: '1' });
  });

  it('delivers rate x time in virtual time, one step per microlitre, with a status line every second', async () => {
    const { uno, client } = boot();
    const prog = await ok(client, 'PROGRAM rate=120 vtbi=100');
    expect(prog.fields).toMatchObject({ rate: '120', vtbi: '100', mode: 'basic' });
    const start = await ok(client, 'START');
    expect(start.lines).toContain('! STATE t=0 state=RUNNING reason=start');
    const stepsBefore = uno.risingEdgeCount('step');
    const tick = await client.request('TICK ms=30000');
    expect(tick.reply).toBe('r3 OK t=30000');
    const statusLines = tick.lines.filter((l) => l.startsWith('* STATUS '));
    expect(statusLines).toHaveLength(30);
    expect(parseFields(statusLines[0] ?? '')).toMatchObject({ t: '1000', state: 'RUNNING', rate: '120' });
    // 120 mL/h for 30 s = 1 mL.
    const status = await ok(client, 'STATUS');
    expect(status.fields).toMatchObject({ t: '30000', state: 'RUNNING', vi: '1', vtbi: '100', rate: '120' });
    expect(uno.risingEdgeCount('step') - stepsBefore).toBe(1000);
    expect(uno.readPin('ledGreen')).toBe(true);
    expect(uno.readPin('enable')).toBe(false);
    const stop = await ok(client, 'STOP');
    expect(stop.fields.vi).toBe('1');
    console.log(`emulator speed: ${(uno.cyclesPerSecondMeasured / 1e6).toFixed(1)} MHz = ${uno.speed.toFixed(2)}x a 16 MHz Uno`);
  });

  it('programs by dose from the drug library and enforces soft and hard limits', async () => {
    const { client } = boot();
    const area = await ok(client, 'AREA id=icu');
    expect(area.fields.drugs).toBe('4');
    const drug = await ok(client, 'DRUG idx=0');
    expect(drug.fields).toMatchObject({ id: 'heparin', unit: 'units/kg/h', conc: '100', soft: '10-25', hard: '2-40' });

    const soft = await client.request('PROGRAM drug=heparin dose=30 weight=80 vtbi=250');
    expect(soft.reply).toMatch(/^r3 ERR SOFT_LIMIT /);
    expect(soft.lines).toHaveLength(1); // no event: nothing changed
    expect((await ok(client, 'STATUS')).fields.state).toBe('IDLE');

    const hard = await client.request('PROGRAM drug=heparin dose=50 weight=80 vtbi=250 override=1');
    expect(hard.reply).toMatch(/^r5 ERR HARD_LIMIT /);
    const low = await client.request('PROGRAM drug=heparin dose=1 weight=80 vtbi=250 override=1');
    expect(low.reply).toMatch(/ERR HARD_LIMIT .*lower/);
    expect((await ok(client, 'STATUS')).fields.state).toBe('IDLE');

    const over = await ok(client, 'PROGRAM drug=heparin dose=30 weight=80 vtbi=250 override=1');
    expect(over.fields).toMatchObject({ rate: '24', mode: 'drug' });
    const heparin = await ok(client, 'PROGRAM drug=heparin dose=18 weight=80 vtbi=250');
    expect(heparin.fields.rate).toBe('14.4');
    // mL/h = dose x weight x 60 / conc: 5 mcg/kg/min x 70 kg x 60 / 1600 mcg/mL = 13.125, set in
    // steps of 0.1 mL/h.
    expect((await ok(client, 'PROGRAM drug=dopamine dose=5 weight=70 vtbi=100')).fields.rate).toBe('13.1');
    expect((await ok(client, 'PROGRAM drug=insulin dose=2 vtbi=50')).fields.rate).toBe('2');
    expect((await client.request('PROGRAM drug=heparin dose=18 vtbi=250')).reply).toMatch(/ERR MISSING_ARG .*weight/);
    expect((await client.request('PROGRAM drug=propofol dose=18 vtbi=250')).reply).toMatch(/ERR NO_DRUG /);
    const status = await ok(client, 'STATUS');
    expect(status.fields).toMatchObject({ state: 'PROGRAMMED', mode: 'drug', drug: 'insulin' });

    await ok(client, 'START');
    expect((await client.request('TITRATE dose=20')).reply).toMatch(/ERR SOFT_LIMIT/);
    const titrate = await ok(client, 'TITRATE dose=20 override=1');
    expect(titrate.fields.rate).toBe('20');
    expect(titrate.lines).toContain('! RATE t=0 rate=20');
  });

  // Issue 12, defects 2, 4 and 14, as the simulator does (docs/protocol.md, "Limits, rounding and boluses").
  it('judges the dose entered and the dose that runs, rounds inside the limits, refuses a bolus of a drug with no bolus entry', async () => {
    const { client } = boot();
    // 40.05 units/kg/h x 80 kg / 100 units/mL = 32.04 mL/h; 32.0 would deliver exactly 40 (the hard
    // limit), but the dose entered is beyond it.
    expect((await client.request('PROGRAM drug=heparin dose=40.05 weight=80 vtbi=250 override=1')).reply).toMatch(/ERR HARD_LIMIT /);
    // 25 (the soft limit) x 70.3 / 100 = 17.575 mL/h: 17.6 would deliver 25.04 (above the soft
    // limit), so 17.5 (24.89) runs.
    expect((await ok(client, 'PROGRAM drug=heparin dose=25 weight=70.3 vtbi=250')).fields.rate).toBe('17.5');
    await ok(client, 'PROGRAM drug=heparin dose=18 weight=80 vtbi=250');
    await ok(client, 'START');
    // This board's library has no bolus entries.
    expect((await client.request('BOLUS volume=20')).reply).toMatch(/ERR NO_BOLUS /);
    await ok(client, 'STOP');
  });

  it('after VTBI with end=stop, START and RESUME say what to do', async () => {
    const { client } = boot();
    await ok(client, 'PROGRAM rate=100 vtbi=1 end=stop');
    await ok(client, 'START');
    await ok(client, 'TICK ms=60000');
    expect((await ok(client, 'STATUS')).fields.state).toBe('COMPLETE');
    for (const cmd of ['START', 'RESUME']) {
      const r = (await client.request(cmd)).reply;
      expect(r).toMatch(/ERR BAD_STATE .*PROGRAM.*STOP/);
    }
  });

  it('refuses overlong lines, bad bytes, unknown commands and malformed requests without changing anything', async () => {
    const { client } = boot();
    let from = client.lines.length;
    client.send(`1 PROGRAM rate=10 vtbi=100 ${'x'.repeat(120)}`);
    let at = await client.waitForLine(/ERR/, from);
    expect(client.lines[at]).toMatch(/^\? ERR TOO_LONG /);

    from = client.lines.length;
    client.sendRaw(Buffer.from('2 PI\x01NG\n', 'latin1'));
    at = await client.waitForLine(/ERR/, from);
    expect(client.lines[at]).toMatch(/^2 ERR BAD_CHAR /);

    from = client.lines.length;
    client.sendRaw(Buffer.from([0xff, 0x80, 0x0a]));
    at = await client.waitForLine(/ERR/, from);
    expect(client.lines[at]).toMatch(/^\? ERR BAD_CHAR /);

    expect((await client.request('FLY')).reply).toMatch(/ERR UNKNOWN_CMD /);
    from = client.lines.length;
    client.send('waytoolongid PING');
    at = await client.waitForLine(/ERR/, from);
    expect(client.lines[at]).toMatch(/^\? ERR BAD_LINE /);
    expect((await client.request('PROGRAM rate=10 rate=20 vtbi=5')).reply).toMatch(/ERR BAD_LINE .*repeated/);
    expect((await client.request('PROGRAM rate=fast vtbi=5')).reply).toMatch(/ERR BAD_ARG /);
    expect((await client.request('PROGRAM rate=10 vtbi=5 colour=red')).reply).toMatch(/ERR BAD_ARG .*colour/);
    expect((await client.request('PROGRAM rate=2000 vtbi=5')).reply).toMatch(/ERR OUT_OF_RANGE /);
    expect((await client.request('PROGRAM rate=10')).reply).toMatch(/ERR MISSING_ARG /);
    expect((await client.request('START')).reply).toMatch(/ERR BAD_STATE /);
    expect((await client.request('TICK')).reply).toMatch(/ERR MISSING_ARG /);
    expect((await client.request('TICK ms=0')).reply).toMatch(/ERR OUT_OF_RANGE /);
    expect((await client.request('INJECT occlusion=down')).reply).toMatch(/ERR NOT_SUPPORTED /);
    expect((await client.request('PROGRAM mode=pca basal=1 demand=1 lockout=8 limit=10 window=4 vtbi=50')).reply).toMatch(
      /ERR NOT_SUPPORTED /,
    );
    const status = await ok(client, 'STATUS');
    expect(status.fields).toMatchObject({ t: '0', state: 'IDLE', mode: '-' });
    // Every request, refused or not, is in the event log.
    const log = await ok(client, 'LOG');
    expect(Number(log.fields.n)).toBeGreaterThanOrEqual(16);
    expect(log.fields.head).toMatch(/^[0-9a-f]{8}$/);
    expect((await client.request('PING')).reply).toMatch(/^r\d+ OK$/);
  });

  it('raises OCCLUSION_DOWN from the occlusion pin, stops the motor and sounds the buzzer', async () => {
    const { uno, client } = boot();
    await ok(client, 'PROGRAM rate=360 vtbi=50');
    await ok(client, 'START');
    await ok(client, 'TICK ms=2000');
    expect(uno.risingEdgeCount('step')).toBe(200);

    const from = client.lines.length;
    uno.setPin('occlusion', false); // the pressure switch closes to ground
    const at = await client.waitForLine(/^! ALARM /, from);
    expect(client.lines[at]).toBe('! ALARM t=2000 id=OCCLUSION_DOWN prio=high stops=1');
    await client.waitForLine(/^! STATE t=2000 state=ALARM reason=OCCLUSION_DOWN$/, from);
    await client.waitForLine(/^! AUDIO t=2000 prio=high$/, from);

    const steps = uno.risingEdgeCount('step');
    const tick = await ok(client, 'TICK ms=5000');
    expect(tick.lines.filter((l) => l.startsWith('* STATUS'))).toHaveLength(0);
    expect(uno.risingEdgeCount('step')).toBe(steps);
    const status = await ok(client, 'STATUS');
    expect(status.fields).toMatchObject({ state: 'ALARM', alarm: 'OCCLUSION_DOWN', prio: 'high', vi: '0.2' });
    expect(uno.readPin('enable')).toBe(true); // driver disabled

    // The buzzer and the red LED follow the high-priority pattern (wall-clock, millis()).
    const buzzStart = uno.risingEdgeCount('buzzer');
    const deadline = Date.now() + 120_000; // a bound for a loaded machine, not a measurement
    while (uno.risingEdgeCount('buzzer') === buzzStart && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(uno.risingEdgeCount('buzzer')).toBeGreaterThan(buzzStart);
    expect(uno.risingEdgeCount('ledRed')).toBeGreaterThan(0);

    expect((await client.request('RESUME')).reply).toMatch(/ERR ALARM_ACTIVE /);
    // Latching: the cause going away is not enough, it needs an ACK.
    uno.setPin('occlusion', true);
    expect((await client.request('RESUME')).reply).toMatch(/ERR ALARM_ACTIVE /);
    const ack = await ok(client, 'ACK');
    expect(ack.fields.n).toBe('1');
    expect(ack.lines).toContain('! ALARM_END t=7000 id=OCCLUSION_DOWN');
    expect(ack.lines).toContain('! STATE t=7000 state=PAUSED reason=alarm_cleared');
    await ok(client, 'RESUME');
    await ok(client, 'TICK ms=1000');
    expect(uno.risingEdgeCount('step')).toBe(steps + 100);
  });

  it('completes the VTBI, alarms VTBI_COMPLETE and goes on at the KVO rate', async () => {
    const { client } = boot();
    await ok(client, 'PROGRAM rate=360 vtbi=1 kvo=2 end=kvo');
    await ok(client, 'START');
    const tick = await ok(client, 'TICK ms=12000');
    expect(tick.lines).toContain('! VTBI_DONE t=10000 vi=1');
    expect(tick.lines).toContain('! STATE t=10000 state=KVO reason=vtbi_done');
    expect(tick.lines).toContain('! RATE t=10000 rate=2');
    expect(tick.lines).toContain('! ALARM t=10000 id=VTBI_COMPLETE prio=medium stops=0');
    const status = await ok(client, 'STATUS');
    expect(status.fields).toMatchObject({ state: 'KVO', rate: '2', alarm: 'VTBI_COMPLETE', prio: 'medium' });
    // 2 mL/h for 2 s after the VTBI = 1.111 uL, one stroke.
    expect(status.fields.vi).toBe('1.001');
  });

  it('ACK of a persisting alarm: a high one sounds again after the 120 s pause, a medium one reminds every 180 s (docs/protocol.md, "Alarms")', async () => {
    const { uno, client } = boot();
    await ok(client, 'PROGRAM rate=360 vtbi=1 kvo=2 end=kvo');
    await ok(client, 'START');
    // 1 mL at 360 mL/h: VTBI done at 10,000 ms, then KVO (VTBI_COMPLETE's cause persists).
    await ok(client, 'TICK ms=12000');
    expect((await ok(client, 'ACK alarm=VTBI_COMPLETE')).lines).toContain('! AUDIO t=12000 prio=off');
    const from = client.lines.length;
    uno.setPin('door', false);
    await client.waitForLine(/^! AUDIO t=12000 prio=high$/, from);
    expect((await ok(client, 'ACK alarm=DOOR_OPEN')).lines).toContain('! AUDIO t=12000 prio=off');
    // The door stays open: high again at 12,000 + 120,000; the reminder at 12,000 + 180,000.
    const tick = await ok(client, 'TICK ms=200000');
    expect(tick.lines).toContain('! AUDIO t=132000 prio=high');
    expect(tick.lines).toContain('! REMINDER t=192000 id=VTBI_COMPLETE');
  });

  it('reads the battery on A0 and mains on D5', async () => {
    const { uno, client } = boot();
    const from = client.lines.length;
    uno.setPin('mains', false);
    uno.setAnalog(0, 3.45); // 16 %
    await client.waitForLine(/^! ALARM t=0 id=LOW_BATTERY prio=low stops=0$/, from);
    uno.setAnalog(0, 3.3);
    await client.waitForLine(/^! ALARM t=0 id=BATTERY_DEPLETED prio=high stops=1$/, from);
    const status = await ok(client, 'STATUS');
    expect(status.fields).toMatchObject({ mains: '0', batt: '0', alarm: 'BATTERY_DEPLETED', prio: 'high' });
    await ok(client, 'PROGRAM rate=10 vtbi=10');
    expect((await client.request('START')).reply).toMatch(/ERR ALARM_ACTIVE /);
  });

  it('rounds rates to 0.1 mL/h (half up) as the model does; a rate that rounds to 0 is out of range', async () => {
    const { client } = boot();
    expect((await ok(client, 'PROGRAM rate=0.05 vtbi=10')).fields.rate).toBe('0.1');
    expect((await ok(client, 'PROGRAM rate=2.449 vtbi=10')).fields.rate).toBe('2.4');
    expect((await ok(client, 'PROGRAM rate=2.45 vtbi=10')).fields.rate).toBe('2.5');
    expect((await client.request('PROGRAM rate=0.049 vtbi=10')).reply).toMatch(/ERR OUT_OF_RANGE /);
    expect((await client.request('PROGRAM rate=999.06 vtbi=10')).reply).toMatch(/ERR OUT_OF_RANGE /);
    await ok(client, 'PROGRAM rate=10 vtbi=10');
    await ok(client, 'START');
    expect((await ok(client, 'TITRATE rate=0.05')).fields.rate).toBe('0.1');
  });

  it('refuses ACK of an alarm that is not active, as the model does', async () => {
    const { client } = boot();
    expect((await client.request('ACK alarm=VTBI_COMPLETE')).reply).toMatch(/^r1 ERR BAD_STATE alarm VTBI_COMPLETE is not active$/);
    expect((await client.request('ACK alarm=OCCLUSION_UP')).reply).toMatch(/ERR BAD_STATE /); // a protocol id this board never raises
    expect((await client.request('ACK alarm=NO_SUCH')).reply).toMatch(/ERR BAD_ARG /);
    expect((await ok(client, 'ACK')).fields.n).toBe('0');
  });

  // Issue 12, defect 12: the bench starts every run with RESET (docs/protocol.md, RESET).
  it('RESET returns to the power-on state: refused with a program, then as freshly booted at the same time', async () => {
    const { client } = boot();
    const fresh = (await ok(client, 'STATUS')).fields;
    await ok(client, 'PROGRAM rate=120 vtbi=100');
    await ok(client, 'START');
    await ok(client, 'TICK ms=30000');
    expect((await client.request('RESET')).reply).toMatch(/^r\d+ ERR BAD_STATE .*STOP/);
    expect((await ok(client, 'STOP')).fields.vi).toBe('1');
    await ok(client, 'SILENCE');
    await ok(client, 'AREA id=ward');
    expect((await client.request('RESET x=1')).reply).toMatch(/^r\d+ ERR BAD_ARG /);
    expect((await ok(client, 'RESET')).fields).toEqual({ t: '30000' });
    expect((await ok(client, 'STATUS')).fields).toEqual({ ...fresh, t: '30000' });
    expect((await ok(client, 'INFO')).fields.area).toBe('icu');
  });

  it('reads the line after a bad-id line intact, and loses no byte received while it prints', async () => {
    const { client } = boot();
    // A long reply (66 bytes, more than the 64-byte TX buffer) makes the firmware wait on the
    // USART while the next line arrives; each byte must still be read.
    for (const bad of ['=', ' ? PING', '123456789 PING']) {
      const from = client.lines.length;
      client.sendRaw(`${bad}
z2 PING
`);
      await client.waitForLine(/^z2 /, from);
      expect(client.lines.slice(from)).toEqual(['? ERR BAD_LINE the request id must be 1 to 8 of A-Z a-z 0-9 _ -', 'z2 OK']);
    }
    // 60 bytes of STATUS requests in one write: every reply is there, in order.
    const from = client.lines.length;
    client.sendRaw(Array.from({ length: 6 }, (_, i) => `s${i} STATUS
`).join(''));
    await client.waitForLine(/^s5 /, from);
    expect(client.lines.slice(from).map((l) => l.split(' ')[0])).toEqual(['s0', 's1', 's2', 's3', 's4', 's5']);
  });

  it('answers TICK with NOT_SUPPORTED on the real-clock image', async () => {
    const { uno, client } = boot(REAL_HEX);
    expect(uno.virtualClock).toBe(false);
    expect((await ok(client, 'INFO')).fields.clock).toBe('real');
    expect((await client.request('TICK ms=1000')).reply).toMatch(/^r2 ERR NOT_SUPPORTED /);
  });
});
