import { describe, expect, it } from 'vitest';
import { SYRINGE_PUMP } from '../../src/sim/pump/pumpTypes.js';
import { formatEvent } from '../../src/sim/trace/events.js';
import { errCode, HOUR, makePump, MIN, ofType, okExec, snapshot, startBasic, tick } from './helpers.js';

describe('drug library limits at programming', () => {
  it('a soft limit needs override=1, and the override is logged as ! OVERRIDE', () => {
    const pump = makePump();
    const before = snapshot(pump);
    const n = pump.log.length;
    const r = pump.execute({ cmd: 'PROGRAM', drugId: 'heparin', dose: 30, weightKg: 80, vtbiMl: 250 });
    expect(errCode(r)).toBe('SOFT_LIMIT');
    expect(r.ok ? '' : r.reason).toMatch(/dose 30 units\/kg\/h is above the soft limit 25; resend with override=1/);
    expect(snapshot(pump)).toBe(before);
    expect(pump.log.length).toBe(n + 2);
    expect(pump.takeEvents()).toEqual([]);

    const f = okExec(pump, { cmd: 'PROGRAM', drugId: 'heparin', dose: 30, weightKg: 80, vtbiMl: 250, override: true });
    expect(f).toEqual({ rate: '24', vtbi: '250', mode: 'drug' });
    const lines = pump.log.all().map((e) => e.text);
    expect(lines).toContain('! OVERRIDE t=0 what=dose value=30 limit=25 side=upper');
    expect(pump.state).toBe('PROGRAMMED');
  });

  it('a soft lower limit, and soft limits on bolus dose and VTBI too', () => {
    const pump = makePump();
    expect(errCode(pump.execute({ cmd: 'PROGRAM', drugId: 'heparin', dose: 5, weightKg: 80, vtbiMl: 100 }))).toBe('SOFT_LIMIT');
    okExec(pump, { cmd: 'PROGRAM', drugId: 'heparin', dose: 5, weightKg: 80, vtbiMl: 100, override: true });
    expect(ofType(pump.takeEvents(), 'OVERRIDE')[0]).toMatchObject({ what: 'dose', side: 'lower', limit: 10 });
    okExec(pump, { cmd: 'START' });
    expect(errCode(pump.execute({ cmd: 'BOLUS', dose: 90 }))).toBe('SOFT_LIMIT');
    expect(okExec(pump, { cmd: 'BOLUS', dose: 90, override: true }).volume).toBe('72');
    expect(ofType(pump.takeEvents(), 'OVERRIDE')[0]).toMatchObject({ what: 'bolus', value: 90, limit: 80 });
  });

  it('a hard limit refuses with HARD_LIMIT and changes nothing, override or not', () => {
    const pump = makePump();
    startBasic(pump, 10, 100);
    tick(pump, 10 * MIN);
    okExec(pump, { cmd: 'STOP' });
    okExec(pump, { cmd: 'PROGRAM', drugId: 'heparin', dose: 18, weightKg: 80, vtbiMl: 250 });
    pump.takeEvents();
    const before = snapshot(pump);
    const n = pump.log.length;
    for (const cmd of [
      { cmd: 'PROGRAM', drugId: 'heparin', dose: 45, weightKg: 80, vtbiMl: 250, override: true },
      { cmd: 'PROGRAM', drugId: 'heparin', dose: 1, weightKg: 80, vtbiMl: 250, override: true },
      { cmd: 'PROGRAM', drugId: 'heparin', dose: 18, weightKg: 80, vtbiMl: 300, override: true },
      { cmd: 'PROGRAM', drugId: 'heparin', dose: 18, weightKg: 80, vtbiMl: 200, load: 120, override: true },
    ] as const) {
      const r = pump.execute(cmd);
      expect(errCode(r)).toBe('HARD_LIMIT');
    }
    expect(snapshot(pump)).toBe(before);
    expect(pump.log.length).toBe(n + 8);
    expect(pump.log.all().slice(-8).map((e) => e.dir)).toEqual(['cmd', 'reply', 'cmd', 'reply', 'cmd', 'reply', 'cmd', 'reply']);
    expect(pump.takeEvents()).toEqual([]);
    expect(pump.currentProgram?.drug?.dose).toBe(18);
  });

  it('a soft breach with an override does not survive a hard breach elsewhere in the same program', () => {
    const pump = makePump();
    const n = pump.log.length;
    // Dose over the soft limit (overridden) but VTBI over the hard limit: refused, no OVERRIDE logged.
    const r = pump.execute({ cmd: 'PROGRAM', drugId: 'heparin', dose: 30, weightKg: 80, vtbiMl: 260, override: true });
    expect(errCode(r)).toBe('HARD_LIMIT');
    expect(pump.log.length).toBe(n + 2);
    expect(pump.log.toText()).not.toContain('OVERRIDE');
  });

  it('titration is checked against the same limits', () => {
    const pump = makePump();
    okExec(pump, { cmd: 'PROGRAM', drugId: 'heparin', dose: 18, weightKg: 80, vtbiMl: 250 });
    okExec(pump, { cmd: 'START' });
    const before = snapshot(pump);
    expect(errCode(pump.execute({ cmd: 'TITRATE', dose: 41, override: true }))).toBe('HARD_LIMIT');
    expect(errCode(pump.execute({ cmd: 'TITRATE', rateMlPerH: 33 }))).toBe('HARD_LIMIT'); // 41.25 units/kg/h
    expect(errCode(pump.execute({ cmd: 'TITRATE', rateMlPerH: 24 }))).toBe('SOFT_LIMIT'); // 30 units/kg/h
    expect(snapshot(pump)).toBe(before);
    expect(okExec(pump, { cmd: 'TITRATE', dose: 20 }).rate).toBe('16');
    expect(pump.status().rateMlPerH).toBe(16);
    expect(pump.currentProgram?.drug?.dose).toBeCloseTo(20, 9);
  });

  it('a basic infusion (outside the library) logs ! NO_LIBRARY', () => {
    const pump = makePump();
    okExec(pump, { cmd: 'PROGRAM', rateMlPerH: 125, vtbiMl: 1000 });
    expect(pump.log.all().map((e) => e.text)).toContain('! NO_LIBRARY t=0 rate=125');
    // A library drug does not.
    const p2 = makePump();
    okExec(p2, { cmd: 'PROGRAM', drugId: 'saline', dose: 125, vtbiMl: 1000 });
    expect(p2.log.toText()).not.toContain('NO_LIBRARY');
    // Also without any library loaded.
    const p3 = makePump({ library: undefined, areaId: undefined });
    okExec(p3, { cmd: 'PROGRAM', rateMlPerH: 12.34, vtbiMl: 10 });
    expect(p3.log.toText()).toContain('! NO_LIBRARY t=0 rate=12.3');
    expect(errCode(p3.execute({ cmd: 'PROGRAM', drugId: 'heparin', dose: 18, weightKg: 80, vtbiMl: 10 }))).toBe('NO_DRUG');
  });
});

