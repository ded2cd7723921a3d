/**
 * The bench's handle on a device under test: requests over a `SerialLink`, status parsing, a reset
 * to a known state, and the rule for a vanished device (a failed wait leads to a PING; no answer
 * leads to a bounded reconnect; a failed reconnect stops the run).
 */
import { LinkError, fieldsOf, replyCode, replyId, type RequestResult, type SerialLink } from '../serial/link.js';
import type { DeviceProfile, PinDriver, SensorPin } from './types.js';

export const SENSOR_PINS: readonly SensorPin[] = ['occlusion', 'air', 'door'];

export class DeviceGoneError extends Error {
  override name = 'DeviceGoneError';
}

export interface Status {
  t: number;
  state: string;
  mode: string;
  drug: string;
  rate: number;
  vi: number;
  vtbi: number;
  alarm: string;
  raw: string;
}

export function parseStatus(reply: string): Status {
  const f = fieldsOf(reply);
  return {
    t: Number(f.t),
    state: f.state ?? '?',
    mode: f.mode ?? '?',
    drug: f.drug ?? '?',
    rate: Number(f.rate),
    vi: Number(f.vi),
    vtbi: Number(f.vtbi),
    alarm: f.alarm ?? '?',
    raw: reply,
  };
}

/** The therapy part of a status (what a bad line must never change). */
export function therapyOf(s: Status, withVi = true): string {
  return `state=${s.state} mode=${s.mode} drug=${s.drug} rate=${s.rate}${withVi ? ` vi=${s.vi}` : ''} vtbi=${s.vtbi} alarm=${s.alarm}`;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export class BenchDriver {
  profile: DeviceProfile | undefined;
  /** Set when the device was lost for good; every later request throws at once. */
  gone: string | undefined;

  constructor(
    readonly link: SerialLink,
    /** Sensor inputs driven from outside the protocol (the emulated Uno's pins), if any. */
    readonly pins?: PinDriver,
  ) {}

  /**
   * Do `action` (e.g. drive a pin) and wait for the first received line matching `re` from then
   * on (events arrive unsolicited); resolves with the line. The wait is bounded by the timeout.
   */
  async actAndWait(action: () => void | Promise<void>, re: RegExp, timeoutMs = this.link.timeoutMs): Promise<string> {
    if (this.gone) throw new DeviceGoneError(this.gone);
    let off: () => void = () => undefined;
    let timer: NodeJS.Timeout | undefined;
    const seen = new Promise<string>((resolve, reject) => {
      off = this.link.onLine((l) => {
        if (re.test(l)) resolve(l);
      });
      timer = setTimeout(() => reject(new LinkError('timeout', `no line matching ${String(re)} within ${timeoutMs} ms (recent: ${this.link.recent.slice(-3).join(' | ')})`)), timeoutMs);
    });
    seen.catch(() => undefined);
    try {
      await action();
      return await seen;
    } finally {
      off();
      clearTimeout(timer);
    }
  }

  /**
   * Send request lines back to back and return the replies in the order they came. With
   * `maxInFlightBytes` (a device without flow control, e.g. a Uno's 64-byte receive buffer) a line
   * is written only when it and the lines still unanswered fit in that many bytes; without it,
   * everything goes in one write.
   */
  async pipeline(lines: readonly string[], maxInFlightBytes?: number): Promise<string[]> {
    if (this.gone) throw new DeviceGoneError(this.gone);
    const ids = lines.map((l) => l.split(' ', 1)[0] ?? '');
    const want = new Set(ids);
    const replies: string[] = [];
    let wake: (() => void) | undefined;
    const off = this.link.onLine((l) => {
      const id = replyId(l);
      if (id !== undefined && want.has(id)) {
        replies.push(l);
        wake?.();
      }
    });
    const timeoutMs = Math.max(this.link.timeoutMs, lines.length * 20);
    const deadline = Date.now() + timeoutMs;
    const waitForReply = async (): Promise<void> => {
      const left = deadline - Date.now();
      if (left <= 0) throw new LinkError('timeout', `${replies.length} replies to ${lines.length} requests within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
      wake = undefined;
    };
    try {
      if (maxInFlightBytes === undefined) {
        await this.link.writeRaw(lines.map((l) => `${l}\n`).join(''));
      } else {
        const sizes = lines.map((l) => Buffer.byteLength(`${l}\n`, 'latin1'));
        let sent = 0;
        let inFlight = 0;
        let answered = 0;
        while (sent < lines.length) {
          // Lines answered since the last look free their bytes (replies come in order).
          while (answered < replies.length && answered < sent) inFlight -= sizes[answered++] ?? 0;
          const size = sizes[sent] ?? 0;
          if (inFlight > 0 && inFlight + size > maxInFlightBytes) {
            await waitForReply();
            continue;
          }
          await this.link.writeRaw(`${lines[sent] ?? ''}\n`);
          inFlight += size;
          sent++;
        }
      }
      while (replies.length < lines.length) await waitForReply();
      return replies;
    } catch (e) {
      return this.onFailure(e);
    } finally {
      off();
    }
  }

  private async onFailure(e: unknown): Promise<never> {
    if (this.gone) throw new DeviceGoneError(this.gone);
    if (e instanceof LinkError) {
      if (e.kind === 'timeout' && (await this.link.isAlive())) throw e;
      // Closed, write error, or silent: reconnect a bounded number of times.
      if (!(await this.link.reconnect())) {
        this.gone = `device vanished (${e.message}); reconnect failed`;
        throw new DeviceGoneError(this.gone);
      }
      throw new LinkError(e.kind, `${e.message} (reconnected)`);
    }
    throw e;
  }

  /**
   * How long a `TICK ms=<ms>` may take to answer: at least 30 s; for a board on a real serial line
   * (a profile with a receive buffer limit, e.g. the Uno) also enough to print a `* STATUS` line
   * (up to ~150 bytes) per virtual second at the link's baud rate (an hour of pump time is about
   * 40 s of output at 115200 baud), with a margin. A simulator on a pty is not bound by the baud.
   */
  tickTimeoutMs(ms: number): number {
    const base = Math.max(this.link.timeoutMs, 30_000);
    if (this.profile?.rxBufferBytes === undefined) return base;
    const outputMs = ((ms / 1000) * 150 * 10 * 1000) / this.link.baudRate;
    return Math.max(base, Math.ceil(outputMs * 1.5));
  }

  async req(text: string, timeoutMs?: number): Promise<RequestResult> {
    if (this.gone) throw new DeviceGoneError(this.gone);
    const tick = /^TICK ms=(\d+)/.exec(text);
    const wait = timeoutMs ?? (tick ? this.tickTimeoutMs(Number(tick[1])) : undefined);
    try {
      return await this.link.request(text, wait === undefined ? {} : { timeoutMs: wait });
    } catch (e) {
      return this.onFailure(e);
    }
  }

  async ask(text: string, timeoutMs?: number): Promise<string> {
    return (await this.req(text, timeoutMs)).reply;
  }

  /** Write bytes as they are and wait for the reply to a PING sent after them (all lines between). */
  async rawThenSync(data: Buffer | string, timeoutMs?: number): Promise<string[]> {
    if (this.gone) throw new DeviceGoneError(this.gone);
    try {
      const id = this.link.newId('z');
      const p = this.link.expectReply(id, timeoutMs);
      p.catch(() => undefined);
      const buf = typeof data === 'string' ? Buffer.from(data, 'latin1') : data;
      await this.link.writeRaw(Buffer.concat([buf, Buffer.from(`\n${id} PING\n`, 'latin1')]), timeoutMs);
      const r = await p;
      return r.lines.slice(0, -1);
    } catch (e) {
      return this.onFailure(e);
    }
  }

  async status(): Promise<Status> {
    const r = await this.ask('STATUS');
    if (replyCode(r) !== 'OK') throw new Error(`STATUS refused: ${r}`);
    return parseStatus(r);
  }

  /**
   * Bring the device to a known state: STOP, then RESET (docs/protocol.md: the power-on state,
   * nothing left of earlier runs) if the device has it; otherwise IDLE with no alarm, as far as
   * STOP, INJECT and ACK go (what an earlier run leaves in counters and windows stays).
   */
  async reset(area: string): Promise<Status> {
    const inject = this.profile?.inject ?? false;
    if (this.pins) for (const pin of SENSOR_PINS) await this.pins.set(pin, false);
    let s = await this.status();
    if (s.state === 'OFF' && inject) await this.ask('INJECT power=on');
    await this.ask('STOP');
    const viaReset = this.profile?.reset === true && replyCode(await this.ask('RESET')) === 'OK';
    if (inject && !viaReset) {
      for (const i of ['occlusion=clear', 'door=closed', 'container=ok', 'mains=on', 'selftest=pass', 'comm=ok']) await this.ask(`INJECT ${i}`);
    }
    await this.ask('ACK');
    await this.ask(`AREA id=${area}`);
    s = await this.status();
    if (s.state !== 'IDLE' || s.alarm !== '-') throw new Error(`could not reset the device: ${s.raw}`);
    return s;
  }
}
