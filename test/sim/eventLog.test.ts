import { describe, expect, it } from 'vitest';
import { EventLog, entryHash, formatLogEntry, GENESIS_HASH, verifyChain, type LogEntry } from '../../src/sim/trace/eventLog.js';
import type { Pump } from '../../src/sim/pump/pump.js';
import { LineSession } from '../../src/sim/session/lineSession.js';
import { HOUR, makePump } from './helpers.js';

const SCRIPT = [
  '1 PROGRAM drug=heparin dose=18 weight=80 vtbi=250 load=80 loadrate=600',
  '2 START',
  '3 TICK ms=600000',
  '4 INJECT occlusion=down',
  '5 TICK ms=600000',
  '6 SILENCE',
  '7 INJECT occlusion=clear',
  '8 ACK',
  '9 RESUME',
  '10 BOLUS dose=30 rate=300',
  '!x bad line',
  '11 TICK ms=7200000',
  '12 LOG',
];

function scripted(seed: number): Pump {
  const s = new LineSession(makePump({ seed }));
  for (const l of SCRIPT) s.feed(`${l}\n`);
  return s.pump;
}

describe('EventLog', () => {
  it('hash-chains every entry from the genesis hash', () => {
    const log = new EventLog();
    expect(log.head).toBe(GENESIS_HASH);
    const a = log.append(0, 'cmd', 'PING');
    const b = log.append(5, 'reply', '- OK');
    expect(a.hash).toBe(entryHash(GENESIS_HASH, 0, 0, 'cmd', 'PING'));
    expect(b.hash).toBe(entryHash(a.hash, 1, 5, 'reply', '- OK'));
    expect(log.head).toBe(b.hash);
    expect(log.length).toBe(2);
    expect(log.verify()).toBe(-1);
    expect(log.toText()).toBe(`${formatLogEntry(a)}\n${formatLogEntry(b)}\n`);
    expect(formatLogEntry(a)).toBe(`0 0 cmd ${a.hash.slice(0, 16)} PING`);
    expect(new EventLog().toText()).toBe('');
  });

  it('an entry hash is SHA-256 (hex) of "prev|seq|tMs|dir|text" in UTF-8 (digests from sha256sum)', () => {
    // printf '%s' "<64 zeros>|0|0|cmd|PING" | sha256sum, and the same with a non-ASCII text.
    expect(entryHash(GENESIS_HASH, 0, 0, 'cmd', 'PING')).toBe('74943dc74e5c333dc7b7de94b4e751c008a58648cdbcbcd516fa28b3132783ae');
    expect(entryHash(GENESIS_HASH, 3, 1500, 'event', '* ALARM id=OCCLUSION_DOWN prio=high é')).toBe('2d75f96bbb9212030e4ddfbb401c956461dbc782851a0c781a3d0bf93130a73f');
  });

  it('refuses a timestamp that goes back', () => {
    const log = new EventLog();
    log.append(10, 'event', 'a');
    log.append(10, 'event', 'b');
    expect(() => log.append(9, 'event', 'c')).toThrow(RangeError);
    expect(log.length).toBe(2);
  });

  it('finds a tampered entry: text, time, direction, hash, order', () => {
    const pump = scripted(1);
    const entries = pump.log.all();
    expect(entries.length).toBeGreaterThan(30);
    expect(pump.log.verify()).toBe(-1);
    const copy = (): LogEntry[] => entries.map((e) => ({ ...e }));
    const k = 17;
    const t1 = copy();
    (t1[k] as LogEntry).text += ' ';
    expect(verifyChain(t1)).toBe(k);
    const t2 = copy();
    (t2[k] as LogEntry).tMs += 1;
    expect(verifyChain(t2)).toBe(k);
    const t3 = copy();
    const e3 = t3[k] as LogEntry;
    e3.dir = e3.dir === 'event' ? 'cmd' : 'event';
    expect(verifyChain(t3)).toBe(k);
    const t4 = copy();
    // Recomputing the edited entry's hash still breaks the next link.
    const e = t4[k] as LogEntry;
    e.text = 'forged';
    e.hash = entryHash((t4[k - 1] as LogEntry).hash, e.seq, e.tMs, e.dir, e.text);
    expect(verifyChain(t4)).toBe(k + 1);
    const t5 = copy();
    t5.splice(k, 1);
    expect(verifyChain(t5)).toBe(k + 1);
    // Editing in place through the live log is caught too.
    (entries[3] as LogEntry).text = 'tampered';
    expect(pump.log.verify()).toBe(3);
  });

  it('keeps at most maxEntries and still verifies the kept tail', () => {
    const log = new EventLog({ maxEntries: 5 });
    for (let i = 0; i < 12; i++) log.append(i, 'event', `e${i}`);
    expect(log.length).toBe(12);
    expect(log.dropped).toBe(7);
    expect(log.all().map((e) => e.seq)).toEqual([7, 8, 9, 10, 11]);
    expect(log.verify()).toBe(-1);
    const full = new EventLog();
    for (let i = 0; i < 12; i++) full.append(i, 'event', `e${i}`);
    expect(log.head).toBe(full.head);
  });
});

