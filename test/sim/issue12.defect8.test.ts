/**
 * Issue 12: regression tests at the protocol level. Each test drives a pump through the line
 * protocol (a LineSession, as `infusim console` and the serial device do) and checks the lines it
 * answers. Expected values come from docs/protocol.md and docs/clinical.md or from a hand
 * calculation written next to them, never from the pump itself.
 */
import { describe, expect, it } from 'vitest';
import { makeSession } from './helpers.js';
import { send, status } from './issue12Helpers.js';

describe('defect 8: after the last flow-stopping alarm ends the pump is PAUSED (reason=alarm_cleared)', () => {
  it('latching: air in line cleared and acknowledged', () => {
    const s = makeSession();
    send(s, '1 PROGRAM rate=100 vtbi=500');
    send(s, '2 START');
    send(s, '3 INJECT air=0.5');
    const ack = send(s, '4 ACK');
    expect(ack).toContain('! ALARM_END t=0 id=AIR_IN_LINE');
    expect(ack).toContain('! STATE t=0 state=PAUSED reason=alarm_cleared');
    expect(status(s)).toMatchObject({ state: 'PAUSED', alarm: '-' });
    send(s, '5 RESUME');
  });

  it('non-latching: the door closed', () => {
    const s = makeSession();
    send(s, '1 PROGRAM rate=100 vtbi=500');
    send(s, '2 START');
    send(s, '3 INJECT door=open');
    expect(send(s, '4 INJECT door=closed')).toContain('! STATE t=0 state=PAUSED reason=alarm_cleared');
    expect(status(s)).toMatchObject({ state: 'PAUSED', alarm: '-' });
  });
});
