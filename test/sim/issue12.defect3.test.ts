/**
 * Issue 12: regression tests at the protocol level. Each test drives a pump through the line
 * protocol (a LineSession, as `infusim console` and the serial device do) and checks the lines it
 * answers. Expected values come from docs/protocol.md and docs/clinical.md or from a hand
 * calculation written next to them, never from the pump itself.
 */
import { describe, expect, it } from 'vitest';
import { SYRINGE_PUMP } from '../../src/sim/pump/pumpTypes.js';
import { makeSession } from './helpers.js';
import { send, status } from './issue12Helpers.js';

describe('defect 3: delivered volume never exceeds what is loaded (syringe, container)', () => {
  it('syringe pump, PROGRAM rate=10 vtbi=50 end=continue, 24 h: stops empty at 50 mL, not 240 mL', () => {
    const s = makeSession({ type: SYRINGE_PUMP });
    send(s, '1 PROGRAM rate=10 vtbi=50 end=continue');
    send(s, '2 START');
    const out = send(s, '3 TICK ms=86400000');
    // docs/clinical.md: with no syringe= the syringe is the type's default, 50 mL, loaded full.
    // 50 mL at 10 mL/h empties it after 5 h = 18,000,000 ms; the near-empty pre-alarm comes
    // 5 min (docs/clinical.md) earlier: 17,700,000 ms.
    expect(out).toContain('! ALARM t=17700000 id=NEAR_EMPTY prio=low stops=0');
    expect(out).toContain('! ALARM t=18000000 id=CONTAINER_EMPTY prio=high stops=1');
    expect(out).toContain('! STATE t=18000000 state=ALARM reason=CONTAINER_EMPTY');
    const st = status(s);
    expect(st.vi).toBe('50');
    expect(st.state).toBe('ALARM');
    expect(st.alarm).toBe('CONTAINER_EMPTY');
  });

  it('a smaller syringe (syringe=20) empties at 20 mL; a VTBI above the syringe is refused', () => {
    const s = makeSession({ type: SYRINGE_PUMP });
    send(s, '1 PROGRAM rate=10 vtbi=30 syringe=20', /^1 ERR OUT_OF_RANGE /);
    send(s, '2 PROGRAM rate=10 vtbi=10 syringe=15', /^2 ERR OUT_OF_RANGE /);
    send(s, '3 PROGRAM rate=10 vtbi=10 syringe=20 end=continue');
    send(s, '4 START');
    const out = send(s, '5 TICK ms=86400000');
    // 20 mL at 10 mL/h: 2 h = 7,200,000 ms.
    expect(out).toContain('! ALARM t=7200000 id=CONTAINER_EMPTY prio=high stops=1');
    expect(status(s).vi).toBe('20');
  });

  it('LVP with container=150 and end=continue stops empty at 150 mL; a new container refills it', () => {
    const s = makeSession();
    send(s, '1 PROGRAM rate=100 vtbi=100 container=150 end=continue');
    send(s, '2 START');
    const out = send(s, '3 TICK ms=86400000');
    // 150 mL at 100 mL/h: 1.5 h = 5,400,000 ms; near empty 5 min before: 5,100,000 ms.
    expect(out).toContain('! ALARM t=5100000 id=NEAR_EMPTY prio=low stops=0');
    expect(out).toContain('! ALARM t=5400000 id=CONTAINER_EMPTY prio=high stops=1');
    expect(status(s).vi).toBe('150');
    // docs/protocol.md: INJECT container=ok is a new container of the same volume.
    send(s, '4 INJECT container=ok');
    send(s, '5 ACK');
    send(s, '6 RESUME');
    send(s, '7 TICK ms=86400000');
    expect(status(s).vi).toBe('300');
  });
});
