/**
 * MLLP transport over real TCP on loopback (ports from the OS): the listener validates and answers
 * AA/AE/AR, the gateway's outbound queue delivers every message exactly once through an engine
 * that is down, NACKs, acknowledges slowly, or gets a garbled frame, and resumes from its journal.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readAck } from '../../../src/harness/hl7/ack.js';
import { Hl7Listener, type Received } from '../../../src/harness/hl7/listener.js';
import { MllpDeframer } from '../../../src/harness/hl7/mllp.js';
import { Hl7Outbound } from '../../../src/harness/hl7/outbound.js';
import { buildPcd01, type DecSnapshot } from '../../../src/harness/hl7/pcd01.js';
import { waitFor as until } from '../../support/waitFor.js';

const snap = (i: number): DecSnapshot => ({ tMs: i * 1000, pumpId: `p-${i % 7}`, unit: 'icu', bed: String(1 + (i % 7)), patientId: `P-icu-${1 + (i % 7)}`, state: 'RUNNING', mode: 'basic', rateMlPerH: 10 + i, vtbiMl: 100, viMl: i });

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function engine(): Promise<{ listener: Hl7Listener; port: number; got: Received[] }> {
  const got: Received[] = [];
  const listener = new Hl7Listener({ onMessage: (r) => got.push(r) });
  const port = await listener.listen();
  cleanups.push(() => listener.close());
  return { listener, port, got };
}

function sender(port: number, extra: Partial<ConstructorParameters<typeof Hl7Outbound>[0]> = {}): Hl7Outbound {
  const out = new Hl7Outbound({ host: '127.0.0.1', port, ackTimeoutMs: 2000, retryMinMs: 5, retryMaxMs: 50, ...extra });
  cleanups.push(() => out.close());
  return out;
}

function send(out: Hl7Outbound, from: number, n: number): string[] {
  const ids: string[] = [];
  for (let i = from; i < from + n; i++) {
    const id = `T-${i}`;
    out.enqueue(id, buildPcd01(snap(i), id));
    ids.push(id);
  }
  return ids;
}

/** Every id processed by the engine exactly once, and nothing else. */
function exactlyOnce(got: Received[], ids: string[]): void {
  expect(got.map((r) => r.controlId).sort()).toEqual([...ids].sort());
}

describe('MLLP deframing', () => {
  const frame = (t: string): Buffer => Buffer.concat([Buffer.from([0x0b]), Buffer.from(t), Buffer.from([0x1c, 0x0d])]);
  it('two frames in one read, and a frame split across reads', () => {
    const d = new MllpDeframer();
    const both = Buffer.concat([frame('MSH|a'), frame('MSH|b')]);
    expect(d.push(both)).toEqual([{ kind: 'frame', text: 'MSH|a' }, { kind: 'frame', text: 'MSH|b' }]);
    const f = frame('MSH|split');
    expect(d.push(f.subarray(0, 4))).toEqual([]);
    expect(d.push(f.subarray(4, f.length - 1))).toEqual([]);
    expect(d.push(f.subarray(f.length - 1))).toEqual([{ kind: 'frame', text: 'MSH|split' }]);
  });
  it('reports bytes outside a frame, a frame cut by a new start, <FS> without <CR>, an oversize frame', () => {
    const d = new MllpDeframer(16);
    expect(d.push(Buffer.from('junk'))).toEqual([{ kind: 'garbled', reason: '4 byte(s) outside a frame (no <VT>)' }]);
    const cut = d.push(Buffer.concat([Buffer.from([0x0b]), Buffer.from('MSH|x'), frame('MSH|y')]));
    expect(cut[0]).toMatchObject({ kind: 'garbled', reason: expect.stringContaining('<VT> inside a frame') });
    expect(cut[1]).toEqual({ kind: 'frame', text: 'MSH|y' });
    expect(d.push(Buffer.from([0x0b, 0x41, 0x1c, 0x41]))[0]).toMatchObject({ kind: 'garbled', reason: expect.stringContaining('<FS> not followed by <CR>') });
    expect(d.push(Buffer.concat([Buffer.from([0x0b]), Buffer.alloc(20, 0x41)]))).toEqual([{ kind: 'garbled', reason: 'frame longer than 16 bytes' }]);
  });
});

