/**
 * Issue 12: regression tests at the protocol level. Each test drives a pump through the line
 * protocol (a LineSession, as `infusim console` and the serial device do) and checks the lines it
 * answers. Expected values come from docs/protocol.md and docs/clinical.md or from a hand
 * calculation written next to them, never from the pump itself.
 */
import { describe, expect, it } from 'vitest';
import { makeSession } from './helpers.js';
import { send, status } from './issue12Helpers.js';

describe('defect 6: a failed self-test takes the pump out of service', () => {
  it('ACK and RESUME do not bring it back, even once the self-test input passes', () => {
    const s = makeSession();
    send(s, '1 PROGRAM rate=100 vtbi=500');
    send(s, '2 START');
    send(s, '3 TICK ms=60000');
    expect(send(s, '4 INJECT selftest=fail')).toContain('! STATE t=60000 state=ALARM reason=SELF_TEST_FAIL');
    send(s, '5 INJECT selftest=pass');
    send(s, '6 ACK');
    send(s, '7 RESUME', /^7 ERR ALARM_ACTIVE /);
    send(s, '8 TICK ms=60000');
    // 100 mL/h for 60 s = 1.667 mL, nothing more.
    expect(status(s).vi).toBe('1.667');
    send(s, '9 STOP');
    send(s, '10 PROGRAM rate=100 vtbi=500');
    send(s, '11 START', /^11 ERR ALARM_ACTIVE /);
  });

  it('a power cycle whose self-test passes is the service action; one that fails is not', () => {
    const s = makeSession();
    send(s, '1 PROGRAM rate=100 vtbi=500');
    send(s, '2 START');
    send(s, '3 INJECT selftest=fail');
    send(s, '4 INJECT power=off');
    send(s, '5 INJECT power=on');
    send(s, '6 ACK');
    send(s, '7 RESUME', /^7 ERR ALARM_ACTIVE /);
    send(s, '8 INJECT selftest=pass');
    send(s, '9 INJECT power=off');
    const on = send(s, '10 INJECT power=on');
    expect(on).toContain('! ALARM_END t=0 id=SELF_TEST_FAIL');
    send(s, '11 RESUME');
    expect(status(s).state).toBe('RUNNING');
  });
});
