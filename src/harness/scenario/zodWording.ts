/**
 * zod's issues in the words of a scenario file: what was expected at the path, what was given,
 * "did you mean" for a misspelt key or name, and "required but missing" pointing at the mapping
 * that lacks the key. The root schema is a parameter: the scenario schema for scenario files,
 * the objective schema for the objectives of a training file.
 */
import type { z } from 'zod';
import type { Path, ScenarioProblems } from './problems.js';
import { duration as durationSchema, target as targetSchema } from './schema.js';
import { describeValue, didYouMean, joinOr } from './words.js';

type AnyZod = z.core.$ZodType;
interface Def {
  type: string;
  innerType?: AnyZod;
  in?: AnyZod;
  shape?: Record<string, AnyZod>;
  element?: AnyZod;
  options?: AnyZod[];
  valueType?: AnyZod;
  discriminator?: string;
  values?: unknown[];
  entries?: Record<string, unknown>;
}

function defOf(s: AnyZod): Def {
  return (s as unknown as { _zod: { def: Def } })._zod.def;
}

function unwrap(s: AnyZod): AnyZod {
  let cur = s;
  for (let i = 0; i < 10; i++) {
    const d = defOf(cur);
    if ((d.type === 'default' || d.type === 'optional' || d.type === 'nullable' || d.type === 'prefault') && d.innerType) cur = d.innerType;
    else if (d.type === 'pipe' && d.in) cur = d.in;
    else break;
  }
  return cur;
}

function getIn(data: unknown, path: Path): unknown {
  let cur = data;
  for (const seg of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string | number, unknown>)[seg];
  }
  return cur;
}

function has(data: unknown, path: Path): boolean {
  if (path.length === 0) return true;
  const parent = getIn(data, path.slice(0, -1));
  const last = path[path.length - 1] as string | number;
  return parent !== null && typeof parent === 'object' && Object.hasOwn(parent, last);
}

/** The zod schema at a path of the data (discriminated unions resolved by the data). */
function schemaAt(root: AnyZod, data: unknown, path: Path): AnyZod | undefined {
  let s: AnyZod | undefined = root;
  for (let i = 0; i < path.length && s; i++) {
    const seg = path[i] as string | number;
    s = pickOption(unwrap(s), getIn(data, path.slice(0, i)));
    const d = defOf(s);
    if (d.type === 'object') s = d.shape?.[String(seg)];
    else if (d.type === 'array') s = d.element;
    else if (d.type === 'record') s = d.valueType;
    else return undefined;
  }
  return s ? pickOption(unwrap(s), getIn(data, path)) : undefined;
}

function pickOption(s: AnyZod, value: unknown): AnyZod {
  const d = defOf(s);
  if (d.type !== 'union' || !d.discriminator || !d.options) return s;
  const want = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[d.discriminator] : undefined;
  for (const o of d.options) {
    const lit = defOf(unwrap(o)).shape?.[d.discriminator];
    if (lit && defOf(lit).values?.includes(want)) return o;
  }
  return s;
}

const DURATION_TEXT = 'a duration like 90s, 5m, 2h, 1h30m or 250ms, or a number of milliseconds';

function describeSchema(s: AnyZod | undefined): string {
  if (!s) return 'a value';
  if (s === durationSchema) return DURATION_TEXT;
  if (s === targetSchema) return 'a target (a pump id, unit:<id>, segment:<id>, type:<lvp|syringe>, firmware:<version>, all, site or gateway)';
  const u = unwrap(s);
  if (u === durationSchema) return DURATION_TEXT;
  const d = defOf(u);
  switch (d.type) {
    case 'string':
      return 'a string';
    case 'number':
      return 'a number';
    case 'int':
      return 'a whole number';
    case 'boolean':
      return 'true or false';
    case 'enum':
      return `one of ${Object.values(d.entries ?? {}).join(', ')}`;
    case 'literal':
      return (d.values ?? []).map((v) => JSON.stringify(v)).join(' or ');
    case 'object':
    case 'record':
      return 'a mapping';
    case 'array':
      return 'a list';
    case 'union':
      if (d.discriminator) return `a mapping with ${d.discriminator}:`;
      return joinOr((d.options ?? []).map(describeSchema));
    default:
      return 'a value';
  }
}

