/**
 * Issue 12, defects 1, 2, 4, 9 and 14: regressions driven through the line protocol (LineSession),
 * as a host or `infusim console` would. Every expected value is worked out by hand in the test
 * from the example library (scenarios/druglib/general-hospital.json, care area icu), the pump type
 * data and docs/protocol.md; none is read back from the pump.
 */
import { describe, expect, it } from 'vitest';
import type { LineSession } from '../../src/sim/session/lineSession.js';
import { makeSession } from './helpers.js';

/** Feed lines; return the last reply line (the one starting with the request id). */
function send(s: LineSession, line: string): string {
  const out = s.feed(`${line}\n`);
  const id = line.split(' ')[0] ?? '';
  const reply = out.filter((l) => l.startsWith(`${id} `)).at(-1);
  if (reply === undefined) throw new Error(`no reply to ${line}: ${out.join(' | ')}`);
  return reply;
}

/** Feed lines, all of which must be answered OK; returns every output line. */
function okAll(s: LineSession, lines: string[]): string[] {
  const all: string[] = [];
  for (const l of lines) {
    const out = s.feed(`${l}\n`);
    all.push(...out);
    expect(out.at(-1), l).toMatch(/^\S+ OK( |$)/);
  }
  return all;
}

function fields(reply: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const w of reply.split(' ')) {
    const i = w.indexOf('=');
    if (i > 0) out[w.slice(0, i)] = w.slice(i + 1);
  }
  return out;
}

// Heparin in icu: 25,000 units in 250 mL = 100 units/mL; bolus limits in units/kg: soft 80, hard 100.
const HEPARIN_80KG = ['1 PROGRAM drug=heparin dose=18 weight=80 vtbi=250', '2 START'];

describe('defect 1: every bolus path is held to the drug bolus limits, in the drug unit', () => {
  it('BOLUS volume=100 of heparin at 80 kg is 10,000 units = 125 units/kg: above the hard limit 100', () => {
    const s = makeSession();
    okAll(s, HEPARIN_80KG);
    expect(send(s, '3 BOLUS dose=101')).toMatch(/^3 ERR HARD_LIMIT /);
    // 100 mL x 100 units/mL / 80 kg = 125 units/kg > 100 (hard), override or not.
    expect(send(s, '4 BOLUS volume=100')).toMatch(/^4 ERR HARD_LIMIT /);
    expect(send(s, '5 BOLUS volume=100 override=1')).toMatch(/^5 ERR HARD_LIMIT /);
  });

  it('a bolus by volume past the soft limit needs override=1 and logs the dose in units/kg', () => {
    const s = makeSession();
    okAll(s, HEPARIN_80KG);
    // 70 mL x 100 / 80 = 87.5 units/kg: above the soft limit 80, below the hard 100.
    expect(send(s, '3 BOLUS volume=70')).toMatch(/^3 ERR SOFT_LIMIT /);
    const out = s.feed('4 BOLUS volume=70 override=1\n');
    expect(out).toContain('! OVERRIDE t=0 what=bolus value=87.5 limit=80 side=upper');
    expect(out.at(-1)).toBe('4 OK volume=70 rate=500');
  });

  it('a bolus by volume exactly at the soft limit (64 mL = 80 units/kg) runs without override', () => {
    const s = makeSession();
    okAll(s, HEPARIN_80KG);
    expect(send(s, '3 BOLUS volume=64')).toBe('3 OK volume=64 rate=500');
  });

  it('a loading dose of a drug is held to the bolus hard limit (heparin load=120 units/kg)', () => {
    const s = makeSession();
    expect(send(s, '1 PROGRAM drug=heparin dose=18 weight=80 vtbi=250 load=120 override=1')).toMatch(/^1 ERR HARD_LIMIT /);
  });

  it('a titration during a bolus neither restarts nor grows the bolus', () => {
    const s = makeSession();
    okAll(s, HEPARIN_80KG);
    expect(send(s, '3 BOLUS volume=64')).toBe('3 OK volume=64 rate=500');
    expect(send(s, '4 TITRATE dose=20')).toBe('4 OK rate=16');
    // 64 mL at 500 mL/h takes 460.8 s; the bolus ends with exactly 64 mL.
    const out = okAll(s, ['5 TICK ms=600000']);
    expect(out).toContain('! BOLUS_END t=460800 kind=bolus volume=64 cut=0');
    expect(send(s, '6 BOLUS volume=64 rate=500')).toBe('6 OK volume=64 rate=500');
  });
});

