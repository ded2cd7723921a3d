/**
 * Issue 12, defect 12: each bench run starts from a known state. RESET (docs/protocol.md) brings
 * a pump behind a line session to its power-on state; STOP clears the volume counter with the
 * program, so a pump that ran an infusion shows the same IDLE status as one that never did
 * (the simulator used to keep vi after STOP: `vi=0.001` in IDLE, against `vi=0` for a fresh pump
 * and for the Uno firmware). Expected lines are written from docs/protocol.md by hand.
 */
import { describe, expect, it } from 'vitest';
import { parseRequest } from '../../src/sim/protocol/lineCodec.js';
import { LineSession } from '../../src/sim/session/lineSession.js';
import { makePump, makeSession, snapshot } from './helpers.js';

const IDLE_FRESH = 'state=IDLE mode=- drug=- rate=0 vi=0 vtbi=0 alarm=- prio=- batt=100 mains=1';

function resettable(): LineSession {
  return new LineSession(makePump(), { freshPump: (startMs, log) => makePump({ startMs, log }) });
}

/** Feed lines, insisting that each request is answered OK. */
function okAll(s: LineSession, lines: string[]): void {
  for (const l of lines) expect(s.feed(`${l}\n`).at(-1), l).toMatch(/^\S+ OK( |$)/);
}

describe('STOP clears the program and its volume counter', () => {
  it('after 10 min at 25 mL/h, STOP answers vi=4.167 and STATUS shows vi=0 (no program, nothing counted)', () => {
    const s = makeSession();
    okAll(s, ['1 PROGRAM rate=25 vtbi=100', '2 START', '3 TICK ms=600000']);
    expect(s.feed('4 STOP\n').at(-1)).toBe('4 OK vi=4.167');
    expect(s.feed('5 STATUS\n')).toEqual([`5 OK t=600000 ${IDLE_FRESH}`]);
  });

  it('the bench case of issue 12: 30 s at 0.1 mL/h, STOP, then STATUS in IDLE shows vi=0', () => {
    const s = makeSession();
    okAll(s, ['1 PROGRAM rate=0.05 vtbi=1 end=stop kvo=5', '2 START', '3 TICK ms=30000']);
    expect(s.feed('4 STOP\n').at(-1)).toBe('4 OK vi=0.001');
    expect(s.feed('5 STATUS\n')).toEqual([`5 OK t=30000 ${IDLE_FRESH}`]);
  });
});

describe('RESET: the power-on state, for benches and tests', () => {
  it('after an infusion, an alarm, a sensor fault and battery use, RESET gives a freshly switched-on pump at the same time', () => {
    const s = resettable();
    okAll(s, ['1 PROGRAM rate=25 vtbi=100', '2 START', '3 TICK ms=600000', '4 INJECT mains=off', '5 INJECT door=open', '6 TICK ms=600000', '7 STOP']);
    expect(s.feed('8 STATUS\n').at(-1)).toMatch(/state=IDLE .* alarm=DOOR_OPEN .* mains=0$/);
    expect(s.feed('9 RESET\n')).toEqual(['9 OK t=1200000']);
    expect(s.feed('10 STATUS\n')).toEqual([`10 OK t=1200000 ${IDLE_FRESH}`]);
    // The door is closed again: nothing is raised when time goes on.
    expect(s.feed('11 TICK ms=1000\n')).toEqual(['11 OK t=1201000']);
  });

  it('the event log goes on through a RESET (the reset itself is logged) and still verifies', () => {
    const s = resettable();
    okAll(s, ['1 PROGRAM rate=25 vtbi=100', '2 START', '3 TICK ms=60000', '4 STOP']);
    const before = s.pump.log.all().map((e) => e.text);
    expect(s.feed('5 RESET\n')).toEqual(['5 OK t=60000']);
    const after = s.pump.log.all().map((e) => e.text);
    expect(after.slice(0, before.length)).toEqual(before);
    expect(after.slice(before.length)).toEqual(['RESET', '5 OK t=60000']);
    expect(s.pump.log.verify()).toBe(-1);
  });

  it('is refused with BAD_STATE while a program is entered, and changes nothing', () => {
    const s = resettable();
    okAll(s, ['1 PROGRAM rate=25 vtbi=100', '2 START', '3 TICK ms=60000']);
    const before = snapshot(s.pump);
    const pump = s.pump;
    expect(s.feed('4 RESET\n')).toEqual([expect.stringMatching(/^4 ERR BAD_STATE .*STOP/)]);
    expect(s.pump).toBe(pump);
    expect(snapshot(s.pump)).toBe(before);
  });

  it('takes no arguments', () => {
    expect(resettable().feed('1 RESET all=1\n')).toEqual([expect.stringMatching(/^1 ERR BAD_ARG /)]);
  });

  it('a session that cannot make a fresh pump answers NOT_SUPPORTED', () => {
    expect(makeSession().feed('1 RESET\n')).toEqual([expect.stringMatching(/^1 ERR NOT_SUPPORTED /)]);
  });

  it('is a command of the line session, not of the pump: a remote or parsed command cannot be RESET', () => {
    const r = parseRequest('1 RESET');
    expect('error' in r && !r.error.ok && r.error.code).toBe('UNKNOWN_CMD');
  });
});
