/**
 * Found by the reference suite (test/model, pendingFixes "roundingIntoRange"): a dose whose nearest
 * rate step is outside the pump's rate range is refused, not run at the step inside the range
 * (docs/protocol.md, "Limits, rounding and boluses"). Driven through the line protocol; the
 * expected values are hand calculations from the drug library and docs/clinical.md.
 */
import { describe, expect, it } from 'vitest';
import { SYRINGE_PUMP } from '../../src/sim/pump/pumpTypes.js';
import { makeSession } from './helpers.js';
import { send, status } from './issue12Helpers.js';

// scenarios/druglib/general-hospital.json, area neonatal: morphine 5 mg in 50 mL = 100 mcg/mL,
// dose in mcg/kg/h, soft limits 5 to 20 (so every dose below needs override=1).
// docs/clinical.md: the syringe pump runs 0.01 to 200 mL/h in steps of 0.01 mL/h.

describe('a dose whose nearest rate step is outside the rate range is refused (OUT_OF_RANGE)', () => {
  it('PROGRAM: 1.325 mcg/kg/h at 0.3 kg is 0.003975 mL/h, nearest step 0 mL/h: refused, 0.01 mL/h does not run', () => {
    const s = makeSession({ type: SYRINGE_PUMP });
    send(s, '1 AREA id=neonatal');
    // 1.325 × 0.3 = 0.3975 mcg/h ÷ 100 mcg/mL = 0.003975 mL/h; rounds to 0.00, below 0.01.
    // Running 0.01 mL/h instead would deliver 1 mcg/h ÷ 0.3 kg = 3.333 mcg/kg/h, 2.5 times the dose.
    send(s, '2 PROGRAM drug=morphine dose=1.325 weight=0.3 vtbi=0.1 override=1', /^2 ERR OUT_OF_RANGE /);
    expect(status(s)).toMatchObject({ state: 'IDLE', mode: '-', rate: '0' });
  });

  it('PROGRAM: 2 mcg/kg/h at 0.3 kg is 0.006 mL/h, nearest step 0.01 mL/h: that step runs', () => {
    const s = makeSession({ type: SYRINGE_PUMP });
    send(s, '1 AREA id=neonatal');
    // 2 × 0.3 = 0.6 mcg/h = 0.006 mL/h; the nearest step is 0.01 mL/h, inside the range.
    send(s, '2 PROGRAM drug=morphine dose=2 weight=0.3 vtbi=0.1 override=1', /^2 OK rate=0\.01 vtbi=0\.1 mode=drug exact=0\.006 /);
  });

  it('TITRATE by dose: a running 2 mcg/kg/h titrated to 1.325 mcg/kg/h is refused and the rate stays', () => {
    const s = makeSession({ type: SYRINGE_PUMP });
    send(s, '1 AREA id=neonatal');
    send(s, '2 PROGRAM drug=morphine dose=2 weight=0.3 vtbi=0.1 override=1');
    send(s, '3 START');
    send(s, '4 TITRATE dose=1.325 override=1', /^4 ERR OUT_OF_RANGE /);
    expect(status(s)).toMatchObject({ state: 'RUNNING', rate: '0.01' });
  });
});