describe('VTBI and end-of-infusion actions', () => {
  it('delivers the VTBI at the rate and stops (end=stop)', () => {
    const pump = makePump();
    startBasic(pump, 60, 10, { endAction: 'stop' });
    const ev = tick(pump, 20 * MIN);
    const done = ofType(ev, 'VTBI_DONE');
    expect(done).toHaveLength(1);
    expect(done[0]?.tMs).toBe(10 * MIN);
    expect(done[0]?.viMl).toBe(10);
    expect(pump.status()).toMatchObject({ state: 'COMPLETE', rateMlPerH: 0, viMl: 10, alarm: 'VTBI_COMPLETE', prio: 'medium' });
    expect(ofType(ev, 'STATE').map((e) => e.state)).toEqual(['COMPLETE']);
    expect(pump.telemetry().afterVtbiMl).toBe(0);
  });

  it('end=kvo drops to the KVO rate (default 1 mL/h)', () => {
    const pump = makePump();
    startBasic(pump, 60, 10);
    tick(pump, 10 * MIN + 30 * MIN);
    expect(pump.status()).toMatchObject({ state: 'KVO', rateMlPerH: 1 });
    expect(pump.telemetry().primaryMl).toBe(10);
    expect(pump.telemetry().afterVtbiMl).toBeCloseTo(0.5, 9);
    expect(pump.status().viMl).toBeCloseTo(10.5, 9);
  });

  it('end=kvo with kvo=3 runs at 3 mL/h', () => {
    const pump = makePump();
    startBasic(pump, 60, 10, { kvoMlPerH: 3 });
    tick(pump, 10 * MIN + HOUR);
    expect(pump.status()).toMatchObject({ state: 'KVO', rateMlPerH: 3 });
    expect(pump.telemetry().afterVtbiMl).toBeCloseTo(3, 9);
  });

  it('KVO is never above the programmed rate: 0.5 mL/h with the default KVO of 1 → KVO at 0.5', () => {
    const pump = makePump();
    startBasic(pump, 0.5, 1);
    tick(pump, HOUR);
    expect(pump.status()).toMatchObject({ state: 'RUNNING', rateMlPerH: 0.5 });
    const ev = tick(pump, 2 * HOUR);
    expect(pump.status()).toMatchObject({ state: 'KVO', rateMlPerH: 0.5 });
    expect(ofType(ev, 'RATE').every((e) => e.rateMlPerH <= 0.5)).toBe(true);
    expect(pump.telemetry().afterVtbiMl).toBeCloseTo(0.5, 9);
    expect(pump.telemetry().primaryMl).toBeCloseTo(1, 9);
  });

  it('end=continue keeps the programmed rate after the VTBI, counted apart', () => {
    const pump = makePump();
    startBasic(pump, 30, 5, { endAction: 'continue' });
    const ev = tick(pump, 20 * MIN);
    expect(ofType(ev, 'VTBI_DONE')).toHaveLength(1);
    expect(pump.status()).toMatchObject({ state: 'RUNNING', rateMlPerH: 30, alarm: 'VTBI_COMPLETE' });
    expect(pump.telemetry().primaryMl).toBe(5);
    expect(pump.telemetry().afterVtbiMl).toBeCloseTo(5, 9);
    expect(errCode(pump.execute({ cmd: 'TITRATE', rateMlPerH: 10 }))).toBe('BAD_STATE');
    expect(errCode(pump.execute({ cmd: 'BOLUS', volumeMl: 1 }))).toBe('BAD_STATE');
  });

  it('refuses rates and volumes the pump type cannot do', () => {
    const pump = makePump();
    for (const cmd of [
      { cmd: 'PROGRAM', rateMlPerH: 0.04, vtbiMl: 10 },
      { cmd: 'PROGRAM', rateMlPerH: 1000, vtbiMl: 10 },
      { cmd: 'PROGRAM', rateMlPerH: 10, vtbiMl: 10000 },
      { cmd: 'PROGRAM', rateMlPerH: 10, vtbiMl: 0.05 },
      { cmd: 'PROGRAM', rateMlPerH: 10, vtbiMl: 10, kvoMlPerH: 21 },
      { cmd: 'PROGRAM', rateMlPerH: 10, vtbiMl: 10, load: 5, loadRateMlPerH: 5 },
      { cmd: 'PROGRAM', rateMlPerH: 10, vtbiMl: 10, load: 20 },
    ] as const) {
      expect(errCode(pump.execute(cmd))).toBe('OUT_OF_RANGE');
    }
    expect(errCode(pump.execute({ cmd: 'PROGRAM', rateMlPerH: 10 }))).toBe('MISSING_ARG');
    expect(errCode(pump.execute({ cmd: 'PROGRAM', vtbiMl: 10 }))).toBe('MISSING_ARG');
    expect(errCode(pump.execute({ cmd: 'PROGRAM', rateMlPerH: 10, vtbiMl: 10, loadRateMlPerH: 100 }))).toBe('BAD_ARG');
    const syr = makePump({ type: SYRINGE_PUMP });
    expect(errCode(syr.execute({ cmd: 'PROGRAM', rateMlPerH: 250, vtbiMl: 10 }))).toBe('OUT_OF_RANGE');
    expect(okExec(syr, { cmd: 'PROGRAM', rateMlPerH: 0.014, vtbiMl: 10 }).rate).toBe('0.01');
  });
});