const EXPECTED_TYPE: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  object: 'a mapping',
  array: 'a list',
  record: 'a mapping',
};

/**
 * Report one zod issue of `data` checked against `root`. `at` is where `data` is in the file
 * (e.g. ['objectives', 2]); [] for the whole file.
 */
export function reportIssue(problems: ScenarioProblems, root: AnyZod, data: unknown, issue: z.core.$ZodIssue, at: Path = []): void {
  const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
  const ctx = { add: (p: Path, message: string, opts: { onKey?: boolean } = {}, got?: string): void => problems.add([...at, ...p], message, opts, got) };
  const schema = schemaAt(root, data, path);
  const value = getIn(data, path);
  const missing = path.length > 0 && !has(data, path) && issue.code !== 'custom';
  if (missing) {
    const options = (issue as { options?: unknown[] }).options;
    const expected = options ? `one of: ${options.map(String).join(', ')}` : describeSchema(schema);
    ctx.add(path, `required but missing (expected ${expected})`);
    return;
  }
  switch (issue.code) {
    case 'unrecognized_keys': {
      const obj = unwrap(schemaAt(root, data, path) ?? root);
      const keys = Object.keys(defOf(pickOption(obj, value)).shape ?? {});
      for (const k of issue.keys) {
        ctx.add([...path, k], `unknown key "${k}"${didYouMean(k, keys)}; expected one of: ${keys.join(', ')}`, { onKey: true });
      }
      return;
    }
    case 'invalid_type': {
      const expected = EXPECTED_TYPE[issue.expected] ?? describeSchema(schema);
      ctx.add(path, `expected ${expected}`, {}, `got ${describeValue(value)}`);
      return;
    }
    case 'invalid_union': {
      const disc = (issue as { discriminator?: string }).discriminator;
      const options = (issue as { options?: unknown[] }).options;
      if (disc !== undefined && options) {
        const given = getIn(data, [...path.slice(0, -1), disc]);
        const names = options.map(String);
        if (path[path.length - 1] !== disc) {
          ctx.add(path, `expected a mapping with ${disc}: one of ${names.join(', ')}`, {}, `got ${describeValue(value)}`);
        } else {
          ctx.add(path, `unknown ${disc} ${describeValue(given)}${typeof given === 'string' ? didYouMean(given, names) : ''}; expected one of: ${names.join(', ')}`);
        }
        return;
      }
      ctx.add(path, `expected ${describeSchema(schema)}`, {}, `got ${describeValue(value)}`);
      return;
    }
    case 'invalid_value': {
      const values = issue.values.map((v) => (typeof v === 'string' ? v : JSON.stringify(v)));
      const hint = typeof value === 'string' ? didYouMean(value, values) : '';
      ctx.add(path, values.length === 1 ? `expected ${JSON.stringify(issue.values[0])}` : `expected one of ${values.join(', ')}`, {}, `got ${describeValue(value)}${hint}`);
      return;
    }
    case 'too_small':
    case 'too_big': {
      const small = issue.code === 'too_small';
      const bound = Number(small ? (issue as { minimum: number | bigint }).minimum : (issue as { maximum: number | bigint }).maximum);
      const inclusive = issue.inclusive !== false;
      const cmp = small ? (inclusive ? 'at least' : 'more than') : inclusive ? 'at most' : 'less than';
      if (issue.origin === 'array') {
        ctx.add(path, `expected a list of ${cmp} ${bound} item${bound === 1 ? '' : 's'}`, {}, `got ${Array.isArray(value) ? value.length : 0}`);
      } else if (issue.origin === 'string') {
        ctx.add(path, `expected ${cmp} ${bound} character${bound === 1 ? '' : 's'}`, {}, `got ${describeValue(value)}`);
      } else {
        ctx.add(path, `expected a number ${cmp} ${bound}`, {}, `got ${describeValue(value)}`);
      }
      return;
    }
    case 'invalid_format': {
      const custom = !issue.message.startsWith('Invalid');
      const what = custom ? issue.message : `expected text matching ${issue.pattern ?? issue.format}`;
      ctx.add(path, what, {}, `got ${describeValue(value)}`);
      return;
    }
    default:
      ctx.add(path, issue.message);
  }
}
