/**
 * One line per message the monitor saw, in the trace's style (`  tMs wire ...`): the evidence of an
 * alert. Built only when a detector keeps or raises something, never per message.
 */
import { formatEvent } from '../../sim/trace/events.js';
import type { DownMessage, UpMessage } from '../link/messages.js';

export function wireLine(tMs: number, dir: 'up' | 'down', m: UpMessage | DownMessage, clientId: string, fromSegment: string): string {
  const t = String(Math.round(tMs)).padStart(9);
  const who = `${clientId}@${fromSegment === '' ? 'gateway-segment' : fromSegment}`;
  return `${t} wire ${dir} ${who} -> ${dir === 'up' ? `gateway topic=${m.pumpId}` : m.pumpId} ${what(m)}`;
}

function what(m: UpMessage | DownMessage): string {
  switch (m.kind) {
    case 'command':
      return `command counter=${m.envelope.counter} signed=${m.envelope.signature ? 'yes' : 'no'} ${m.envelope.command.slice(0, 80)}`;
    case 'event':
      return `event seq=${m.seq} ${formatEvent(m.event).slice(2)}`;
    case 'status':
      return `status state=${m.status.state}`;
    case 'command-ack':
      return `command-ack counter=${m.counter} ${m.reply.ok ? 'OK' : `ERR ${m.reply.code}`}`;
    case 'event-ack':
      return `event-ack upto=${m.uptoSeq}`;
    case 'status-ack':
      return 'status-ack';
  }
}

export function linkLine(tMs: number, target: string, down: boolean): string {
  return `${String(Math.round(tMs)).padStart(9)} wire link ${down ? 'down' : 'up'} ${target}`;
}

export function connectLine(tMs: number, clientId: string, fromSegment: string): string {
  return `${String(Math.round(tMs)).padStart(9)} wire connect ${clientId}@${fromSegment === '' ? 'gateway-segment' : fromSegment}`;
}
