/** What the pages say: clock times, alarm lines, reply fields and error codes in words. */
import { h } from './dom.js';
import type { AlarmView } from './messages.js';

export function clock(ms: number): string {
  const s = Math.floor(ms / 1000);
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${p(Math.floor(s / 3600))}:${p(Math.floor((s % 3600) / 60))}:${p(s % 60)}`;
}
export const PRIO_TEXT: Record<string, string> = { high: '!!! HIGH', medium: '!! MEDIUM', low: '! LOW' };
export function alarmItem(a: AlarmView, withPump: boolean): HTMLElement {
  return h(
    'li',
    { class: `alarm prio-${a.priority}`, 'data-pump': a.pumpId, 'data-alarm': a.id, 'data-priority': a.priority },
    h('span', { class: `lamp shape-${a.priority}`, 'aria-hidden': 'true' }),
    h('span', { class: 'prio' }, PRIO_TEXT[a.priority] ?? a.priority),
    withPump ? h('a', { href: `#/pump/${a.pumpId}` }, a.pumpId) : null,
    h('span', {}, a.text),
    h('span', { class: 'meta' }, `since ${clock(a.raisedMs)}${a.audioPaused ? ' · audio paused' : ''}${a.acknowledged ? ' · acknowledged' : ''}${a.causeActive ? '' : ' · cause cleared'}`),
  );
}

/** A pump's reply fields in words (docs/protocol.md names them); fields not listed are left out. */
export const FIELD_WORDS: Record<string, (v: string | number) => string> = {
  until: (v) => `until ${clock(Number(v))}`,
  pending: (v) => (Number(v) === 1 ? 'waits for confirmation at the pump' : ''),
  rate: (v) => `rate ${v} mL/h`,
  vtbi: (v) => `${v} mL to infuse`,
};
export function fieldsInWords(fields: Record<string, string | number> | undefined): string {
  return Object.entries(fields ?? {})
    .map(([k, v]) => FIELD_WORDS[k]?.(v) ?? '')
    .filter(Boolean)
    .join(', ');
}
/** An error code in words: ALARM_ACTIVE -> "alarm active". */
export function codeInWords(code: string | undefined): string {
  return (code ?? 'error').toLowerCase().replace(/_/g, ' ');
}
