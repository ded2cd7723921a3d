/**
 * Found by the reference suite (test/model, pendingFixes "sensorsWhileOff"): a sensor input while
 * the pump is powered off is kept, so that at power-on the condition is there and raises its alarm
 * (docs/protocol.md, "Power"). Driven through the line protocol; the expected values come from
 * docs/protocol.md (alarm table) and docs/clinical.md (occlusion figures), never from the pump.
 */
import { describe, expect, it } from 'vitest';
import { makeSession } from './helpers.js';
import { send, status, type Session } from './issue12Helpers.js';

/** An LVP infusing 100 mL/h, then switched off. */
function runningThenOff(): Session {
  const s = makeSession();
  send(s, '1 PROGRAM rate=100 vtbi=50');
  send(s, '2 START');
  send(s, '3 INJECT power=off');
  expect(status(s).state).toBe('OFF');
  return s;
}

describe('a sensor input while the pump is off is kept and acts at power-on', () => {
  it('door opened while off: at power-on DOOR_OPEN is active and RESUME is refused until the door closes', () => {
    const s = runningThenOff();
    send(s, '4 INJECT door=open');
    send(s, '5 TICK ms=1000');
    send(s, '6 INJECT power=on');
    // docs/protocol.md: on again an infusion that was flowing waits PAUSED; DOOR_OPEN stops flow.
    expect(status(s)).toMatchObject({ state: 'PAUSED', alarm: 'DOOR_OPEN' });
    send(s, '7 RESUME', /^7 ERR ALARM_ACTIVE /);
    // DOOR_OPEN does not latch (docs/protocol.md, "Alarms"): it ends when the door closes.
    send(s, '8 INJECT door=closed');
    send(s, '9 RESUME');
    expect(status(s).state).toBe('RUNNING');
  });

  it('container reported empty while off: at power-on CONTAINER_EMPTY is active and RESUME is refused', () => {
    const s = runningThenOff();
    send(s, '4 INJECT container=empty');
    send(s, '5 INJECT power=on');
    expect(status(s)).toMatchObject({ state: 'PAUSED', alarm: 'CONTAINER_EMPTY' });
    send(s, '6 RESUME', /^6 ERR ALARM_ACTIVE /);
  });

  it('downstream occlusion while off: after power-on and RESUME the alarm comes when the line pressure reaches the limit', () => {
    const s = runningThenOff();
    send(s, '4 INJECT occlusion=down');
    send(s, '5 INJECT power=on');
    send(s, '6 RESUME');
    // docs/clinical.md, "Occlusion": (310 - 10) mmHg × 0.133322 kPa/mmHg × 0.01 mL/kPa = 0.39997 mL
    // pumped into the blocked line; at 100 mL/h that takes 0.39997 / 100 h = 14,399 ms.
    expect(send(s, '7 TICK ms=14000').join('\n')).not.toMatch(/OCCLUSION_DOWN/);
    expect(send(s, '8 TICK ms=1000').join('\n')).toMatch(/! ALARM t=\d+ id=OCCLUSION_DOWN /);
    expect(status(s)).toMatchObject({ state: 'ALARM', alarm: 'OCCLUSION_DOWN' });
  });

  it('a failed self-test while off keeps the pump out of service at power-on', () => {
    const s = runningThenOff();
    send(s, '4 INJECT selftest=fail');
    send(s, '5 INJECT power=on');
    // docs/protocol.md, "Out of service": START and RESUME answer ALARM_ACTIVE.
    expect(status(s)).toMatchObject({ state: 'PAUSED', alarm: 'SELF_TEST_FAIL' });
    send(s, '6 RESUME', /^6 ERR ALARM_ACTIVE .*out of service/);
  });
});
