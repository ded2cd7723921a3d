/**
 * Checking the args of an action or fault against the timeline table (timelineTable.ts): unknown
 * args, numbers out of range, enums, alarm ids and protocol command lines. The scenario loader
 * reports each problem at its position in the file; the training session refuses an instructor's
 * fault with the same words.
 */
import { ALARM_IDS, isAlarmId } from '../../sim/alarms/alarmTable.js';
import { parseRequest } from '../../sim/protocol/lineCodec.js';
import type { ArgSpec, ArgSpecs } from './timelineTable.js';
import { describeValue, didYouMean } from './words.js';

export type ArgValue = string | number | boolean;

export interface ArgProblem {
  /** The arg the problem is with. */
  key: string;
  message: string;
  /** The problem is with the key itself (an arg the action or fault does not take). */
  onKey?: boolean;
  /** What was given, in words ("got 5"), when it helps. */
  got?: string;
}

/** What a number arg takes, in words: `expected a number from 0 to 1 (a fraction)`. */
function numberWanted(spec: Extract<ArgSpec, { kind: 'number' }>): string {
  const lo = spec.min === undefined ? '' : spec.aboveMin ? `above ${spec.min}` : spec.max !== undefined ? `from ${spec.min}` : `of ${spec.min} or more`;
  const hi = spec.max === undefined ? '' : spec.aboveMin || spec.min === undefined ? `at most ${spec.max}` : `to ${spec.max}`;
  const range = [lo, hi].filter(Boolean).join(lo && hi && spec.aboveMin ? ' and ' : ' ');
  return `expected a number${range ? ` ${range}` : ''}${spec.unit ? ` (${spec.unit})` : ''}`;
}

/** The problem with one arg value, or undefined when the spec takes it. */
export function argProblem(key: string, spec: ArgSpec, v: ArgValue): ArgProblem | undefined {
  const bad = (message: string): ArgProblem => ({ key, message, got: `got ${describeValue(v)}` });
  switch (spec.kind) {
    case 'number':
      if (typeof v !== 'number' || (spec.min !== undefined && (spec.aboveMin ? v <= spec.min : v < spec.min)) || (spec.max !== undefined && v > spec.max)) return bad(numberWanted(spec));
      return undefined;
    case 'boolean':
      return typeof v !== 'boolean' ? bad('expected true or false') : undefined;
    case 'string':
      return typeof v !== 'string' || v === '' || /[\s=]/.test(v) ? bad(`expected ${spec.what} (one word)`) : undefined;
    case 'enum':
      return typeof v !== 'string' || !spec.values.includes(v) ? bad(`expected one of ${spec.values.join(', ')}`) : undefined;
    case 'alarm':
      return typeof v !== 'string' || !isAlarmId(v) ? { key, message: `unknown alarm ${describeValue(v)}${typeof v === 'string' ? didYouMean(v, ALARM_IDS) : ''}; expected one of: ${ALARM_IDS.join(', ')}` } : undefined;
    case 'command': {
      if (typeof v !== 'string') return bad('expected a protocol command line without an id, like "PAUSE" or "TITRATE rate=50"');
      const r = parseRequest(`r1 ${v}`);
      if ('error' in r && !r.error.ok) return { key, message: `"${v}" is not a valid pump command: ${r.error.reason} (write the command without an id, e.g. "PAUSE")` };
      return undefined;
    }
  }
}

/**
 * Every problem with `args` for an action or fault that takes `specs`: args it does not take,
 * and values its specs refuse. `kindWord` and `name` name it in messages ("the fault air").
 */
export function argProblems(kindWord: 'action' | 'fault', name: string, specs: ArgSpecs, args: Readonly<Record<string, ArgValue>>): ArgProblem[] {
  const allowed = Object.keys(specs);
  const out: ArgProblem[] = [];
  for (const [k, v] of Object.entries(args)) {
    const spec = specs[k];
    if (!spec) {
      const takes = allowed.length === 0 ? 'it takes no args' : `it takes: ${allowed.join(', ')}`;
      out.push({ key: k, message: `the ${kindWord} ${name} does not take "${k}"${didYouMean(k, allowed)}; ${takes}`, onKey: true });
      continue;
    }
    const p = argProblem(k, spec, v);
    if (p) out.push(p);
  }
  return out;
}

/** A problem in one line of words: `ms: expected a number of 0 or more (ms); got -1`. */
export function argProblemText(p: ArgProblem): string {
  return `${p.onKey ? '' : `${p.key}: `}${p.message}${p.got ? `; ${p.got}` : ''}`;
}
