import { describe, expect, it } from 'vitest';
import { ERROR_CODES, err, ok, type PumpCommand } from '../../src/sim/protocol/commands.js';
import { firstBadChar, formatCommand, formatReply, formatStatusLine, MAX_LINE_CHARS, parseRequest } from '../../src/sim/protocol/lineCodec.js';
import { fmtNum } from '../../src/sim/trace/events.js';

function cmd(line: string): PumpCommand {
  const r = parseRequest(line);
  if ('error' in r) throw new Error(`${line}: ${formatReply(r.id, r.error)}`);
  return r.command;
}

function error(line: string): [string, string] {
  const r = parseRequest(line);
  if (!('error' in r) || r.error.ok) throw new Error(`${line} parsed`);
  return [r.id, r.error.code];
}

describe('every command parses', () => {
  const cases: [string, PumpCommand][] = [
    ['a PING', { cmd: 'PING' }],
    ['b INFO', { cmd: 'INFO' }],
    ['c STATUS', { cmd: 'STATUS' }],
    ['d TICK ms=600000', { cmd: 'TICK', ms: 600000 }],
    ['e AREA id=icu', { cmd: 'AREA', id: 'icu' }],
    ['f DRUG idx=0', { cmd: 'DRUG', idx: 0 }],
    ['g START', { cmd: 'START' }],
    ['h PAUSE', { cmd: 'PAUSE' }],
    ['i RESUME', { cmd: 'RESUME' }],
    ['j STOP', { cmd: 'STOP' }],
    ['k TITRATE rate=12.5', { cmd: 'TITRATE', rateMlPerH: 12.5, dose: undefined, override: undefined }],
    ['l TITRATE dose=20 override=1', { cmd: 'TITRATE', rateMlPerH: undefined, dose: 20, override: true }],
    ['m BOLUS volume=2 rate=100', { cmd: 'BOLUS', volumeMl: 2, dose: undefined, rateMlPerH: 100, override: undefined }],
    ['n BOLUS dose=80 override=0', { cmd: 'BOLUS', volumeMl: undefined, dose: 80, rateMlPerH: undefined, override: false }],
    ['o DEMAND', { cmd: 'DEMAND' }],
    ['p ACK', { cmd: 'ACK', alarm: undefined }],
    ['q ACK alarm=OCCLUSION_DOWN', { cmd: 'ACK', alarm: 'OCCLUSION_DOWN' }],
    ['r SILENCE', { cmd: 'SILENCE' }],
    ['s LOG', { cmd: 'LOG' }],
    ['t INJECT occlusion=down', { cmd: 'INJECT', input: { sensor: 'occlusion', value: 'down' } }],
    ['u INJECT air=0.15', { cmd: 'INJECT', input: { sensor: 'air', bubbleMl: 0.15 } }],
    ['v INJECT door=open', { cmd: 'INJECT', input: { sensor: 'door', value: 'open' } }],
    ['w INJECT container=empty', { cmd: 'INJECT', input: { sensor: 'container', value: 'empty' } }],
    ['x INJECT mains=off', { cmd: 'INJECT', input: { sensor: 'mains', value: 'off' } }],
    ['y INJECT selftest=fail', { cmd: 'INJECT', input: { sensor: 'selftest', value: 'fail' } }],
    ['z INJECT comm=lost', { cmd: 'INJECT', input: { sensor: 'comm', value: 'lost' } }],
    ['A_-9 INJECT power=off', { cmd: 'INJECT', input: { sensor: 'power', value: 'off' } }],
  ];
  it.each(cases)('%s', (line, expected) => {
    expect(cmd(line)).toEqual(expected);
    const r = parseRequest(line);
    expect(r.id).toBe(line.split(' ')[0]);
  });

  it('PROGRAM: basic, drug and PCA forms', () => {
    expect(cmd('1 PROGRAM rate=125 vtbi=1000 end=stop')).toMatchObject({ cmd: 'PROGRAM', rateMlPerH: 125, vtbiMl: 1000, endAction: 'stop', mode: undefined });
    expect(cmd('2 PROGRAM drug=heparin dose=18 weight=80 vtbi=250 load=80 loadrate=600 kvo=2 end=kvo override=1')).toMatchObject({
      drugId: 'heparin',
      dose: 18,
      weightKg: 80,
      vtbiMl: 250,
      load: 80,
      loadRateMlPerH: 600,
      kvoMlPerH: 2,
      endAction: 'kvo',
      override: true,
    });
    expect(cmd('3 PROGRAM mode=pca basal=0.5 demand=1 lockout=8 limit=10 window=4 vtbi=100 end=continue')).toMatchObject({
      mode: 'pca',
      rateMlPerH: 0.5,
      demandMl: 1,
      lockoutMin: 8,
      limitMl: 10,
      windowH: 4,
      vtbiMl: 100,
      endAction: 'continue',
    });
    expect(cmd('4 PROGRAM mode=basic rate=5 vtbi=5')).toMatchObject({ mode: 'basic', rateMlPerH: 5 });
  });

  it('extra spaces between and around words are fine', () => {
    expect(cmd('  7   TICK    ms=5  ')).toEqual({ cmd: 'TICK', ms: 5 });
  });

  it('formatCommand is the canonical text and parses back to the same command', () => {
    const lines = [
      'PROGRAM drug=heparin dose=18 weight=80 vtbi=250 end=kvo kvo=2 load=80 loadrate=600 override=1',
      'PROGRAM mode=pca basal=0.5 vtbi=100 demand=1 lockout=8 limit=10 window=4',
      'PROGRAM rate=0.25 vtbi=10',
      'TITRATE dose=20 override=0',
      'BOLUS volume=2 rate=100',
      'ACK alarm=AIR_IN_LINE',
      'INJECT air=0.05',
      'INJECT door=closed',
      'TICK ms=1',
      'DRUG idx=3',
      'AREA id=neonatal',
      'PING',
    ];
    for (const l of lines) {
      const c = cmd(`id ${l}`);
      expect(formatCommand(c)).toBe(l);
      expect(cmd(`id ${formatCommand(c)}`)).toEqual(c);
    }
  });
});