describe('loading dose, bolus, titration, pause/resume', () => {
  it('a loading dose runs first at its rate, then the continuous rate', () => {
    const pump = makePump();
    startBasic(pump, 10, 100, { load: 5, loadRateMlPerH: 100 });
    expect(pump.status().rateMlPerH).toBe(100);
    const ev = tick(pump, 10 * MIN);
    const end = ofType(ev, 'BOLUS_END');
    expect(end).toHaveLength(1);
    expect(end[0]).toMatchObject({ kind: 'loading', tMs: 3 * MIN, cut: false });
    expect(end[0]?.volumeMl).toBeCloseTo(5, 9);
    expect(ofType(ev, 'RATE').map((e) => [e.tMs, e.rateMlPerH])).toEqual([[3 * MIN, 10]]);
    expect(pump.status().rateMlPerH).toBe(10);
    // 5 mL loading + 7 min at 10 mL/h; the loading dose counts toward the VTBI.
    expect(pump.status().viMl).toBeCloseTo(5 + 70 / 60, 9);
  });

  it('a drug loading dose is in the bolus unit (heparin 80 units/kg at 80 kg = 64 mL)', () => {
    const pump = makePump();
    okExec(pump, { cmd: 'PROGRAM', drugId: 'heparin', dose: 18, weightKg: 80, vtbiMl: 250, load: 80, loadRateMlPerH: 640 });
    expect(pump.currentProgram?.loading).toEqual({ volumeMl: 64, rateMlPerH: 640 });
    okExec(pump, { cmd: 'START' });
    const ev = tick(pump, 7 * MIN);
    expect(ofType(ev, 'BOLUS_END')[0]).toMatchObject({ kind: 'loading', tMs: 6 * MIN });
    expect(pump.status().rateMlPerH).toBe(14.4);
  });

  it('a clinician bolus runs on top and returns to the rate', () => {
    const pump = makePump();
    startBasic(pump, 10, 100);
    tick(pump, 6 * MIN);
    expect(okExec(pump, { cmd: 'BOLUS', volumeMl: 2, rateMlPerH: 120 })).toEqual({ volume: '2', rate: '120' });
    expect(pump.status().rateMlPerH).toBe(120);
    expect(errCode(pump.execute({ cmd: 'BOLUS', volumeMl: 1 }))).toBe('BAD_STATE');
    const ev = tick(pump, 5 * MIN);
    expect(ofType(ev, 'BOLUS_END')[0]).toMatchObject({ kind: 'bolus', tMs: 7 * MIN, volumeMl: 2, cut: false });
    expect(pump.status().rateMlPerH).toBe(10);
    expect(pump.status().viMl).toBeCloseTo(1 + 2 + 4 * (10 / 60), 9);
  });

  it('a bolus is cut at the VTBI', () => {
    const pump = makePump();
    startBasic(pump, 10, 5, { endAction: 'stop' });
    tick(pump, 6 * MIN); // 1 mL
    okExec(pump, { cmd: 'BOLUS', volumeMl: 10, rateMlPerH: 600 });
    const ev = tick(pump, 5 * MIN);
    const end = ofType(ev, 'BOLUS_END');
    expect(end).toHaveLength(1);
    expect(end[0]?.cut).toBe(true);
    expect(end[0]?.volumeMl).toBeCloseTo(4, 9);
    expect(end[0]?.tMs).toBe(6 * MIN + 24_000);
    expect(pump.status()).toMatchObject({ state: 'COMPLETE', viMl: 5 });
  });

  it('bolus ranges: volume 0.1 to 100 mL, rate 10 to 999 mL/h', () => {
    const pump = makePump();
    startBasic(pump, 10, 500);
    expect(errCode(pump.execute({ cmd: 'BOLUS', volumeMl: 0.05 }))).toBe('OUT_OF_RANGE');
    expect(errCode(pump.execute({ cmd: 'BOLUS', volumeMl: 101 }))).toBe('OUT_OF_RANGE');
    expect(errCode(pump.execute({ cmd: 'BOLUS', volumeMl: 1, rateMlPerH: 5 }))).toBe('OUT_OF_RANGE');
    expect(errCode(pump.execute({ cmd: 'BOLUS' }))).toBe('MISSING_ARG');
    expect(errCode(pump.execute({ cmd: 'BOLUS', dose: 1 }))).toBe('BAD_ARG');
    expect(okExec(pump, { cmd: 'BOLUS', volumeMl: 1 }).rate).toBe('500');
  });

  it('titration while running changes the delivered rate from that instant', () => {
    const pump = makePump();
    startBasic(pump, 10, 100);
    tick(pump, 30 * MIN);
    expect(okExec(pump, { cmd: 'TITRATE', rateMlPerH: 20.04 }).rate).toBe('20');
    expect(ofType(pump.takeEvents(), 'RATE').map((e) => e.rateMlPerH)).toEqual([20]);
    tick(pump, 30 * MIN);
    expect(pump.status().viMl).toBeCloseTo(5 + 10, 9);
    expect(errCode(pump.execute({ cmd: 'TITRATE' }))).toBe('MISSING_ARG');
    expect(errCode(pump.execute({ cmd: 'TITRATE', rateMlPerH: 5, dose: 1 }))).toBe('MISSING_ARG');
    expect(errCode(pump.execute({ cmd: 'TITRATE', rateMlPerH: 1500 }))).toBe('OUT_OF_RANGE');
    expect(errCode(pump.execute({ cmd: 'TITRATE', dose: 3 }))).toBe('BAD_ARG');
  });

  it('pause stops flow, resume continues from the same volume', () => {
    const pump = makePump();
    startBasic(pump, 60, 100);
    tick(pump, 10 * MIN);
    okExec(pump, { cmd: 'PAUSE' });
    expect(pump.status()).toMatchObject({ state: 'PAUSED', rateMlPerH: 0, viMl: 10 });
    tick(pump, 60_000);
    expect(pump.status().viMl).toBe(10);
    expect(errCode(pump.execute({ cmd: 'PAUSE' }))).toBe('BAD_STATE');
    expect(errCode(pump.execute({ cmd: 'START' }))).toBe('BAD_STATE');
    okExec(pump, { cmd: 'RESUME' });
    expect(pump.status()).toMatchObject({ state: 'RUNNING', rateMlPerH: 60 });
    tick(pump, 5 * MIN);
    expect(pump.status().viMl).toBeCloseTo(15, 9);
    expect(errCode(pump.execute({ cmd: 'RESUME' }))).toBe('BAD_STATE');
  });

  it('a pause cuts a bolus in progress', () => {
    const pump = makePump();
    startBasic(pump, 10, 100);
    okExec(pump, { cmd: 'BOLUS', volumeMl: 5, rateMlPerH: 600 });
    tick(pump, 15_000); // 2.5 mL
    okExec(pump, { cmd: 'PAUSE' });
    const end = ofType(pump.takeEvents(), 'BOLUS_END')[0];
    expect(end).toMatchObject({ kind: 'bolus', cut: true });
    expect(end?.volumeMl).toBeCloseTo(2.5, 9);
    okExec(pump, { cmd: 'RESUME' });
    expect(pump.status().rateMlPerH).toBe(10);
  });

  it('STOP ends the infusion, reports vi and clears the program', () => {
    const pump = makePump();
    startBasic(pump, 12, 100);
    tick(pump, 30 * MIN);
    expect(okExec(pump, { cmd: 'STOP' })).toEqual({ vi: '6' });
    expect(pump.status()).toMatchObject({ state: 'IDLE', mode: '-', rateMlPerH: 0 });
    expect(pump.currentProgram).toBeUndefined();
    expect(errCode(pump.execute({ cmd: 'STOP' }))).toBe('BAD_STATE');
    expect(errCode(pump.execute({ cmd: 'START' }))).toBe('BAD_STATE');
  });

  it('a new PROGRAM is refused while an infusion runs; AREA only when idle', () => {
    const pump = makePump();
    startBasic(pump, 12, 100);
    expect(errCode(pump.execute({ cmd: 'PROGRAM', rateMlPerH: 5, vtbiMl: 5 }))).toBe('BAD_STATE');
    expect(errCode(pump.execute({ cmd: 'AREA', id: 'medsurg' }))).toBe('BAD_STATE');
    okExec(pump, { cmd: 'STOP' });
    expect(okExec(pump, { cmd: 'AREA', id: 'medsurg' })).toEqual({ area: 'medsurg', drugs: 4 });
    expect(errCode(pump.execute({ cmd: 'AREA', id: 'oncology' }))).toBe('NO_DRUG');
    expect(okExec(pump, { cmd: 'DRUG', idx: 1 })).toMatchObject({ id: 'potassium', unit: 'mEq/h', conc: '20mEq/100mL', soft: 'none-10', hard: 'none-20' });
    expect(errCode(pump.execute({ cmd: 'DRUG', idx: 4 }))).toBe('OUT_OF_RANGE');
  });

  it('event lines are the documented form', () => {
    const pump = makePump();
    startBasic(pump, 60, 1, { endAction: 'stop' });
    const lines = tick(pump, 2 * MIN).map(formatEvent);
    expect(lines).toContain('! VTBI_DONE t=60000 vi=1');
    expect(lines).toContain('! STATE t=60000 state=COMPLETE reason=vtbi_done');
    expect(lines).toContain('! ALARM t=60000 id=VTBI_COMPLETE prio=medium stops=0');
  });
});
