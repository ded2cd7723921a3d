/**
 * Every entry of test/model/pendingFixes.ts hides a real disagreement: with the entry removed,
 * the reference disagrees with today's pump on a short protocol script (the issue 12 transcript
 * where there is one), and the random suite (fixed seed) fails too. When a fix lands, this test fails for its entry ("the pump now agrees"):
 * delete the entry from pendingFixes.ts, and its case here.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { PumpCommand } from '../../src/sim/protocol/commands.js';
import { PENDING_FIXES, PENDING_FIX_IDS, type PendingFixId } from '../model/pendingFixes.js';
import { Coverage } from './reference/coverage.js';
import { referenceProperty, runRefScript } from './reference/property.js';

const open = (value: 'open' | 'closed'): PumpCommand => ({ cmd: 'INJECT', input: { sensor: 'door', value } });

/** For each pending fix: a script on which the target behaviour differs from today's pump, and what differs. */
const WITNESSES: Record<PendingFixId, { typeId: 'lvp' | 'syringe'; script: PumpCommand[]; differs: RegExp }> = {
  // Issue 12 item 1: heparin 100 units/mL, 80 kg: 100 mL is 125 units/kg, above the hard limit of 100.
  bolusLimitsAnyUnit: {
    typeId: 'lvp',
    script: [{ cmd: 'PROGRAM', drugId: 'heparin', dose: 18, weightKg: 80, vtbiMl: 250 }, { cmd: 'START' }, { cmd: 'BOLUS', volumeMl: 100 }],
    differs: /reply: expected ERR HARD_LIMIT, got OK/,
  },
  // Item 2: norepinephrine has no bolus entry in the library.
  noBolusEntryRefused: {
    typeId: 'lvp',
    script: [{ cmd: 'PROGRAM', drugId: 'norepinephrine', dose: 0.5, weightKg: 80, vtbiMl: 100 }, { cmd: 'START' }, { cmd: 'BOLUS', volumeMl: 20 }],
    differs: /reply: expected ERR NEW_CODE\|.*got OK/,
  },
  // Item 5: the door stays open after an ACK; 121 s later the high-priority signal must be back.
  ackReannunciation: {
    typeId: 'lvp',
    script: [{ cmd: 'PROGRAM', rateMlPerH: 100, vtbiMl: 50 }, { cmd: 'START' }, open('open'), { cmd: 'ACK' }, { cmd: 'TICK', ms: 121_000 }],
    differs: /audio: expected high sounding, got off/,
  },
  // Item 8: the door closes (a non-latching alarm ends): PAUSED reason=alarm_cleared, like the Uno firmware.
  alarmClearedPaused: {
    typeId: 'lvp',
    script: [{ cmd: 'PROGRAM', rateMlPerH: 100, vtbiMl: 50 }, { cmd: 'START' }, open('open'), open('closed')],
    differs: /state: expected PAUSED, got ALARM/,
  },
  // Item 3: 10 mL/h from a 50 mL syringe for 24 h (end=continue): empty at 50 mL, not 240 mL delivered.
  syringeVolume: {
    typeId: 'syringe',
    script: [{ cmd: 'PROGRAM', rateMlPerH: 10, vtbiMl: 50, endAction: 'continue' }, { cmd: 'START' }, { cmd: 'TICK', ms: 86_400_000 }],
    differs: /state: expected ALARM, got RUNNING/,
  },
  // Item 6: a failed self-test, acknowledged, then a passing result with no power cycle: still out of service.
  selfTestOutOfService: {
    typeId: 'lvp',
    script: [{ cmd: 'INJECT', input: { sensor: 'selftest', value: 'fail' } }, { cmd: 'ACK' }, { cmd: 'INJECT', input: { sensor: 'selftest', value: 'pass' } }, { cmd: 'PROGRAM', rateMlPerH: 100, vtbiMl: 50 }, { cmd: 'START' }],
    differs: /alarms: expected \[SELF_TEST_FAIL\], got \[\]/,
  },
  // Found by this suite: the door opens while the pump is off; at power-on RESUME would run with it open.
  sensorsWhileOff: {
    typeId: 'lvp',
    script: [{ cmd: 'PROGRAM', rateMlPerH: 100, vtbiMl: 50 }, { cmd: 'START' }, { cmd: 'INJECT', input: { sensor: 'power', value: 'off' } }, open('open')],
    differs: /reply: expected OK, got ERR BAD_STATE/,
  },
};

describe('each pending fix hides a real disagreement with today\'s pump', () => {
  it('with every entry in force, the witness scripts pass', () => {
    for (const id of PENDING_FIX_IDS) {
      const w = WITNESSES[id];
      expect(runRefScript({ typeId: w.typeId, coverage: new Coverage() }, w.script)?.message, id).toBeUndefined();
    }
  });

  for (const id of PENDING_FIX_IDS) {
    it(`without "${id}" the reference disagrees with the pump`, () => {
      const pending = new Set([...PENDING_FIXES].filter((p) => p !== id));
      const w = WITNESSES[id];
      const mismatch = runRefScript({ typeId: w.typeId, pending, coverage: new Coverage() }, w.script);
      expect(mismatch, `the pump now agrees with the target of "${id}": delete the entry from test/model/pendingFixes.ts`).toBeDefined();
      expect(mismatch?.message).toMatch(w.differs);
      // The random suite reaches the case too: without the entry it fails on today's pump.
      const out = fc.check(referenceProperty({ typeId: w.typeId, pending, coverage: new Coverage() }), { numRuns: 3000, seed: 20261207, endOnFailure: true });
      expect(out.failed, `the property did not find it in ${out.numRuns} runs`).toBe(true);
    });
  }
});