describe('parse errors', () => {
  it('BAD_LINE: no id, no command, not key=value, upper-case key, repeated key', () => {
    expect(error('!!! PING')).toEqual(['?', 'BAD_LINE']);
    expect(error('123456789 PING')).toEqual(['?', 'BAD_LINE']);
    expect(error('7')).toEqual(['7', 'BAD_LINE']);
    expect(error('7 TICK 500')).toEqual(['7', 'BAD_LINE']);
    expect(error('7 TICK ms=')).toEqual(['7', 'BAD_LINE']);
    expect(error('7 TICK =5')).toEqual(['7', 'BAD_LINE']);
    expect(error('7 TICK MS=5')).toEqual(['7', 'BAD_LINE']);
    expect(error('7 TICK ms=5 ms=6')).toEqual(['7', 'BAD_LINE']);
  });

  it('TOO_LONG over 120 characters (exactly 120 is fine)', () => {
    const at = `1 TICK ms=5 ${' '.repeat(MAX_LINE_CHARS - 12)}`;
    expect(at).toHaveLength(120);
    expect(cmd(at)).toEqual({ cmd: 'TICK', ms: 5 });
    expect(error(`${at} `)).toEqual(['?', 'TOO_LONG']);
  });

  it('BAD_CHAR: anything outside printable ASCII, with its column', () => {
    expect(error('7 PING\t')).toEqual(['7', 'BAD_CHAR']);
    expect(error('7 PING é')).toEqual(['7', 'BAD_CHAR']);
    expect(error('7 PI\u0000NG')).toEqual(['7', 'BAD_CHAR']);
    expect(error('7 PING \x7f')).toEqual(['7', 'BAD_CHAR']);
    const r = parseRequest('7 PING\x01');
    expect('error' in r && !r.error.ok && r.error.reason).toMatch(/byte 0x01 at column 7/);
    expect(firstBadChar('abc')).toBe(-1);
    expect(firstBadChar('a\rc')).toBe(1);
  });

  it('UNKNOWN_CMD: names are exact and upper case', () => {
    expect(error('7 FLY')).toEqual(['7', 'UNKNOWN_CMD']);
    expect(error('7 ping')).toEqual(['7', 'UNKNOWN_CMD']);
    expect(error('7 toString')).toEqual(['7', 'UNKNOWN_CMD']);
    expect(error('7 __proto__')).toEqual(['7', 'UNKNOWN_CMD']);
  });

  it('MISSING_ARG', () => {
    expect(error('7 TICK')).toEqual(['7', 'MISSING_ARG']);
    expect(error('7 AREA')).toEqual(['7', 'MISSING_ARG']);
    expect(error('7 DRUG')).toEqual(['7', 'MISSING_ARG']);
    expect(error('7 INJECT')).toEqual(['7', 'MISSING_ARG']);
  });

  it('BAD_ARG: a key the command does not take, or a value of the wrong form', () => {
    expect(error('7 PING x=1')).toEqual(['7', 'BAD_ARG']);
    expect(error('7 TICK ms=-5')).toEqual(['7', 'BAD_ARG']);
    expect(error('7 TICK ms=1e3')).toEqual(['7', 'BAD_ARG']);
    expect(error('7 TICK ms=.5')).toEqual(['7', 'BAD_ARG']);
    expect(error('7 TICK ms=0x10')).toEqual(['7', 'BAD_ARG']);
    expect(error('7 TICK ms=1,5')).toEqual(['7', 'BAD_ARG']);
    expect(error('7 PROGRAM rate=5 vtbi=10 end=never')).toEqual(['7', 'BAD_ARG']);
    expect(error('7 PROGRAM rate=5 vtbi=10 override=yes')).toEqual(['7', 'BAD_ARG']);
    expect(error('7 PROGRAM basal=5 vtbi=10')).toEqual(['7', 'BAD_ARG']);
    expect(error('7 PROGRAM mode=pca rate=5 vtbi=10')).toEqual(['7', 'BAD_ARG']);
    expect(error('7 PROGRAM mode=drug rate=5 vtbi=10')).toEqual(['7', 'BAD_ARG']);
    expect(error('7 PROGRAM drug=Heparin dose=1 vtbi=10')).toEqual(['7', 'BAD_ARG']);
    expect(error('7 AREA id=ICU')).toEqual(['7', 'BAD_ARG']);
    expect(error('7 ACK alarm=occlusion')).toEqual(['7', 'BAD_ARG']);
    expect(error('7 INJECT door=ajar')).toEqual(['7', 'BAD_ARG']);
    expect(error('7 INJECT door=open air=1')).toEqual(['7', 'BAD_ARG']);
    expect(error('7 INJECT air=big')).toEqual(['7', 'BAD_ARG']);
  });

  it('a parse error never throws, whatever the input', () => {
    const junk = ['', ' ', '=', '==', '1 =', '1 PROGRAM ' + 'a=1 '.repeat(20), '\u0000', '1 INJECT power=', '1 TICK ms=99999999999'];
    for (const j of junk) expect(() => parseRequest(j)).not.toThrow();
  });
});

