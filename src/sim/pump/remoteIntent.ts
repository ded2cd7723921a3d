/**
 * Commands from the network: the verdict on an envelope (signature, counter, expiry; deny by
 * default), and the local signal of intent a remote command that raises delivery waits for
 * (FDA premarket cybersecurity guidance, 2023: CONFIRM or REJECT at the pump, at most a minute
 * and never past the command's own expiry). Returns replies and events; the pump runs the command.
 */
import { err, ok, type PumpCommand, type Reply } from '../protocol/commands.js';
import { formatCommand, formatReply, parseRequest } from '../protocol/lineCodec.js';
import { RemoteGuard, type RemoteEnvelope, type RemoteGuardOptions, type RemoteVerdict } from '../security/remoteCommand.js';
import type { PumpEvent } from '../trace/events.js';
import type { Program } from './programming.js';

/** How long a remote command that raises delivery waits for a person's confirmation at the pump. */
export const INTENT_WINDOW_MS = 60_000;

export type RemoteOptions = Omit<RemoteGuardOptions, 'pumpId'> & { pumpId?: string };

/** What running a remote command needs of the pump. */
export interface RemotePort {
  nowMs: number;
  /** The running firmware runs anything (the advisories' weakness, CVE-2020-12040 class). */
  acceptAll: boolean;
  program: Program | undefined;
  emitAll(events: readonly PumpEvent[]): void;
  log(dir: 'cmd' | 'reply', text: string): void;
  execute(c: PumpCommand): Reply;
}

export class RemoteIntent {
  private readonly guard: RemoteGuard | undefined;
  /** Legacy firmware that accepts unauthenticated commands (and asks nobody). */
  private readonly legacy: boolean;
  /** A remote command that raises delivery, waiting for a person's confirmation at the pump. */
  private pending: { command: PumpCommand; text: string; confirmByMs: number } | undefined;

  constructor(options: RemoteOptions | undefined, serial: string) {
    if (options) this.guard = new RemoteGuard({ ...options, pumpId: options.pumpId ?? serial });
    this.legacy = options?.acceptUnauthenticated === true;
  }

  /**
   * A command from the network: verified first (signature, counter, expiry), refused and logged
   * otherwise; run, or held for a person's confirmation when it raises delivery.
   * `clockOffsetMs` is the pump's clock error against the gateway's (clock skew).
   */
  run(e: RemoteEnvelope, clockOffsetMs: number, pump: RemotePort): { reply: Reply; verdict: RemoteVerdict } {
    const now = pump.nowMs;
    const verdict = this.verdict(e, now + clockOffsetMs, pump.acceptAll);
    if (verdict !== 'accepted') {
      pump.emitAll([{ type: 'REMOTE_REFUSED', tMs: now, verdict, counter: e.counter, command: e.command.slice(0, 80) }]);
      return { reply: err('UNAUTHORIZED', `remote command refused: ${verdict}`), verdict };
    }
    const parsed = parseRequest(`r ${e.command}`);
    if ('error' in parsed) {
      pump.log('cmd', `remote ? ${e.command.slice(0, 80)}`);
      pump.log('reply', formatReply('-', parsed.error));
      return { reply: parsed.error, verdict };
    }
    const c = parsed.command;
    if (c.cmd === 'TICK' || c.cmd === 'INJECT' || c.cmd === 'CONFIRM' || c.cmd === 'REJECT') {
      return { reply: err('NOT_SUPPORTED', `${c.cmd} is not a remote command`), verdict };
    }
    if (!this.needsIntent(c, pump.program, pump.acceptAll)) return { reply: pump.execute(c), verdict };
    // It waits for CONFIRM at the pump, at most a minute and never past its own expiry.
    pump.log('cmd', `remote ${formatCommand(c)}`);
    const held = this.hold(c, now, Math.min(now + INTENT_WINDOW_MS, e.expiresMs - clockOffsetMs));
    pump.emitAll(held.events);
    pump.log('reply', formatReply('-', held.reply));
    return { reply: held.reply, verdict };
  }

  /** The verdict on an envelope; a firmware profile that runs anything (`acceptAll`) accepts it. */
  verdict(e: RemoteEnvelope, pumpNowMs: number, acceptAll: boolean): RemoteVerdict {
    if (acceptAll) return 'accepted';
    if (this.guard) return this.guard.check(e, pumpNowMs);
    return e.signature ? 'bad-signature' : 'unsigned';
  }

  /** Does this remote command raise delivery (start, resume, bolus, a higher rate or dose)? */
  needsIntent(c: PumpCommand, program: Program | undefined, acceptAll: boolean): boolean {
    if (this.legacy || acceptAll) return false;
    switch (c.cmd) {
      case 'START':
      case 'RESUME':
      case 'BOLUS':
        return true;
      case 'TITRATE':
        if (!program) return false;
        if (c.rateMlPerH !== undefined) return c.rateMlPerH > program.rateMlPerH;
        if (c.dose !== undefined && program.drug) return c.dose > program.drug.dose;
        return false;
      default:
        return false;
    }
  }

  /** Hold a command for CONFIRM at the pump (a newer one replaces it). */
  hold(c: PumpCommand, nowMs: number, confirmByMs: number): { reply: Reply; events: PumpEvent[] } {
    const events: PumpEvent[] = [];
    if (this.pending) events.push({ type: 'REMOTE_DISCARDED', tMs: nowMs, command: this.pending.text, reason: 'replaced' });
    const text = formatCommand(c);
    this.pending = { command: c, text, confirmByMs };
    events.push({ type: 'REMOTE_PENDING', tMs: nowMs, command: text, confirmByMs });
    return { reply: ok({ pending: 1, until: Math.round(confirmByMs) }), events };
  }

  /**
   * CONFIRM: the waiting command if it is still in time, or the refusal. An ERR changes nothing:
   * an expired command stays until REJECT or a new one replaces it.
   */
  toConfirm(nowMs: number): { command: PumpCommand } | { reply: Reply } {
    const p = this.pending;
    if (!p) return { reply: err('BAD_STATE', 'no remote command is waiting for confirmation') };
    if (nowMs > p.confirmByMs) return { reply: err('BAD_STATE', `the remote ${p.text} expired at t=${Math.round(p.confirmByMs)}; REJECT it`) };
    return { command: p.command };
  }

  /** The confirmed command ran (OK): it waits no more. */
  confirmed(nowMs: number): PumpEvent[] {
    const p = this.pending;
    this.pending = undefined;
    return p ? [{ type: 'REMOTE_CONFIRMED', tMs: nowMs, command: p.text }] : [];
  }

  /** REJECT at the pump. */
  reject(nowMs: number): { reply: Reply; events: PumpEvent[] } {
    const p = this.pending;
    if (!p) return { reply: err('BAD_STATE', 'no remote command is waiting for confirmation'), events: [] };
    this.pending = undefined;
    return { reply: ok(), events: [{ type: 'REMOTE_DISCARDED', tMs: nowMs, command: p.text, reason: 'rejected' }] };
  }
}
