/**
 * A pump behind the text protocol: bytes in, lines out. Assembles lines from arbitrary chunks
 * (a command split across reads is fine), enforces the line limit, and answers everything.
 * Used by the console, the serial device and the tests; pure (no I/O of its own).
 */
import type { Pump } from '../pump/pump.js';
import { statusFields } from '../pump/pump.js';
import { err, ok } from '../protocol/commands.js';
import { firstBadChar, formatReply, formatStatusLine, MAX_LINE_CHARS, parseRequest } from '../protocol/lineCodec.js';
import type { EventLog } from '../trace/eventLog.js';
import { formatEvent } from '../trace/events.js';

/** A pump as at power-on, at `startMs`, appending to `log`: what RESET puts behind the session. */
export type FreshPump = (startMs: number, log: EventLog) => Pump;

export interface LineSessionOptions {
  /** Emit `* STATUS` every this many ms of pump time during TICK (0: never). */
  statusEveryMs?: number;
  /** Makes RESET possible (docs/protocol.md, RESET); without it RESET is NOT_SUPPORTED. */
  freshPump?: FreshPump | undefined;
}

const RESET_RE = /^\s*([A-Za-z0-9_-]{1,8}) +RESET( |$)/;

export class LineSession {
  private buffer = '';
  private overflowing = false;
  private readonly statusEveryMs: number;
  private readonly freshPump: FreshPump | undefined;
  private pumpValue: Pump;
  /** Lines refused as malformed (for fuzzing and the bench). */
  rejectedLines = 0;

  constructor(pump: Pump, options: LineSessionOptions = {}) {
    this.pumpValue = pump;
    this.statusEveryMs = options.statusEveryMs ?? 0;
    this.freshPump = options.freshPump;
  }

  /** The pump behind the session (a new one after each RESET). */
  get pump(): Pump {
    return this.pumpValue;
  }

  /** Feed received text; returns the lines to send back (events, status, replies), in order. */
  feed(chunk: string): string[] {
    const out: string[] = [];
    for (const ch of chunk) {
      if (ch === '\n') {
        const line = this.buffer.endsWith('\r') ? this.buffer.slice(0, -1) : this.buffer;
        this.buffer = '';
        if (this.overflowing) {
          this.overflowing = false;
          this.rejectedLines++;
          out.push(formatReply('?', err('TOO_LONG', `line longer than ${MAX_LINE_CHARS} characters was discarded`)));
          continue;
        }
        if (line.trim() === '') continue;
        this.handleLine(line, out);
        continue;
      }
      if (this.overflowing) continue;
      this.buffer += ch;
      // One more than the limit allows a trailing \r before \n.
      if (this.buffer.length > MAX_LINE_CHARS + 1) {
        this.buffer = '';
        this.overflowing = true;
      }
    }
    return out;
  }

  /** Handle one complete line. */
  handleLine(line: string, out: string[] = []): string[] {
    const reset = RESET_RE.exec(line);
    if (reset && firstBadChar(line) < 0 && line.length <= MAX_LINE_CHARS) return this.reset(reset[1] ?? '?', line, out);
    const parsed = parseRequest(line);
    if ('error' in parsed) {
      this.rejectedLines++;
      // A malformed line is logged and answered; it changes nothing else.
      this.pump.log.append(this.pump.nowMs, 'cmd', `? ${sanitize(line)}`);
      this.pump.log.append(this.pump.nowMs, 'reply', formatReply(parsed.id, parsed.error));
      out.push(formatReply(parsed.id, parsed.error));
      return out;
    }
    const c = parsed.command;
    if (c.cmd === 'TICK' && this.statusEveryMs > 0 && Number.isInteger(c.ms) && c.ms >= 1) {
      // Advance in steps so status lines come at their times, then run the TICK to its end.
      const end = this.pump.nowMs + c.ms;
      let next = (Math.floor(this.pump.nowMs / this.statusEveryMs) + 1) * this.statusEveryMs;
      for (let i = 0; next < end && i < 100_000; i++, next += this.statusEveryMs) {
        this.pump.advanceTo(next);
        this.drain(out);
        out.push(this.statusLine());
      }
      const reply = this.pump.execute({ cmd: 'TICK', ms: end - this.pump.nowMs });
      this.drain(out);
      out.push(formatReply(parsed.id, reply));
      return out;
    }
    const reply = this.pump.execute(c);
    this.drain(out);
    out.push(formatReply(parsed.id, reply));
    return out;
  }

  /**
   * `<id> RESET`: a command of the line session (console, serial device), never of the pump nor
   * of the network. With no program entered, the pump is replaced by one as at power-on, at the
   * same time and with the same event log (docs/protocol.md, RESET). An ERR changes nothing.
   */
  private reset(id: string, line: string, out: string[]): string[] {
    const pump = this.pumpValue;
    const refuse = (reply: ReturnType<typeof err>, malformed = false): string[] => {
      if (malformed) this.rejectedLines++;
      pump.log.append(pump.nowMs, 'cmd', malformed ? `? ${sanitize(line)}` : 'RESET');
      pump.log.append(pump.nowMs, 'reply', formatReply(id, reply));
      out.push(formatReply(id, reply));
      return out;
    };
    if (line.trim().split(/ +/).length > 2) return refuse(err('BAD_ARG', 'RESET takes no arguments'), true);
    if (!this.freshPump) return refuse(err('NOT_SUPPORTED', 'this session cannot reset its pump'));
    if (pump.currentProgram) return refuse(err('BAD_STATE', `a program is entered (${pump.state}); STOP it first`));
    this.drain(out);
    pump.log.append(pump.nowMs, 'cmd', 'RESET');
    this.pumpValue = this.freshPump(pump.nowMs, pump.log);
    const reply = formatReply(id, ok({ t: pump.nowMs }));
    this.pumpValue.log.append(this.pumpValue.nowMs, 'reply', reply);
    out.push(reply);
    return out;
  }

  statusLine(): string {
    return formatStatusLine(statusFields(this.pump.status()));
  }

  private drain(out: string[]): void {
    for (const e of this.pump.takeEvents()) out.push(formatEvent(e));
  }
}

function sanitize(line: string): string {
  let s = '';
  for (const ch of line.slice(0, MAX_LINE_CHARS)) {
    const c = ch.charCodeAt(0);
    s += c >= 0x20 && c <= 0x7e ? ch : `\\x${c.toString(16).padStart(2, '0')}`;
  }
  return s;
}
