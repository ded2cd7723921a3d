/**
 * What a pump tells the world, as data. The protocol formats these as `! ...` lines; the log
 * and the harness read them typed.
 */
import type { AlarmEvent } from '../alarms/alarmTable.js';
import { formatUpdateEvent, type FirmwareEvent, type LibraryEvent } from '../firmware/events.js';

export type PumpState = 'IDLE' | 'PROGRAMMED' | 'RUNNING' | 'PAUSED' | 'KVO' | 'COMPLETE' | 'ALARM' | 'OFF';

/** What a logged soft-limit override was about: a dose rate, a bolus, a VTBI, or a PCA setting. */
export type OverrideWhat = 'dose' | 'bolus' | 'vtbi' | 'demand' | 'lockout' | 'pcalimit';

export type PumpEvent =
  | AlarmEvent
  /** Mains power lost (`on: false`, the pump runs on its battery) or back. */
  | { type: 'MAINS'; tMs: number; on: boolean }
  | { type: 'STATE'; tMs: number; state: PumpState; reason: string }
  | { type: 'RATE'; tMs: number; rateMlPerH: number }
  | { type: 'BOLUS_END'; tMs: number; kind: 'bolus' | 'loading' | 'demand'; volumeMl: number; cut: boolean }
  | { type: 'VTBI_DONE'; tMs: number; viMl: number }
  | { type: 'OVERRIDE'; tMs: number; what: OverrideWhat; value: number; limit: number; side: 'lower' | 'upper' }
  | { type: 'NO_LIBRARY'; tMs: number; rateMlPerH: number }
  | { type: 'CLEAR_BOLUS'; tMs: number; volumeMl: number }
  | { type: 'DENIED'; tMs: number; reason: 'LOCKOUT' | 'PCA_LIMIT' }
  | { type: 'REMOTE_REFUSED'; tMs: number; verdict: string; counter: number; command: string }
  /** A remote command that raises delivery waits for a person at the pump (FDA "signal of intent"). */
  | { type: 'REMOTE_PENDING'; tMs: number; command: string; confirmByMs: number }
  | { type: 'REMOTE_CONFIRMED'; tMs: number; command: string }
  | { type: 'REMOTE_DISCARDED'; tMs: number; command: string; reason: 'rejected' | 'expired' | 'replaced' }
  /** What the firmware or library update agent reported (its own time is in `event.tMs`). */
  | { type: 'UPDATE'; tMs: number; event: FirmwareEvent | LibraryEvent };

export type PumpEventType = PumpEvent['type'];

/** Format a number for the wire: at most 3 decimals, no trailing zeros, no exponent. */
export function fmtNum(n: number): string {
  if (!Number.isFinite(n)) return '0';
  const r = Math.round(n * 1000) / 1000;
  const s = r.toFixed(3).replace(/\.?0+$/, '');
  return s === '-0' ? '0' : s;
}

/** One `! ...` line per event: the one formatter every output uses. */
export function formatEvent(e: PumpEvent): string {
  const t = `t=${Math.round(e.tMs)}`;
  switch (e.type) {
    case 'ALARM':
      return `! ALARM ${t} id=${e.id} prio=${e.prio} stops=${e.stops ? 1 : 0}`;
    case 'ALARM_END':
      return `! ALARM_END ${t} id=${e.id}`;
    case 'ESCALATE':
      return `! ESCALATE ${t} id=${e.id} prio=${e.prio}`;
    case 'AUDIO':
      return `! AUDIO ${t} prio=${e.prio}`;
    case 'REMINDER':
      return `! REMINDER ${t} id=${e.id}`;
    case 'MAINS':
      return `! MAINS ${t} mains=${e.on ? 1 : 0}`;
    case 'STATE':
      return `! STATE ${t} state=${e.state} reason=${e.reason}`;
    case 'RATE':
      return `! RATE ${t} rate=${fmtNum(e.rateMlPerH)}`;
    case 'BOLUS_END':
      return `! BOLUS_END ${t} kind=${e.kind} volume=${fmtNum(e.volumeMl)} cut=${e.cut ? 1 : 0}`;
    case 'VTBI_DONE':
      return `! VTBI_DONE ${t} vi=${fmtNum(e.viMl)}`;
    case 'OVERRIDE':
      return `! OVERRIDE ${t} what=${e.what} value=${fmtNum(e.value)} limit=${fmtNum(e.limit)} side=${e.side}`;
    case 'NO_LIBRARY':
      return `! NO_LIBRARY ${t} rate=${fmtNum(e.rateMlPerH)}`;
    case 'CLEAR_BOLUS':
      return `! CLEAR_BOLUS ${t} volume=${fmtNum(e.volumeMl)}`;
    case 'DENIED':
      return `! DENIED ${t} reason=${e.reason}`;
    case 'REMOTE_PENDING':
      return `! REMOTE_PENDING ${t} cmd=${e.command.replace(/ /g, '_').slice(0, 60)} until=${Math.round(e.confirmByMs)}`;
    case 'REMOTE_CONFIRMED':
      return `! REMOTE_CONFIRMED ${t} cmd=${e.command.replace(/ /g, '_').slice(0, 60)}`;
    case 'REMOTE_DISCARDED':
      return `! REMOTE_DISCARDED ${t} cmd=${e.command.replace(/ /g, '_').slice(0, 60)} reason=${e.reason}`;
    case 'UPDATE':
      return `! UPDATE ${t} ${formatUpdateEvent(e.event)}`;
    case 'REMOTE_REFUSED':
      return `! REMOTE_REFUSED ${t} verdict=${e.verdict} counter=${e.counter} cmd=${e.command.replace(/ /g, '_').slice(0, 60)}`;
  }
}