describe('formatting', () => {
  it('replies, status lines and numbers', () => {
    expect(formatReply('7', ok({ rate: '14.4', vtbi: 250 }))).toBe('7 OK rate=14.4 vtbi=250');
    expect(formatReply('7', ok())).toBe('7 OK');
    expect(formatReply('?', err('BAD_LINE', 'why'))).toBe('? ERR BAD_LINE why');
    expect(formatStatusLine({ t: 5, state: 'IDLE' })).toBe('* STATUS t=5 state=IDLE');
    expect(fmtNum(14.4)).toBe('14.4');
    expect(fmtNum(0.1 + 0.2)).toBe('0.3');
    expect(fmtNum(9999.0004)).toBe('9999');
    expect(fmtNum(1 / 3)).toBe('0.333');
    expect(fmtNum(-0.0001)).toBe('0');
    expect(fmtNum(Number.NaN)).toBe('0');
    expect(fmtNum(100)).toBe('100');
  });

  it('every documented error code exists', () => {
    expect([...ERROR_CODES]).toEqual(expect.arrayContaining([
      'BAD_LINE',
      'TOO_LONG',
      'BAD_CHAR',
      'UNKNOWN_CMD',
      'MISSING_ARG',
      'BAD_ARG',
      'OUT_OF_RANGE',
      'BAD_STATE',
      'NO_DRUG',
      'HARD_LIMIT',
      'SOFT_LIMIT',
      'ALARM_ACTIVE',
      'LOCKOUT',
      'PCA_LIMIT',
      'NOT_SUPPORTED',
    ]));
  });
});
