import { describe, expect, it } from 'vitest';
import { LineSession } from '../../src/sim/session/lineSession.js';
import { makePump, makeSession, snapshot } from './helpers.js';

const PCA = '1 PROGRAM mode=pca basal=0.5 demand=1 lockout=10 limit=4 window=1 vtbi=100';

/** [code, lines that set the pump up, the line that gets the error]. */
const REACHABLE: [string, string[], string][] = [
  ['BAD_LINE', [], '!! PING'],
  ['BAD_LINE', [], '5 TICK 100'],
  ['BAD_CHAR', [], '5 PING\x01'],
  ['UNKNOWN_CMD', [], '5 FLY'],
  ['MISSING_ARG', [], '5 TICK'],
  ['MISSING_ARG', [], '5 PROGRAM rate=5'],
  ['BAD_ARG', [], '5 PING x=1'],
  ['BAD_ARG', ['1 PROGRAM rate=10 vtbi=100', '2 START'], '5 TITRATE rate=-1'],
  ['OUT_OF_RANGE', [], '5 TICK ms=0'],
  ['OUT_OF_RANGE', [], '5 TICK ms=86400001'],
  ['OUT_OF_RANGE', [], '5 PROGRAM rate=2000 vtbi=10'],
  ['OUT_OF_RANGE', ['1 PROGRAM rate=10 vtbi=100', '2 START'], '5 BOLUS volume=500'],
  ['BAD_STATE', [], '5 START'],
  ['BAD_STATE', ['1 PROGRAM rate=10 vtbi=100', '2 START'], '5 PROGRAM rate=5 vtbi=5'],
  ['NO_DRUG', [], '5 PROGRAM drug=aspirin dose=1 vtbi=10'],
  ['NO_DRUG', [], '5 AREA id=oncology'],
  ['HARD_LIMIT', [], '5 PROGRAM drug=heparin dose=45 weight=80 vtbi=250 override=1'],
  ['HARD_LIMIT', ['1 PROGRAM drug=heparin dose=18 weight=80 vtbi=250', '2 START'], '5 BOLUS dose=120 override=1'],
  ['SOFT_LIMIT', [], '5 PROGRAM drug=heparin dose=30 weight=80 vtbi=250'],
  ['SOFT_LIMIT', ['1 PROGRAM drug=heparin dose=18 weight=80 vtbi=250', '2 START'], '5 TITRATE dose=30'],
  ['NO_BOLUS', ['1 PROGRAM drug=norepinephrine dose=0.1 weight=80 vtbi=250', '2 START'], '5 BOLUS volume=20'],
  ['ALARM_ACTIVE', ['1 PROGRAM rate=10 vtbi=100', '2 START', '3 INJECT door=open'], '5 RESUME'],
  ['ALARM_ACTIVE', ['1 PROGRAM rate=10 vtbi=100', '3 INJECT selftest=fail'], '5 START'],
  ['LOCKOUT', [PCA, '2 START', '3 DEMAND', '4 TICK ms=60000'], '5 DEMAND'],
  ['PCA_LIMIT', ['1 PROGRAM mode=pca demand=1 lockout=5 limit=1 window=1 vtbi=100', '2 START', '3 DEMAND', '4 TICK ms=600000'], '5 DEMAND'],
];

describe('every error code is reachable from a line, and an ERR changes no pump state', () => {
  it.each(REACHABLE)('%s ← %j then %j', (code, setup, line) => {
    const s = makeSession();
    for (const l of setup) {
      const out = s.feed(`${l}\n`);
      expect(out.at(-1), l).toMatch(/ OK( |$)/);
    }
    const before = snapshot(s.pump);
    const n = s.pump.log.length;
    const out = s.feed(`${line}\n`);
    const replies = out.filter((o) => !o.startsWith('!') && !o.startsWith('*'));
    expect(replies).toHaveLength(1);
    const id = /^[A-Za-z0-9_-]{1,8}$/.test(line.split(' ')[0] ?? '') ? (line.split(' ')[0] as string) : '?';
    expect(replies[0]?.startsWith(`${id} ERR ${code} `)).toBe(true);
    expect(snapshot(s.pump)).toBe(before);
    // The request and its reply are logged (and a denied PCA press as ! DENIED), nothing else.
    const added = s.pump.log.all().slice(n);
    const denied = code === 'LOCKOUT' || code === 'PCA_LIMIT';
    expect(added.map((e) => e.dir)).toEqual(denied ? ['cmd', 'event', 'reply'] : ['cmd', 'reply']);
    expect(out.filter((o) => o.startsWith('!'))).toEqual(denied ? [`! DENIED t=${s.pump.nowMs} reason=${code}`] : []);
  });

  it('TOO_LONG', () => {
    const s = makeSession();
    const before = snapshot(s.pump);
    expect(s.feed(`1 TICK ms=5 ${'x'.repeat(130)}\n`)).toEqual([expect.stringMatching(/^\? ERR TOO_LONG /)]);
    expect(snapshot(s.pump)).toBe(before);
  });

  it('all the codes above are covered', () => {
    const covered = new Set(REACHABLE.map((r) => r[0]).concat('TOO_LONG'));
    for (const c of ['BAD_LINE', 'TOO_LONG', 'BAD_CHAR', 'UNKNOWN_CMD', 'MISSING_ARG', 'BAD_ARG', 'OUT_OF_RANGE', 'BAD_STATE', 'NO_DRUG', 'HARD_LIMIT', 'SOFT_LIMIT', 'NO_BOLUS', 'ALARM_ACTIVE', 'LOCKOUT', 'PCA_LIMIT']) {
      expect(covered.has(c), c).toBe(true);
    }
  });
});

