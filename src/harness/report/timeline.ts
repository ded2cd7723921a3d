/** Readable timeline lines for people: `00:42:49  ALARM  high  Downstream occlusion (flow stopped)`. */
import { ALARM_TABLE } from '../../sim/alarms/alarmTable.js';
import { fmtNum, type PumpEvent } from '../../sim/trace/events.js';
import { clockText } from '../scenario/duration.js';

export { clockText } from '../scenario/duration.js';
/**
 * A trace line (`formatTraceRecord`: virtual ms right-aligned in 9 columns, then the record) with
 * its time as clockText, for people: `  11112000 pump ms-1 ...` becomes `03:05:12 pump ms-1 ...`.
 * The trace itself (and its hash) keeps the milliseconds.
 */
export function traceLineForPeople(line: string): string {
  const m = /^\s*(\d+) /.exec(line);
  if (!m) return line;
  return `${clockText(Number(m[1]))} ${line.slice(m[0].length)}`;
}

export function describeEvent(e: PumpEvent): string | undefined {
  switch (e.type) {
    case 'ALARM':
      return `ALARM     ${e.prio.padEnd(6)} ${ALARM_TABLE[e.id].text}${e.stops ? ' (flow stopped)' : ''}`;
    case 'ALARM_END':
      return `ALARM END        ${ALARM_TABLE[e.id].text}`;
    case 'ESCALATE':
      return `ESCALATE  ${e.prio.padEnd(6)} ${ALARM_TABLE[e.id].text} unanswered`;
    case 'AUDIO':
      return e.prio === 'off' ? 'audio     off' : `audio     ${e.prio}`;
    case 'MAINS':
      return e.on ? 'mains     power back' : 'mains     power lost (on battery)';
    case 'REMINDER':
      return `reminder         ${ALARM_TABLE[e.id].text} (acknowledged, still present)`;
    case 'STATE':
      return `state     ${e.state} (${e.reason.replace(/_/g, ' ')})`;
    case 'RATE':
      return `rate      ${fmtNum(e.rateMlPerH)} mL/h`;
    case 'BOLUS_END':
      return `${e.kind.padEnd(9)} ${e.cut ? 'cut' : 'done'} after ${fmtNum(e.volumeMl)} mL`;
    case 'VTBI_DONE':
      return `VTBI done ${fmtNum(e.viMl)} mL infused`;
    case 'OVERRIDE':
      return `override  ${e.what} ${fmtNum(e.value)} past the ${e.side} soft limit ${fmtNum(e.limit)} (confirmed)`;
    case 'NO_LIBRARY':
      return `basic infusion outside the drug library at ${fmtNum(e.rateMlPerH)} mL/h`;
    case 'CLEAR_BOLUS':
      return `occlusion cleared: ${fmtNum(e.volumeMl)} mL released from the line`;
    case 'DENIED':
      return `PCA demand denied (${e.reason})`;
    case 'REMOTE_PENDING':
      return `remote    ${e.command} waits for confirmation at the pump`;
    case 'REMOTE_CONFIRMED':
      return `remote    ${e.command} confirmed at the pump`;
    case 'REMOTE_DISCARDED':
      return `remote    ${e.command} discarded (${e.reason})`;
    case 'UPDATE':
      return `update    ${e.event.type}`;
    case 'REMOTE_REFUSED':
      return `remote command refused (${e.verdict}): ${e.command}`;
  }
}

export function timelineLine(tMs: number, text: string): string {
  return `${clockText(tMs)}  ${text}`;
}
