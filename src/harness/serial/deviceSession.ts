/**
 * The line session of `infusim device`: a `LineSession` around a Pump, plus the clock policy of a
 * serial device. With the virtual clock it is the plain session (time moves on TICK). With the
 * real clock the pump follows a wall clock given as a function (the effect stays outside):
 * before each line the pump is advanced to the elapsed time, TICK is answered
 * `ERR NOT_SUPPORTED`, and INFO says `clock=real` (docs/protocol.md, Time).
 */
import { err } from '../../sim/protocol/commands.js';
import { formatReply, parseRequest } from '../../sim/protocol/lineCodec.js';
import { LineSession, type LineSessionOptions } from '../../sim/session/lineSession.js';
import type { Pump } from '../../sim/pump/pump.js';
import { formatEvent } from '../../sim/trace/events.js';

export type DeviceClock = 'virtual' | 'real';

export interface DeviceSessionOptions extends LineSessionOptions {
  clock?: DeviceClock;
  /** Real clock only: milliseconds since the device started (e.g. from performance.now()). */
  elapsedMs?: () => number;
}

export class DeviceSession extends LineSession {
  readonly clock: DeviceClock;
  private readonly elapsedMs: () => number;
  private readonly startMs: number;
  private readonly statusEvery: number;
  private lastStatusMs: number;

  constructor(pump: Pump, options: DeviceSessionOptions = {}) {
    super(pump, options.clock === 'real' ? { freshPump: options.freshPump } : options);
    this.clock = options.clock ?? 'virtual';
    this.elapsedMs = options.elapsedMs ?? (() => 0);
    this.startMs = pump.nowMs;
    this.statusEvery = options.statusEveryMs ?? 0;
    this.lastStatusMs = pump.nowMs;
  }

  /**
   * Real clock: bring the pump to the wall-clock time; returns the events (and due status lines)
   * produced meanwhile. Virtual clock: nothing.
   */
  catchUp(out: string[] = []): string[] {
    if (this.clock !== 'real') return out;
    const target = this.startMs + Math.max(0, Math.floor(this.elapsedMs()));
    if (target > this.pump.nowMs) this.pump.advanceTo(target);
    for (const e of this.pump.takeEvents()) out.push(formatEvent(e));
    if (this.statusEvery > 0 && this.pump.nowMs - this.lastStatusMs >= this.statusEvery) {
      this.lastStatusMs = this.pump.nowMs;
      out.push(this.statusLine());
    }
    return out;
  }

  override handleLine(line: string, out: string[] = []): string[] {
    if (this.clock !== 'real') return super.handleLine(line, out);
    this.catchUp(out);
    const parsed = parseRequest(line);
    if (!('error' in parsed) && parsed.command.cmd === 'TICK') {
      const reply = formatReply(parsed.id, err('NOT_SUPPORTED', 'this device runs in real time'));
      this.pump.log.append(this.pump.nowMs, 'cmd', `TICK ms=${parsed.command.ms}`);
      this.pump.log.append(this.pump.nowMs, 'reply', reply);
      out.push(reply);
      return out;
    }
    const from = out.length;
    super.handleLine(line, out);
    if (!('error' in parsed) && parsed.command.cmd === 'INFO') {
      for (let i = from; i < out.length; i++) {
        const l = out[i] ?? '';
        if (l.startsWith(`${parsed.id} OK `)) out[i] = l.replace(' clock=virtual', ' clock=real');
      }
    }
    return out;
  }
}
