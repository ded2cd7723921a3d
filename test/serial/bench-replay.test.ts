/**
 * Issue 12, defect 12: a failure the bench reports replays from the seed and path it prints.
 * The device here is a mutant served in this process on a socat pty: once an infusion has
 * started, its STATUS shows 0.5 mL too much until the next RESET (state that outlives what it
 * belongs to, the class of bug behind the issue). Each run starts with RESET, so the printed
 * replay command alone brings the same failure back.
 */
import { SerialPort } from 'serialport';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatTable } from '../../src/harness/bench/report.js';
import { runBench } from '../../src/harness/bench/runBench.js';
import { loadLibraryFile } from '../../src/harness/paths.js';
import { startSocatPair, type SocatPair } from '../../src/harness/serial/socat.js';
import { LineSession } from '../../src/sim/protocol/lineSession.js';
import { Pump } from '../../src/sim/pump/pump.js';
import { LARGE_VOLUME_PUMP } from '../../src/sim/pump/pumpTypes.js';
import type { EventLog } from '../../src/sim/trace/eventLog.js';
import { fmtNum } from '../../src/sim/trace/events.js';
import { socatStatus } from './helpers.js';
import { REPLY_TIMEOUT_MS } from '../support/timeouts.js';

class ViOffAfterStart extends LineSession {
  private startedPump: Pump | undefined;

  override handleLine(line: string, out: string[] = []): string[] {
    super.handleLine(line, out);
    const words = line.trim().split(/ +/);
    const last = out.at(-1) ?? '';
    if (words[1] === 'START' && / OK( |$)/.test(last)) this.startedPump = this.pump;
    if (words[1] === 'STATUS' && this.startedPump === this.pump) {
      out[out.length - 1] = last.replace(/ vi=([\d.]+)/, (_m, v: string) => ` vi=${fmtNum(Number(v) + 0.5)}`);
    }
    return out;
  }
}

const socat = socatStatus();
const VOLUME = 'model: volume infused and state';

describe.skipIf(socat.skip)('a bench failure replays from its seed and path', () => {
  let pair: SocatPair;
  let port: SerialPort;
  beforeAll(async () => {
    pair = await startSocatPair();
    const library = loadLibraryFile();
    const makePump = (startMs: number, log?: EventLog): Pump => new Pump({ type: LARGE_VOLUME_PUMP, seed: 1, library, areaId: 'icu', startMs, log });
    const session = new ViOffAfterStart(makePump(0), { freshPump: makePump });
    port = await new Promise<SerialPort>((resolve, reject) => {
      const p = new SerialPort({ path: pair.a, baudRate: 115_200 }, (e) => (e ? reject(e) : resolve(p)));
    });
    port.on('data', (data: Buffer) => {
      const out = session.feed(data.toString('latin1'));
      if (out.length) port.write(Buffer.from(out.join('\n') + '\n', 'latin1'));
    });
  });
  afterAll(async () => {
    if (port?.isOpen) await new Promise<void>((r) => port.close(() => r()));
    await pair?.close();
  });

  it('prints seed, path and a replay command; that command fails the same way in one run', async () => {
    const log: string[] = [];
    const first = await runBench({ port: pair.b, only: [VOLUME], seed: 1, runs: 100, timeoutMs: REPLY_TIMEOUT_MS, log: (l) => log.push(l) });
    const row = first.results.find((r) => r.name === VOLUME);
    expect(row?.status, formatTable(first.results)).toBe('FAIL');
    expect(row?.detail).toMatch(/device vi=\d+(\.\d+)? mL, model vi=/);
    const replay = log.find((l) => l.includes('replay: '));
    const m = /replay: infusim bench --port (\S+) --only "([^"]+)" --seed (\d+) --path (\S+) --replay-path "([^"]*)"/.exec(replay ?? '');
    expect(m, log.join('\n')).not.toBeNull();
    const [, replayPort, only, seed, path, replayPath] = m as unknown as [string, string, string, string, string, string];
    expect([replayPort, only, seed]).toEqual([pair.b, VOLUME, '1']);

    const again = await runBench({ port: pair.b, only: [only], seed: Number(seed), path, replayPath, runs: 100, timeoutMs: REPLY_TIMEOUT_MS });
    const row2 = again.results.find((r) => r.name === VOLUME);
    expect(row2?.status, formatTable(again.results)).toBe('FAIL');
    // The same mismatch on the same shortest sequence.
    expect(row2?.detail.replace(/ \[.*$/, '')).toBe(row?.detail.replace(/ \[.*$/, ''));
    expect(row2?.detail).toMatch(/\[seed 1, path \S+, \d+ commands\]$/);
    expect(/(\d+) commands\]$/.exec(row2?.detail ?? '')?.[1]).toBe(/(\d+) commands\]$/.exec(row?.detail ?? '')?.[1]);
  });
});