describe('the pump log', () => {
  it('timestamps never go back', () => {
    const entries = scripted(1).log.all();
    for (let i = 1; i < entries.length; i++) expect(entries[i]?.tMs).toBeGreaterThanOrEqual(entries[i - 1]?.tMs ?? 0);
    expect(entries.at(-1)?.tMs).toBe(1_200_000 + 2 * HOUR);
  });

  it('records commands, replies and events, the malformed line included', () => {
    const text = scripted(1).log.toText();
    expect(text).toMatch(/ cmd [0-9a-f]{16} PROGRAM drug=heparin dose=18 weight=80 vtbi=250 load=80 loadrate=600\n/);
    expect(text).toMatch(/ reply [0-9a-f]{16} - OK rate=14\.4 vtbi=250 mode=drug\n/);
    expect(text).toMatch(/ event [0-9a-f]{16} ! ALARM t=\d+ id=OCCLUSION_DOWN prio=high stops=1\n/);
    expect(text).toMatch(/ cmd [0-9a-f]{16} \? !x bad line\n/);
    expect(text).toMatch(/ reply [0-9a-f]{16} \? ERR BAD_LINE/);
  });

  it('same seed and commands → byte-identical toText()', () => {
    const a = scripted(1234);
    const b = scripted(1234);
    expect(a.log.toText()).toBe(b.log.toText());
    expect(a.log.head).toBe(b.log.head);
    expect(a.telemetry()).toEqual(b.telemetry());
  });

  it('different seed → different mechanism output', () => {
    const a = makePump({ seed: 1 });
    const b = makePump({ seed: 2 });
    expect(a.mechanismSystematicFraction).not.toBe(b.mechanismSystematicFraction);
    expect(a.mechanismOutputFor(100)).not.toBe(b.mechanismOutputFor(100));
    const sa = scripted(1);
    const sb = scripted(2);
    expect(sa.telemetry().motorNominalMl).toBe(sb.telemetry().motorNominalMl);
    expect(sa.telemetry().mechanismOutputMl).not.toBe(sb.telemetry().mechanismOutputMl);
  });

  it('the mechanism stays within its tolerance and its claimed accuracy over a long run', () => {
    for (let seed = 0; seed < 20; seed++) {
      const p = makePump({ seed });
      expect(Math.abs(p.mechanismSystematicFraction)).toBeLessThanOrEqual(p.type.accuracyFraction / 2);
      for (const v of [0, 0.01, 0.05, 1, 25, 1000]) {
        expect(Math.abs(p.mechanismOutputFor(v) - v)).toBeLessThanOrEqual(p.mechanismToleranceMl(v) + 1e-12);
      }
      expect(p.mechanismOutputFor(0.04)).toBe(0); // less than a stroke
    }
  });

  it('LOG reports the length and the head', () => {
    const pump = makePump();
    pump.execute({ cmd: 'PING' });
    const r = pump.execute({ cmd: 'LOG' });
    // The LOG command's own entry is counted and is the head it reports.
    expect(r).toEqual({ ok: true, fields: { n: 3, head: pump.log.all()[2]?.hash.slice(0, 16) } });
  });
});