describe('defect 2: no bolus entry in the library means no bolus', () => {
  it('norepinephrine (no bolus in the library): BOLUS volume=20 is refused with NO_BOLUS', () => {
    const s = makeSession();
    okAll(s, ['1 PROGRAM drug=norepinephrine dose=0.1 weight=80 vtbi=250', '2 START']);
    expect(send(s, '3 BOLUS volume=20')).toMatch(/^3 ERR NO_BOLUS /);
    expect(send(s, '4 BOLUS volume=20 override=1')).toMatch(/^4 ERR NO_BOLUS /);
  });

  it('a loading dose of a drug with no bolus entry is refused with NO_BOLUS', () => {
    const s = makeSession();
    expect(send(s, '1 PROGRAM drug=norepinephrine dose=0.1 weight=80 vtbi=250 load=5')).toMatch(/^1 ERR NO_BOLUS /);
  });

  it('saline: the library allows a fluid bolus by volume with no bolus limits', () => {
    const s = makeSession();
    okAll(s, ['1 PROGRAM drug=saline dose=100 vtbi=1000', '2 START']);
    expect(send(s, '3 BOLUS volume=20')).toBe('3 OK volume=20 rate=500');
  });

  it('a basic infusion (no library drug) may still be bolused by volume', () => {
    const s = makeSession();
    okAll(s, ['1 PROGRAM rate=50 vtbi=500', '2 START']);
    expect(send(s, '3 BOLUS volume=20')).toBe('3 OK volume=20 rate=500');
  });
});

describe('defect 4: limits are checked on what will run, after rounding', () => {
  it('saline entered at 999.4 mL/h (hard limit 999) is refused even though 999 would run', () => {
    const s = makeSession();
    expect(send(s, '1 PROGRAM drug=saline dose=999.4 vtbi=1000 override=1')).toMatch(/^1 ERR HARD_LIMIT /);
  });

  it('propofol entered at 80.05 mcg/kg/min (hard 80) is refused, though 38.4 mL/h delivers exactly 80', () => {
    // 80.05 x 80 kg x 60 / 10,000 mcg/mL = 38.424 mL/h, rounded to 38.4 mL/h = 80.0 mcg/kg/min.
    const s = makeSession();
    expect(send(s, '1 PROGRAM drug=propofol dose=80.05 weight=80 vtbi=100 override=1')).toMatch(/^1 ERR HARD_LIMIT /);
  });

  it('dopamine entered exactly at its soft limit runs inside it: 187.5 mL/h rounds to 187, not 188', () => {
    // 20 mcg/kg/min x 250 kg x 60 / 1,600 mcg/mL = 187.5 mL/h. Above 100 mL/h the LVP steps by 1 mL/h:
    // 188 would deliver 20.053 (above the soft 20), 187 delivers 187 x 1600 / 60 / 250 = 19.947.
    const s = makeSession();
    const r = send(s, '1 PROGRAM drug=dopamine dose=20 weight=250 vtbi=250');
    expect(r).toMatch(/^1 OK /);
    expect(fields(r)).toMatchObject({ rate: '187', exact: '187.5', dose: '19.947', mode: 'drug' });
  });

  it('a basic rate that rounds says so: 12.34 mL/h runs at 12.3', () => {
    const s = makeSession();
    const r = send(s, '1 PROGRAM rate=12.34 vtbi=100');
    expect(fields(r)).toMatchObject({ rate: '12.3', exact: '12.34' });
    expect(send(s, '2 PROGRAM rate=12.3 vtbi=100')).toBe('2 OK rate=12.3 vtbi=100 mode=basic');
  });

  it('a titration that rounds says so: 150.4 mL/h runs at 150', () => {
    const s = makeSession();
    okAll(s, ['1 PROGRAM rate=50 vtbi=500', '2 START']);
    expect(fields(send(s, '3 TITRATE rate=150.4'))).toMatchObject({ rate: '150', exact: '150.4' });
  });

  it('a titration by dose is held to the entered dose too (propofol dose=80.05)', () => {
    const s = makeSession();
    okAll(s, ['1 PROGRAM drug=propofol dose=30 weight=80 vtbi=100', '2 START']);
    expect(send(s, '3 TITRATE dose=80.05 override=1')).toMatch(/^3 ERR HARD_LIMIT /);
  });
});