describe('line assembly', () => {
  it('a command split across feed() chunks works, even byte by byte', () => {
    const s = makeSession();
    expect(s.feed('1 PI')).toEqual([]);
    expect(s.feed('NG')).toEqual([]);
    expect(s.feed('\n')).toEqual(['1 OK']);
    const out: string[] = [];
    for (const ch of '2 PROGRAM rate=10 vtbi=5\n3 STATUS\n') out.push(...s.feed(ch));
    expect(out).toEqual([
      '! NO_LIBRARY t=0 rate=10',
      '! STATE t=0 state=PROGRAMMED reason=program',
      '2 OK rate=10 vtbi=5 mode=basic',
      '3 OK t=0 state=PROGRAMMED mode=basic drug=- rate=0 vi=0 vtbi=5 alarm=- prio=- batt=100 mains=1',
    ]);
  });

  it('several lines in one chunk, \\r\\n endings, blank lines ignored', () => {
    const s = makeSession();
    expect(s.feed('1 PING\r\n\r\n   \n2 PING\r\n')).toEqual(['1 OK', '2 OK']);
    // A \r split from its \n.
    expect(s.feed('3 PING\r')).toEqual([]);
    expect(s.feed('\n')).toEqual(['3 OK']);
  });

  it('an overlong line is discarded whole and answered once, when its end arrives', () => {
    const s = makeSession();
    expect(s.feed(`1 TICK ms=${'9'.repeat(100)}`)).toEqual([]);
    expect(s.feed('9'.repeat(500))).toEqual([]);
    expect(s.feed('9'.repeat(50))).toEqual([]);
    expect(s.feed('9\n2 PING\n')).toEqual([expect.stringMatching(/^\? ERR TOO_LONG /), '2 OK']);
    expect(s.pump.nowMs).toBe(0);
    expect(s.rejectedLines).toBe(1);
  });

  it('the limit is 120 characters without the line end', () => {
    const s = makeSession();
    const line120 = `1 TICK ms=5${' '.repeat(109)}`;
    expect(line120).toHaveLength(120);
    expect(s.feed(`${line120}\r\n`)).toEqual(['1 OK t=5']);
    expect(s.feed(`${line120}\n`)).toEqual(['1 OK t=10']);
    expect(s.feed(`${line120} \n`)).toEqual([expect.stringMatching(/^\? ERR TOO_LONG /)]);
    expect(s.feed(`${line120} \r\n`)).toEqual([expect.stringMatching(/^\? ERR TOO_LONG /)]);
    expect(s.feed(`${line120}  x\r\n`)).toEqual([expect.stringMatching(/^\? ERR TOO_LONG /)]);
    expect(s.pump.nowMs).toBe(10);
  });

  it('where the reads are cut changes no reply (CR/LF, overlong, bad bytes): every 2-way split', () => {
    // What the fuzz test sends, in small: bad bytes, a bare CR, a CR before its LF, an overlong
    // line (with CRs and LFs around it), blank lines, and a PING at the end that must be answered.
    const text = [
      '1 PING\x07\r\n',
      '\r\n',
      `2 TICK ms=${'9'.repeat(130)}\r\n`,
      '3 PI\rNG\n',
      `\x13${'x'.repeat(200)}\r\r\n`,
      '4 FLY\xff\n',
      '\n',
      `${' x'.repeat(61)}\n`,
      '5 STATUS bogus=1\r\n',
      'z9 PING\n',
    ].join('');
    const whole = makeSession().feed(text);
    expect(whole.at(-1)).toBe('z9 OK');
    expect(whole).toHaveLength(8);
    for (let i = 0; i <= text.length; i++) {
      const s = makeSession();
      expect([...s.feed(text.slice(0, i)), ...s.feed(text.slice(i))], `split at ${i}`).toEqual(whole);
    }
  });

  it('a malformed line is logged, sanitized, and counted', () => {
    const s = makeSession();
    s.feed('7 PING\x01\n');
    expect(s.rejectedLines).toBe(1);
    expect(s.pump.log.all().map((e) => e.text)).toEqual(['? 7 PING\\x01', '7 ERR BAD_CHAR byte 0x01 at column 7 is not printable ASCII']);
  });
});

