/**
 * Issue 12: regression tests at the protocol level. Each test drives a pump through the line
 * protocol (a LineSession, as `infusim console` and the serial device do) and checks the lines it
 * answers. Expected values come from docs/protocol.md and docs/clinical.md or from a hand
 * calculation written next to them, never from the pump itself.
 */
import { describe, expect, it } from 'vitest';
import { makeSession } from './helpers.js';
import { send } from './issue12Helpers.js';

describe('defect 5: an acknowledged alarm whose condition persists is not silent for ever', () => {
  it('door open, ACK: audio off for the 120 s pause, then high again while the door stays open', () => {
    const s = makeSession();
    send(s, '1 PROGRAM rate=100 vtbi=500');
    send(s, '2 START');
    expect(send(s, '3 INJECT door=open')).toContain('! AUDIO t=0 prio=high');
    expect(send(s, '4 ACK')).toContain('! AUDIO t=0 prio=off');
    // docs/clinical.md: audio pause 120 s; docs/protocol.md: re-annunciated if the cause persists.
    const out = send(s, '5 TICK ms=3600000');
    expect(out).toContain('! AUDIO t=120000 prio=high');
  });

  it('downstream occlusion acknowledged while still occluded sounds again after 120 s', () => {
    const s = makeSession();
    send(s, '1 PROGRAM rate=100 vtbi=500');
    send(s, '2 START');
    send(s, '3 INJECT occlusion=down');
    // (310 - 10) mmHg x 0.133322 kPa/mmHg x 0.01 mL/kPa = 0.399966 mL at 100 mL/h = 14,398.8 ms,
    // acted on at the next whole millisecond: 14,399 ms.
    expect(send(s, '4 TICK ms=20000')).toContain('! ALARM t=14399 id=OCCLUSION_DOWN prio=high stops=1');
    expect(send(s, '5 ACK')).toContain('! AUDIO t=20000 prio=off');
    expect(send(s, '6 TICK ms=3600000')).toContain('! AUDIO t=140000 prio=high');
  });

  it('a medium alarm acknowledged while its cause persists gives a reminder signal every 3 min', () => {
    const s = makeSession();
    // 1 mL at 60 mL/h: VTBI done after 60 s; KVO then runs.
    send(s, '1 PROGRAM rate=60 vtbi=1 end=kvo');
    send(s, '2 START');
    expect(send(s, '3 TICK ms=60000')).toContain('! ALARM t=60000 id=VTBI_COMPLETE prio=medium stops=0');
    expect(send(s, '4 ACK alarm=VTBI_COMPLETE')).toContain('! AUDIO t=60000 prio=off');
    // docs/clinical.md: reminder interval 180 s.
    const out = send(s, '5 TICK ms=400000');
    expect(out.filter((l) => l.startsWith('! REMINDER'))).toEqual(['! REMINDER t=240000 id=VTBI_COMPLETE', '! REMINDER t=420000 id=VTBI_COMPLETE']);
  });

  it('ACK does not pause an alarm that may not be paused (depleted battery)', () => {
    const s = makeSession();
    send(s, '1 PROGRAM rate=100 vtbi=500');
    send(s, '2 START');
    send(s, '3 INJECT mains=off');
    send(s, '4 INJECT battery=0');
    const out = send(s, '5 ACK');
    expect(out.some((l) => l.startsWith('! AUDIO') && !l.endsWith('prio=high'))).toBe(false);
  });
});
