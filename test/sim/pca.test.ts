import { describe, expect, it } from 'vitest';
import { PcaWindow } from '../../src/sim/dosing/pcaWindow.js';
import type { Pump } from '../../src/sim/pump/pump.js';
import { formatEvent } from '../../src/sim/trace/events.js';
import { errCode, HOUR, makePump, MIN, ofType, okExec, snapshot, tick } from './helpers.js';

describe('PcaWindow', () => {
  it('totals what was delivered inside the sliding window, prorated at its edge', () => {
    const w = new PcaWindow(HOUR);
    w.add(0, 10_000, 1); // 1 mL over 10 s
    w.add(10_000, 30 * MIN, 0.5);
    expect(w.totalMl(30 * MIN)).toBeCloseTo(1.5, 12);
    expect(w.totalMl(HOUR)).toBeCloseTo(1.5, 12);
    expect(w.totalMl(HOUR + 5_000)).toBeCloseTo(1, 12); // half of the first dose has left
    expect(w.totalMl(HOUR + 10_000)).toBeCloseTo(0.5, 12);
    expect(w.totalMl(90 * MIN)).toBe(0);
  });

  it('ignores empty or backwards segments', () => {
    const w = new PcaWindow(HOUR);
    w.add(5, 5, 1);
    w.add(10, 5, 1);
    w.add(0, 1000, 0);
    expect(w.totalMl(2000)).toBe(0);
  });

  it('msWhenTotalFallsTo finds the instant the window total drops to a target', () => {
    const w = new PcaWindow(HOUR);
    w.add(0, 10_000, 1);
    w.add(20 * MIN, 20 * MIN + 10_000, 1);
    expect(w.msWhenTotalFallsTo(30 * MIN, 2)).toBe(30 * MIN);
    expect(w.msWhenTotalFallsTo(30 * MIN, 1.5)).toBeCloseTo(HOUR + 5_000, 6);
    expect(w.msWhenTotalFallsTo(30 * MIN, 1)).toBeCloseTo(HOUR + 10_000, 6);
    expect(w.msWhenTotalFallsTo(30 * MIN, 0)).toBeCloseTo(80 * MIN + 10_000, 6);
    // The answer really is where the total falls to the target.
    const t = w.msWhenTotalFallsTo(30 * MIN, 0.25);
    expect(w.totalMl(t)).toBeCloseTo(0.25, 9);
  });
});

/** basal 1 mL/h, demand 1 mL, lockout 10 min, limit 4 mL per 1 h. */
function pcaPump(): Pump {
  const pump = makePump();
  expect(okExec(pump, { cmd: 'PROGRAM', mode: 'pca', rateMlPerH: 1, demandMl: 1, lockoutMin: 10, limitMl: 4, windowH: 1, vtbiMl: 100 })).toEqual({
    rate: '1',
    vtbi: '100',
    mode: 'pca',
  });
  okExec(pump, { cmd: 'START' });
  pump.takeEvents();
  return pump;
}