// Morphine in icu: 1 mg/mL; PCA limits in the library: demand soft 2 / hard 3 mg, lockout at least
// 6 min (soft 8), hourly limit soft 8 / hard 10 mg/h (docs/clinical.md, "Bolus and PCA limits").
describe('defect 9: PCA names a library drug and is held to its PCA limits', () => {
  const pca = (extra: string): string => `1 PROGRAM mode=pca drug=morphine ${extra} vtbi=100`;

  it('a PCA program can name a library drug', () => {
    const s = makeSession();
    const r = send(s, pca('basal=1 demand=1 lockout=10 limit=20 window=4'));
    expect(r).toBe('1 OK rate=1 vtbi=100 mode=pca');
    const st = send(s, '2 STATUS');
    expect(fields(st)).toMatchObject({ mode: 'pca', drug: 'morphine' });
  });

  it('the demand dose: 4 mL = 4 mg is above the hard 3 mg; 2.5 mg needs override', () => {
    const s = makeSession();
    expect(send(s, pca('demand=4 lockout=10 limit=20 window=4 override=1'))).toMatch(/^1 ERR HARD_LIMIT /);
    expect(send(s, pca('demand=2.5 lockout=10 limit=20 window=4'))).toMatch(/^1 ERR SOFT_LIMIT /);
    const out = s.feed(`${pca('demand=2.5 lockout=10 limit=20 window=4 override=1')}\n`);
    expect(out).toContain('! OVERRIDE t=0 what=demand value=2.5 limit=2 side=upper');
    expect(out.at(-1)).toBe('1 OK rate=0 vtbi=100 mode=pca');
  });

  it('the lockout: 5 min is below the hard 6; 7 min needs override', () => {
    const s = makeSession();
    expect(send(s, pca('demand=1 lockout=5 limit=20 window=4 override=1'))).toMatch(/^1 ERR HARD_LIMIT /);
    expect(send(s, pca('demand=1 lockout=7 limit=20 window=4'))).toMatch(/^1 ERR SOFT_LIMIT /);
  });

  it('the window limit as an hourly dose: 48 mg in 4 h = 12 mg/h is above the hard 10; 36 mg = 9 mg/h needs override', () => {
    const s = makeSession();
    expect(send(s, pca('demand=1 lockout=10 limit=48 window=4 override=1'))).toMatch(/^1 ERR HARD_LIMIT /);
    expect(send(s, pca('demand=1 lockout=10 limit=36 window=4'))).toMatch(/^1 ERR SOFT_LIMIT /);
    expect(send(s, pca('demand=1 lockout=10 limit=32 window=4'))).toBe('1 OK rate=0 vtbi=100 mode=pca');
  });

  it('the basal is held to the drug dose-rate limits: 25 mL/h = 25 mg/h is above the hard 20', () => {
    const s = makeSession();
    expect(send(s, pca('basal=25 demand=1 lockout=10 limit=20 window=4 override=1'))).toMatch(/^1 ERR HARD_LIMIT /);
  });

  it('a drug with no PCA entry cannot be given by PCA (NO_BOLUS)', () => {
    const s = makeSession();
    expect(send(s, '1 PROGRAM mode=pca drug=heparin weight=80 demand=1 lockout=10 limit=4 window=1 vtbi=100')).toMatch(/^1 ERR NO_BOLUS /);
  });

  it('a PCA program without a drug is logged as a basic infusion (NO_LIBRARY)', () => {
    const s = makeSession();
    const out = s.feed('1 PROGRAM mode=pca basal=0.5 demand=1 lockout=10 limit=4 window=1 vtbi=100\n');
    expect(out).toContain('! NO_LIBRARY t=0 rate=0.5');
    expect(out.at(-1)).toBe('1 OK rate=0.5 vtbi=100 mode=pca');
  });

  it('a DEMAND that will be cut at the window limit says so, with the volume that will be delivered', () => {
    const s = makeSession();
    okAll(s, ['1 PROGRAM mode=pca basal=0.6 demand=1 lockout=10 limit=1.5 window=1 vtbi=100', '2 START', '3 TICK ms=3600000']);
    // After 1 h at 0.6 mL/h the 1 h window holds 0.6 mL; 1.5 - 0.6 = 0.9 mL is left of the limit.
    const r = send(s, '4 DEMAND');
    expect(r).toMatch(/^4 OK /);
    const f = fields(r);
    expect(f.cut).toBe('1');
    expect(Number(f.volume)).toBeCloseTo(0.9, 3);
    // What is delivered is what the reply said.
    const out = okAll(s, ['5 TICK ms=60000']);
    const end = out.find((l) => l.startsWith('! BOLUS_END'));
    expect(end).toBeDefined();
    expect(fields(end ?? '')).toMatchObject({ kind: 'demand', volume: f.volume, cut: '1' });
  });

  it('a DEMAND that is not cut answers the programmed volume with no cut field', () => {
    const s = makeSession();
    okAll(s, ['1 PROGRAM mode=pca demand=1 lockout=10 limit=4 window=1 vtbi=100', '2 START']);
    expect(send(s, '3 DEMAND')).toBe('3 OK volume=1');
  });
});