describe('a session end to end', () => {
  it('the heparin example of docs/protocol.md', () => {
    const s = makeSession();
    expect(s.feed('1 PROGRAM drug=heparin dose=18 weight=80 vtbi=250\n')).toEqual(['! STATE t=0 state=PROGRAMMED reason=program', '1 OK rate=14.4 vtbi=250 mode=drug']);
    expect(s.feed('2 START\n')).toEqual(['! STATE t=0 state=RUNNING reason=start', '! RATE t=0 rate=14.4', '2 OK']);
    expect(s.feed('3 TICK ms=600000\n')).toEqual(['3 OK t=600000']);
    expect(s.feed('4 INJECT occlusion=down\n')).toEqual(['4 OK']);
    const out = s.feed('5 TICK ms=600000\n');
    // 0.4 mL of line compliance at 14.4 mL/h (310 mmHg limit): the alarm comes 100 s after the occlusion, inside the TICK.
    expect(out).toEqual([
      '! ALARM t=699992 id=OCCLUSION_DOWN prio=high stops=1',
      '! AUDIO t=699992 prio=high',
      '! STATE t=699992 state=ALARM reason=OCCLUSION_DOWN',
      '! RATE t=699992 rate=0',
      '5 OK t=1200000',
    ]);
    for (const l of out.slice(0, -1)) expect(Number(/t=(\d+)/.exec(l)?.[1])).toBeLessThanOrEqual(1_200_000);
  });

  it('INFO and STATUS', () => {
    const s = makeSession();
    expect(s.feed('1 INFO\n')).toEqual(['1 OK model=lvp fw=1.0.0 clock=virtual serial=SIM-0000002a lib=General_Hospital@2026.11.1 area=icu']);
    expect(s.feed('2 STATUS\n')).toEqual(['2 OK t=0 state=IDLE mode=- drug=- rate=0 vi=0 vtbi=0 alarm=- prio=- batt=100 mains=1']);
    expect(s.statusLine()).toBe('* STATUS t=0 state=IDLE mode=- drug=- rate=0 vi=0 vtbi=0 alarm=- prio=- batt=100 mains=1');
  });

  it('periodic status lines come at their times during a TICK, events in order before them', () => {
    const s = new LineSession(makePump(), { statusEveryMs: 60_000 });
    s.feed('1 PROGRAM rate=60 vtbi=2 end=stop\n2 START\n');
    const out = s.feed('3 TICK ms=180000\n');
    expect(out.filter((l) => l.startsWith('* STATUS')).map((l) => /t=(\d+)/.exec(l)?.[1])).toEqual(['60000', '120000']);
    const iDone = out.findIndex((l) => l.startsWith('! VTBI_DONE t=120000'));
    const iStatus2 = out.findIndex((l) => l.startsWith('* STATUS t=120000'));
    expect(iDone).toBeGreaterThanOrEqual(0);
    expect(iDone).toBeLessThan(iStatus2);
    expect(out.filter((l) => / OK| ERR /.test(l))).toHaveLength(1);
  });

  // Regression: with periodic status, TICK used to advance by n plus the stepped part.
  it('with periodic status, TICK ms=180000 still advances exactly 180000 ms', () => {
    const s = new LineSession(makePump(), { statusEveryMs: 60_000 });
    s.feed('1 PROGRAM rate=60 vtbi=100\n2 START\n');
    const out = s.feed('3 TICK ms=180000\n');
    expect(out.at(-1)).toBe('3 OK t=180000');
    expect(s.pump.nowMs).toBe(180_000);
  });
});