describe('PCA on the pump', () => {
  it('a demand delivers its dose at the bolus rate, then the basal resumes', () => {
    const pump = pcaPump();
    expect(okExec(pump, { cmd: 'DEMAND' })).toEqual({ volume: '1' });
    expect(pump.status().rateMlPerH).toBe(500);
    const ev = tick(pump, MIN);
    const end = ofType(ev, 'BOLUS_END');
    expect(end).toHaveLength(1);
    expect(end[0]).toMatchObject({ kind: 'demand', tMs: 7200, cut: false });
    expect(pump.status().rateMlPerH).toBe(1);
    expect(pump.telemetry().lastDemandStartMs).toBe(0);
  });

  it('a demand inside the lockout: ERR LOCKOUT, ! DENIED logged, nothing else changes', () => {
    const pump = pcaPump();
    okExec(pump, { cmd: 'DEMAND' });
    tick(pump, 5 * MIN);
    const before = snapshot(pump);
    const n = pump.log.length;
    const r = pump.execute({ cmd: 'DEMAND' });
    expect(errCode(r)).toBe('LOCKOUT');
    expect(r.ok ? '' : r.reason).toContain('lockout until t=600000');
    expect(pump.takeEvents().map(formatEvent)).toEqual(['! DENIED t=300000 reason=LOCKOUT']);
    expect(snapshot(pump)).toBe(before);
    expect(pump.log.all().slice(n).map((e) => e.dir)).toEqual(['cmd', 'event', 'reply']);
    // Exactly at the end of the lockout it is granted.
    tick(pump, 5 * MIN);
    expect(okExec(pump, { cmd: 'DEMAND' })).toEqual({ volume: '1' });
  });

  it('the window limit counts basal and demand, cuts the dose in progress at the limit, then refuses', () => {
    const pump = pcaPump();
    for (let i = 0; i < 3; i++) {
      okExec(pump, { cmd: 'DEMAND' });
      tick(pump, 10 * MIN);
    }
    // 3 demands + basal for 30 min less the 21.6 s of demands.
    const basal = (30 * MIN - 3 * 7200) / HOUR;
    expect(pump.telemetry().pcaWindowMl).toBeCloseTo(3 + basal, 9);
    okExec(pump, { cmd: 'DEMAND' });
    const ev = tick(pump, MIN);
    const end = ofType(ev, 'BOLUS_END');
    expect(end).toHaveLength(1);
    expect(end[0]?.cut).toBe(true);
    expect(end[0]?.volumeMl).toBeCloseTo(4 - 3 - basal, 3); // cut within 2 ms of delivery of the limit
    expect(pump.telemetry().pcaWindowMl).toBeCloseTo(4, 3);
    // The basal is held as well: nothing more flows while the window is full.
    expect(pump.status()).toMatchObject({ state: 'RUNNING', rateMlPerH: 0 });
    tick(pump, 10 * MIN);
    expect(pump.telemetry().pcaWindowMl).toBeCloseTo(4, 3);
    expect(pump.telemetry().pcaWindowMl).toBeLessThanOrEqual(4 + 1e-6);
    const before = snapshot(pump);
    const r = pump.execute({ cmd: 'DEMAND' });
    expect(errCode(r)).toBe('PCA_LIMIT');
    expect(pump.takeEvents().map((e) => e.type)).toEqual(['DENIED']);
    expect(pump.log.toText()).toContain('reason=PCA_LIMIT');
    expect(snapshot(pump)).toBe(before);
  });

  it('the basal resumes once the first dose leaves the window', () => {
    const pump = pcaPump();
    for (let i = 0; i < 4; i++) {
      okExec(pump, { cmd: 'DEMAND' });
      tick(pump, 10 * MIN);
    }
    expect(pump.status().rateMlPerH).toBe(0);
    const wake = pump.nextWakeMs();
    expect(wake).toBeGreaterThan(HOUR);
    expect(wake).toBeLessThan(HOUR + 7200);
    tick(pump, wake - pump.nowMs);
    expect(pump.status().rateMlPerH).toBe(1);
    tick(pump, 30 * MIN);
    expect(pump.telemetry().pcaWindowMl).toBeLessThanOrEqual(4 + 1e-6);
  });

  it('a clinician bolus is not counted in the PCA window', () => {
    const pump = pcaPump();
    tick(pump, 30 * MIN);
    const w = pump.telemetry().pcaWindowMl;
    expect(w).toBeCloseTo(0.5, 9);
    okExec(pump, { cmd: 'BOLUS', volumeMl: 3, rateMlPerH: 360 });
    expect(ofType(tick(pump, 30_000), 'BOLUS_END')[0]).toMatchObject({ kind: 'bolus', cut: false, volumeMl: 3 });
    expect(pump.telemetry().pcaWindowMl).toBeCloseTo(w, 9);
    expect(pump.status().viMl).toBeCloseTo(3.5, 9);
    // Even beyond the limit: the clinician bolus is not cut by the PCA limit.
    okExec(pump, { cmd: 'BOLUS', volumeMl: 5, rateMlPerH: 600 });
    expect(ofType(tick(pump, 30_000), 'BOLUS_END')[0]).toMatchObject({ cut: false, volumeMl: 5 });
  });

  it('PCA program ranges: demand ≤ 9.9 mL, lockout 5-60 min, window 1-12 h', () => {
    const pump = makePump();
    const base = { cmd: 'PROGRAM', mode: 'pca', rateMlPerH: 0, demandMl: 1, lockoutMin: 8, limitMl: 10, windowH: 4, vtbiMl: 100 } as const;
    expect(okExec(pump, base).rate).toBe('0');
    expect(errCode(pump.execute({ ...base, demandMl: 10 }))).toBe('OUT_OF_RANGE');
    expect(errCode(pump.execute({ ...base, lockoutMin: 4 }))).toBe('OUT_OF_RANGE');
    expect(errCode(pump.execute({ ...base, lockoutMin: 61 }))).toBe('OUT_OF_RANGE');
    expect(errCode(pump.execute({ ...base, windowH: 13 }))).toBe('OUT_OF_RANGE');
    expect(errCode(pump.execute({ ...base, limitMl: 0.5 }))).toBe('OUT_OF_RANGE');
    expect(errCode(pump.execute({ ...base, windowH: undefined }))).toBe('MISSING_ARG');
    expect(errCode(pump.execute({ ...base, dose: 1 }))).toBe('BAD_ARG');
    // A PCA program may name a library drug with a PCA entry (issue 12, defect 9).
    expect(okExec(pump, { ...base, drugId: 'morphine' }).rate).toBe('0');
    expect(errCode(pump.execute({ ...base, drugId: 'heparin', weightKg: 80 }))).toBe('NO_BOLUS');
    okExec(pump, base);
    // DEMAND outside PCA, or before START.
    expect(errCode(pump.execute({ cmd: 'DEMAND' }))).toBe('BAD_STATE');
    const basic = makePump();
    okExec(basic, { cmd: 'PROGRAM', rateMlPerH: 5, vtbiMl: 5 });
    okExec(basic, { cmd: 'START' });
    expect(errCode(basic.execute({ cmd: 'DEMAND' }))).toBe('BAD_STATE');
  });
});