describe('defect 14: small ones', () => {
  it('DRUG prints a missing limit as none, not as an empty number (soft=--10)', () => {
    const s = makeSession();
    // icu drug 5 is morphine: soft upper 10, hard upper 20, no lower limits.
    const f = fields(send(s, '1 DRUG idx=5'));
    expect(f.id).toBe('morphine');
    expect(f.soft).toBe('none-10');
    expect(f.hard).toBe('none-20');
    expect(fields(send(s, '2 DRUG idx=0'))).toMatchObject({ soft: '10-25', hard: '2-40' });
  });

  it('after VTBI with end=stop, START and RESUME say what to do (PROGRAM a new infusion or STOP)', () => {
    const s = makeSession();
    // 1 mL at 100 mL/h: 36 s.
    okAll(s, ['1 PROGRAM rate=100 vtbi=1 end=stop', '2 START', '3 TICK ms=60000']);
    expect(fields(send(s, '4 STATUS')).state).toBe('COMPLETE');
    const start = send(s, '5 START');
    const resume = send(s, '6 RESUME');
    for (const r of [start, resume]) {
      expect(r).toMatch(/ ERR BAD_STATE /);
      expect(r).not.toMatch(/use RESUME|cannot resume in COMPLETE$/);
      expect(r).toMatch(/PROGRAM/);
      expect(r).toMatch(/STOP/);
    }
    // What it says works: a new PROGRAM is accepted from COMPLETE.
    expect(send(s, '7 PROGRAM rate=50 vtbi=10')).toMatch(/^7 OK /);
  });
});
