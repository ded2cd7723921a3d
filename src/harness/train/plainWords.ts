/**
 * Plain words for people in training: the session log keeps protocol lines (`INJECT
 * occlusion=clear -> OK`, docs/protocol.md), and the debrief and the instructor's page show them
 * as what a nurse did ("cleared the line at the bedside"). A table per command word, then the
 * reply: OK, or the refusal's reason without protocol advice ("resend with override=1").
 */
import type { ServerReply } from './messages.js';
import type { LogEntry, Snapshot } from './session.js';

/** What each front-panel line means, by its first word(s); `$k` is the value of key k. */
const LINE_WORDS: readonly [RegExp, (m: Record<string, string>) => string][] = [
  [/^INJECT occlusion=clear$/, () => 'cleared the line at the bedside'],
  [/^INJECT door=closed$/, () => 'closed the door'],
  [/^INJECT container=ok$/, () => 'hung a new container'],
  [/^START$/, () => 'started the infusion'],
  [/^PAUSE$/, () => 'paused the infusion'],
  [/^RESUME$/, () => 'resumed the infusion'],
  [/^STOP$/, () => 'stopped the infusion'],
  [/^SILENCE$/, () => 'paused the alarm audio'],
  [/^ACK$/, () => 'acknowledged the alarm'],
  [/^CONFIRM$/, () => 'confirmed the remote change at the pump'],
  [/^REJECT$/, () => 'rejected the remote change at the pump'],
  [/^PROGRAM /, (k) => `programmed ${k.drug ?? 'an infusion'}${k.dose ? ` at ${k.dose}` : ''}${k.rate ? ` at ${k.rate} mL/h` : ''}${k.vtbi ? `, ${k.vtbi} mL to infuse` : ''}${k.override === '1' ? ', soft limit override confirmed' : ''}`],
  [/^TITRATE /, (k) => `changed the ${k.rate ? `rate to ${k.rate} mL/h` : `dose to ${k.dose ?? '?'}`}${k.override === '1' ? ', soft limit override confirmed' : ''}`],
  [/^BOLUS /, (k) => `gave a bolus of ${k.volume ?? k.dose ?? '?'}${k.volume ? ' mL' : ''}`],
];

/** Protocol advice in a refusal's reason that a trainee has no use for (the screen has a Confirm key). */
const ADVICE = /;? *resend with override=1 to confirm/g;

function keys(line: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const w of line.split(/\s+/).slice(1)) {
    const [k, ...v] = w.split('=');
    if (k && v.length) out[k] = v.join('=');
  }
  return out;
}

/** A pump command line in words; undefined when it is not one this table knows. */
export function lineInWords(line: string): string | undefined {
  for (const [re, words] of LINE_WORDS) if (re.test(line)) return words(keys(line));
  return undefined;
}

/** A refusal's reason without protocol advice. */
export function reasonInWords(reason: string): string {
  return reason.replace(ADVICE, '').trim();
}

/** `LINE -> OK` / `LINE -> ERR CODE reason` as words; other text as it is. */
export function logTextInWords(text: string): string {
  const m = /^(.*?) -> (OK|ERR (\S+)(?: (.*))?)$/.exec(text);
  if (!m) return text;
  const what = lineInWords(m[1] ?? '');
  if (what === undefined) return text;
  if (m[2] === 'OK') return what;
  return `tried: ${what}; refused (${(m[3] ?? '').toLowerCase().replace(/_/g, ' ')})${m[4] ? `: ${reasonInWords(m[4])}` : ''}`;
}

export function logEntryInWords(e: LogEntry): LogEntry {
  return { ...e, text: logTextInWords(e.text) };
}

/** A reply for the screen: its line in words, its reason without protocol advice. */
export function replyInWords<R extends { type: string }>(reply: R): R {
  if (reply.type !== 'reply') return reply;
  const r = reply as unknown as ServerReply;
  const words = r.line !== undefined ? lineInWords(r.line) : undefined;
  return { ...r, message: reasonInWords(r.message), ...(words !== undefined ? { words } : {}) } as unknown as R;
}

/** The snapshot the pages get, its log in words. */
export function snapshotInWords(s: Snapshot): Snapshot {
  return { ...s, log: s.log.map(logEntryInWords) };
}