describe('the listener answers AA, AE, AR with the reason', () => {
  async function exchange(port: number, raw: Buffer): Promise<string> {
    const s = connect({ host: '127.0.0.1', port });
    cleanups.push(() => s.destroy());
    const d = new MllpDeframer();
    return new Promise((resolve, reject) => {
      s.on('error', reject);
      s.on('data', (c: Buffer) => {
        const f = d.push(c).find((x) => x.kind === 'frame');
        if (f?.kind === 'frame') resolve(f.text);
      });
      s.write(raw);
    });
  }
  const framed = (t: string): Buffer => Buffer.concat([Buffer.from([0x0b]), Buffer.from(t), Buffer.from([0x1c, 0x0d])]);

  it('AA for a valid PCD-01, AR with the reason for one without a patient, AR for a garbled frame, and stays up', async () => {
    const { listener, port, got } = await engine();
    const ok = readAck(await exchange(port, framed(buildPcd01(snap(1), 'V-1'))));
    expect(ok).toEqual({ code: 'AA', ackedId: 'V-1', reason: '' });
    const noPid = buildPcd01({ ...snap(2), patientId: '' }, 'V-2');
    expect(readAck(await exchange(port, framed(noPid)))).toEqual({ code: 'AR', ackedId: 'V-2', reason: 'PID-3 patient identifier is empty' });
    const garbled = readAck(await exchange(port, Buffer.concat([Buffer.from([0x0b]), Buffer.from('MSH|^~\\&|x'), Buffer.from([0x1c, 0x41])])));
    expect(garbled?.code).toBe('AR');
    expect(garbled?.reason).toContain('garbled frame');
    expect(listener.stats.garbled).toBe(1);
    expect(readAck(await exchange(port, framed('PID|||x')))?.reason).toContain('not an HL7 message');
    expect(readAck(await exchange(port, framed(buildPcd01(snap(3), 'V-3'))))?.code).toBe('AA');
    expect(got.map((r) => r.controlId)).toEqual(['V-1', 'V-3']);
  });
});

describe('the outbound queue delivers exactly once', () => {
  it('a plain round trip: 50 messages', async () => {
    const { port, got } = await engine();
    const out = sender(port);
    const ids = send(out, 0, 50);
    expect(await out.drained(60_000)).toBe(true);
    exactlyOnce(got, ids);
    expect(out.ackedIds).toEqual(ids);
  });

  it('through an engine outage (connections refused), then up again', async () => {
    const { listener, port, got } = await engine();
    listener.mode = 'down';
    const out = sender(port);
    const ids = send(out, 0, 20);
    await until(() => listener.stats.refusedConnections >= 3, 'three refused connections');
    expect(got).toEqual([]);
    listener.mode = 'up';
    expect(await out.drained(60_000)).toBe(true);
    exactlyOnce(got, ids);
  });

  it('through NACKs (AE): each message is sent again under the same control id', async () => {
    const { listener, port, got } = await engine();
    listener.mode = 'nack';
    const out = sender(port);
    const ids = send(out, 0, 10);
    await until(() => out.stats.nacks >= 3, 'three NACKs');
    listener.mode = 'up';
    expect(await out.drained(60_000)).toBe(true);
    exactlyOnce(got, ids);
    expect(out.stats.resent).toBeGreaterThanOrEqual(3);
  });

  it('through slow acknowledgements: the resends reach the engine and are not processed twice', async () => {
    const { listener, port, got } = await engine();
    listener.ackDelayMs = 400;
    const out = sender(port, { ackTimeoutMs: 100 });
    const ids = send(out, 0, 5);
    await until(() => listener.stats.duplicates >= 2, 'two resends that reached the engine');
    listener.ackDelayMs = 0;
    expect(await out.drained(60_000)).toBe(true);
    exactlyOnce(got, ids);
    expect(out.stats.timeouts).toBeGreaterThanOrEqual(2);
  });

  it('a journal keeps what was not acknowledged across a restart of the gateway', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'infusim-hl7-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const journalPath = join(dir, 'queue.journal');
    const { listener, port, got } = await engine();
    const first = sender(port, { journalPath });
    const early = send(first, 0, 3);
    expect(await first.drained(60_000)).toBe(true);
    listener.mode = 'down';
    const late = send(first, 3, 4);
    await until(() => listener.stats.refusedConnections >= 1, 'a refused connection');
    first.close();
    listener.mode = 'up';
    const second = sender(port, { journalPath });
    expect(second.depth).toBe(4);
    expect(() => second.enqueue('T-0', 'MSH|')).toThrow(/queued before/);
    expect(await second.drained(60_000)).toBe(true);
    exactlyOnce(got, [...early, ...late]);
  });
});
