/**
 * Issue 12: regression tests at the protocol level. Each test drives a pump through the line
 * protocol (a LineSession, as `infusim console` and the serial device do) and checks the lines it
 * answers. Expected values come from docs/protocol.md and docs/clinical.md or from a hand
 * calculation written next to them, never from the pump itself.
 */
import { describe, expect, it } from 'vitest';
import { makeSession } from './helpers.js';
import { send, status } from './issue12Helpers.js';

describe('defect 7: a depleted battery shuts the pump down after the depleted-battery period', () => {
  it('on battery at 0 %: alarm, then OFF after 3 min with the program kept; mains loss and return are events', () => {
    const s = makeSession();
    send(s, '1 PROGRAM rate=100 vtbi=500');
    send(s, '2 START');
    expect(send(s, '3 INJECT mains=off')).toContain('! MAINS t=0 mains=0');
    const dep = send(s, '4 INJECT battery=0');
    expect(dep).toContain('! ALARM t=0 id=BATTERY_DEPLETED prio=high stops=1');
    // docs/clinical.md: depleted-battery period 180 s, then the pump shuts down.
    const out = send(s, '5 TICK ms=3600000');
    expect(out).toContain('! STATE t=180000 state=OFF reason=battery_depleted');
    const st = status(s);
    expect(st.state).toBe('OFF');
    expect(st.vtbi).toBe('500');
    expect(st.mode).toBe('basic');
    expect(send(s, '6 INJECT mains=on')).toContain('! MAINS t=3600000 mains=1');
    send(s, '7 INJECT power=on');
    expect(status(s).state).toBe('PAUSED');
  });
});
