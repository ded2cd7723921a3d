/**
 * The bench's handle on a device under test: requests over a `SerialLink`, status parsing, a reset
 * to a known state, and the rule for a vanished device (a failed wait leads to a PING; no answer
 * leads to a bounded reconnect; a failed reconnect stops the run).
 */
import { LinkError, fieldsOf, replyCode, type RequestResult, type SerialLink } from '../serial/link.js';
import type { DeviceProfile } from './types.js';

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

  constructor(readonly link: SerialLink) {}

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

  async req(text: string, timeoutMs?: number): Promise<RequestResult> {
    if (this.gone) throw new DeviceGoneError(this.gone);
    try {
      return await this.link.request(text, timeoutMs === undefined ? {} : { timeoutMs });
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

  /** Bring the device to IDLE with no alarm, as far as its commands allow. */
  async reset(area: string): Promise<Status> {
    const inject = this.profile?.inject ?? false;
    let s = await this.status();
    if (s.state === 'OFF' && inject) await this.ask('INJECT power=on');
    await this.ask('STOP');
    if (inject) {
      for (const i of ['occlusion=clear', 'door=closed', 'container=ok', 'mains=on', 'selftest=pass', 'comm=ok']) await this.ask(`INJECT ${i}`);
    }
    await this.ask('ACK');
    await this.ask(`AREA id=${area}`);
    s = await this.status();
    if (s.state !== 'IDLE' || s.alarm !== '-') throw new Error(`could not reset the device: ${s.raw}`);
    return s;
  }
}
