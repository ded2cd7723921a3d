/**
 * Load a scenario file (docs/scenarios.md): parse the YAML keeping node positions, validate it
 * with the zod schema, then check what the schema cannot see (targets that name nothing in the
 * fleet, unknown alarms, action and fault args, times out of order, the drug library). Every
 * problem names the file, line and column and what was expected; all problems are reported at
 * once, in file order, in one ScenarioError. Nothing half-loaded is ever returned.
 */
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, visit, type Document } from 'yaml';
import type { z } from 'zod';
import { ALARM_IDS, isAlarmId } from '../../sim/alarms/alarmTable.js';
import { DrugLibraryError, parseDrugLibraryText } from '../../sim/druglib/load.js';
import type { DrugLibrary } from '../../sim/druglib/schema.js';
import { parseRequest } from '../../sim/protocol/lineCodec.js';
import { DEFAULT_LIBRARY_PATH, loadLibraryFile } from '../paths.js';
import { FileRefused, readBoundedFile } from '../readBoundedFile.js';
import { parseDurationMs, formatDurationMs } from './duration.js';
import { fleetPumps, resolveTarget, type FleetPump } from './fleet.js';
import { MAX_REFERENCED_FILE_BYTES, MAX_SCENARIO_FILE_BYTES, MAX_YAML_ALIAS_EXPANSIONS } from './limits.js';
import { checkWorkBounds } from './workBounds.js';
import {
  duration as durationSchema,
  expectationSchema,
  scenarioSchema,
  target as targetSchema,
  timelineEntrySchema,
  type ActionName,
  type Expectation,
  type FaultName,
  type Scenario,
  type TimelineEntry,
} from './schema.js';

// ---------------------------------------------------------------------------------------------
// Public API

export interface LoadedScenario {
  scenario: Scenario;
  /** The file name as given (what error messages show). */
  file: string;
  /** The absolute directory of the file: `library:` and other relative paths resolve from here. */
  dir: string;
}

export interface ScenarioProblem {
  file: string;
  /** 1-based; 0 when the problem is with the file as a whole (it cannot be read). */
  line: number;
  column: number;
  /** Where in the scenario, e.g. `timeline[3].target`; '' for the whole file. */
  path: string;
  message: string;
}

export function formatProblem(p: ScenarioProblem): string {
  const where = p.line > 0 ? `${p.file}:${p.line}:${p.column}` : p.file;
  return p.path ? `${where}: ${p.path}: ${p.message}` : `${where}: ${p.message}`;
}

/** A scenario file that cannot be run; `problems` holds every problem found, in file order. */
export class ScenarioError extends Error {
  constructor(readonly problems: ScenarioProblem[]) {
    super(problems.map(formatProblem).join('\n'));
    this.name = 'ScenarioError';
  }
}

/** What a timeline arg takes (checked by the loader, and in the JSON Schema for editors). */
export type ArgSpec =
  | { kind: 'number'; min?: number; max?: number; unit?: string; aboveMin?: boolean }
  | { kind: 'boolean' }
  | { kind: 'string'; what: string }
  | { kind: 'enum'; values: readonly string[] }
  /** A protocol command line without its id, e.g. "PAUSE" or "TITRATE rate=50". */
  | { kind: 'command' }
  | { kind: 'alarm' };

const num = (unit: string): ArgSpec => ({ kind: 'number', min: 0, unit });
const RATE: ArgSpec = { kind: 'number', min: 0, max: 1, unit: 'a fraction' };
const BOOL: ArgSpec = { kind: 'boolean' };

/**
 * The args each action takes (docs/scenarios.md, Actions). program, titrate and bolus are also
 * checked as the pump would check the command they become (docs/protocol.md).
 */
export const ACTION_ARGS: Readonly<Record<ActionName, Readonly<Record<string, ArgSpec>>>> = {
  program: {
    drug: { kind: 'string', what: 'a drug id of the drug library' },
    dose: num("dose rate, in the drug's dose unit"),
    weight: num('kg'),
    vtbi: num('mL'),
    rate: num('mL/h'),
    end: { kind: 'enum', values: ['stop', 'kvo', 'continue'] },
    kvo: num('mL/h'),
    load: num("mL, or the drug's bolus unit"),
    loadrate: num('mL/h'),
    mode: { kind: 'enum', values: ['basic', 'pca'] },
    basal: num('mL/h'),
    demand: num('mL'),
    lockout: num('min'),
    limit: num('mL'),
    window: num('h'),
    override: BOOL,
  },
  titrate: { rate: num('mL/h'), dose: num("dose rate, in the drug's dose unit"), override: BOOL },
  bolus: { volume: num('mL'), dose: num("the drug's bolus unit"), rate: num('mL/h'), override: BOOL },
  ack: { alarm: { kind: 'alarm' } },
  remote: { command: { kind: 'command' }, signed: BOOL },
  start: {},
  pause: {},
  resume: {},
  stop: {},
  demand: {},
  silence: {},
  confirm: {},
  reject: {},
  'rollout-approve': {},
  'rollout-pause': {},
  'rollout-resume': {},
  'rollout-abort': {},
  /** Roll back (an older release above the floor) or fix forward (a newer one). */
  'rollout-rollback': { release: { kind: 'string', what: 'a release id of releases:' } },
  'orchestrator-restart': {},
  'firmware-offer': { release: { kind: 'string', what: 'a release id of releases:' } },
  'library-offer': { library: { kind: 'string', what: 'a library id of libraries:' } },
};

/** Update stages a power loss can be aimed at (update-power-loss). */
export const UPDATE_POWER_STAGES = ['downloading', 'writing', 'waiting-idle', 'installing', 'rebooting'] as const;

/** The args each fault takes (docs/scenarios.md, Faults). */
export const FAULT_ARGS: Readonly<Record<FaultName, Readonly<Record<string, ArgSpec>>>> = {
  occlusion: { side: { kind: 'enum', values: ['down', 'up'] } },
  air: { bubble: { kind: 'number', min: 0, aboveMin: true, max: 10, unit: 'mL' } },
  'door-open': {},
  'container-empty': {},
  'mains-loss': {},
  'battery-drain': { percent: { kind: 'number', min: 0, max: 100, unit: 'percent' } },
  'power-loss': {},
  'self-test-failure': {},
  partition: {},
  latency: { ms: { kind: 'number', min: 0, unit: 'ms' }, jitter: { kind: 'number', min: 0, unit: 'ms' } },
  loss: { rate: RATE, burst: BOOL },
  duplicate: { rate: RATE },
  reorder: { rate: RATE },
  'gateway-outage': {},
  'clock-skew': { ms: { kind: 'number', unit: 'ms' } },
  'rogue-client': { command: { kind: 'command' }, replay: BOOL, forge: BOOL, claim: { kind: 'enum', values: ['rogue', 'gateway'] } },
  'update-power-loss': { stage: { kind: 'enum', values: UPDATE_POWER_STAGES }, for: num('s') },
  'reconnect-storm': { backoff: num('ms'), jitter: num('ms') },
  // --- hl7 (docs/hl7.md) ---
  'hl7-engine-down': {},
  'hl7-nack': {},
  'hl7-slow-ack': { ms: { kind: 'number', min: 1, max: 60_000, unit: 'ms' } },
};

/** Faults that may target the gateway (every other fault and every action acts on pumps). */
const GATEWAY_FAULTS: ReadonlySet<FaultName> = new Set(['partition', 'gateway-outage']);
/** Faults that may repeat with `every:` (and `end:`). */
const REPEATING_FAULTS: ReadonlySet<FaultName> = new Set(['rogue-client', 'reconnect-storm']);
/** Faults that happen once, at `at`: they take no `end:`. */
const INSTANT_FAULTS: ReadonlySet<FaultName> = new Set(['air']);

/** The drug library a scenario uses: its `library:` resolved from the file's directory, or the shipped one. */
export function scenarioLibraryPath(loaded: LoadedScenario): string {
  return loaded.scenario.library === undefined ? DEFAULT_LIBRARY_PATH : resolve(loaded.dir, loaded.scenario.library);
}

/** Read, parse and check a scenario file. Throws ScenarioError listing every problem. */
export function loadScenarioFile(path: string): LoadedScenario {
  return parseScenarioText(readScenarioFile(path, 'scenario file'), path);
}

/**
 * Read a scenario (or training) file: a regular file of at most MAX_SCENARIO_FILE_BYTES. A file
 * that is too large is refused at the line and column where it crosses the limit.
 */
export function readScenarioFile(path: string, what: string): string {
  try {
    return readBoundedFile(path, MAX_SCENARIO_FILE_BYTES, what);
  } catch (e) {
    if (!(e instanceof FileRefused)) throw e;
    let line = 0;
    let column = 0;
    if (e.prefix !== undefined) {
      const lines = e.prefix.split('\n');
      line = lines.length;
      column = (lines[lines.length - 1] ?? '').length + 1;
    }
    const message = e.reason === 'too-large' ? `the file ${e.message} (MAX_SCENARIO_FILE_BYTES); it crosses the limit here` : e.reason === 'missing' ? `cannot read the ${what}: no such file` : `cannot read the ${what}: it ${e.message}`;
    throw new ScenarioError([{ file: path, line, column, path: '', message }]);
  }
}

/**
 * Parse and check scenario text. `fileName` names the file in errors and is where relative paths
 * (`library:`) resolve from; it is read only to check the library.
 */
export function parseScenarioText(text: string, fileName: string): LoadedScenario {
  const dir = dirname(resolve(fileName));
  const ctx = new Ctx(text, fileName);
  const doc = ctx.doc;
  if (doc.errors.length > 0) {
    // One error per line: after the first, a parser's errors on a line are mostly its echoes.
    const lines = new Set<number>();
    for (const e of doc.errors) {
      const { line } = ctx.lineCounter.linePos(e.pos[0]);
      if (lines.has(line)) continue;
      lines.add(line);
      ctx.at(e.pos[0], '', yamlMessage(e.code, e.message));
    }
    throw ctx.error();
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_YAML_ALIAS_EXPANSIONS });
  } catch (e) {
    if (!(e instanceof ReferenceError)) throw e;
    ctx.at(firstAliasOffset(doc), '', `YAML aliases expand to too much data (${e.message}): a file may expand aliases at most ${MAX_YAML_ALIAS_EXPANSIONS} times (MAX_YAML_ALIAS_EXPANSIONS)`);
    throw ctx.error();
  }
  if (data === null || data === undefined || typeof data !== 'object' || Array.isArray(data)) {
    ctx.add([], 'a scenario file is a YAML mapping with at least name:, seed:, duration: and site:', {}, data === null || data === undefined ? 'the file is empty' : `got ${describeValue(data)}`);
    throw ctx.error();
  }
  const result = scenarioSchema.safeParse(data);
  if (!result.success) for (const issue of result.error.issues) reportIssue(ctx, data, issue);
  checkSemantics(ctx, data as Record<string, unknown>, dir);
  if (ctx.problems.length > 0 || !result.success) throw ctx.error();
  return { scenario: result.data, file: fileName, dir };
}

// ---------------------------------------------------------------------------------------------
// Positions

type Path = readonly (string | number)[];

class Ctx {
  readonly problems: ScenarioProblem[] = [];
  readonly lineCounter = new LineCounter();
  readonly doc: Document.Parsed;
  private readonly seen = new Set<string>();

  constructor(
    text: string,
    readonly file: string,
  ) {
    this.doc = parseDocument(text, { lineCounter: this.lineCounter, prettyErrors: false, merge: true, uniqueKeys: true });
  }

  /** A problem at an offset in the text. */
  at(offset: number, path: string, message: string): void {
    const { line, col } = this.lineCounter.linePos(offset);
    const key = `${line}:${col}:${path}:${message}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.problems.push({ file: this.file, line, column: col, path, message });
  }

  /**
   * A problem with the value at `path` (or, with `onKey`, with the key that names it). When the
   * path does not exist in the file (a missing key), the problem points at the nearest mapping or
   * list that does.
   */
  add(path: Path, message: string, opts: { onKey?: boolean } = {}, got?: string): void {
    const offset = this.offsetOf(path, opts.onKey ?? false);
    this.at(offset, formatPath(path), got === undefined ? message : `${message}; ${got}`);
  }

  offsetOf(path: Path, onKey: boolean): number {
    let node: unknown = this.doc.contents;
    let keyNode: unknown;
    for (const seg of path) {
      if (isAlias(node)) node = node.resolve(this.doc);
      if (isMap(node)) {
        const pair = node.items.find((p) => isPair(p) && keyText(p.key) === String(seg));
        if (!pair) return rangeStart(node);
        keyNode = pair.key;
        // `key:` with nothing after it: point at the key rather than at the empty value.
        const v = pair.value;
        node = v === null || (isScalar(v) && v.value === null && v.range != null && v.range[0] === v.range[1]) ? pair.key : v;
      } else if (isSeq(node) && typeof seg === 'number') {
        const item = node.items[seg];
        if (item === undefined) return rangeStart(node);
        keyNode = undefined;
        node = item;
      } else {
        return rangeStart(node);
      }
    }
    return rangeStart(onKey && keyNode !== undefined ? keyNode : node);
  }

  error(): ScenarioError {
    const sorted = [...this.problems].sort((a, b) => a.line - b.line || a.column - b.column);
    return new ScenarioError(sorted);
  }
}

function keyText(k: unknown): string {
  if (isScalar(k)) return String(k.value);
  return String(k);
}

function rangeStart(n: unknown): number {
  if (n !== null && typeof n === 'object' && 'range' in n) {
    const r = (n as { range?: [number, number, number] | null }).range;
    if (r) return r[0];
  }
  return 0;
}

/** Where the first alias (`*name`) of the document is: an alias bomb is reported there. */
export function firstAliasOffset(doc: Document.Parsed): number {
  let offset = 0;
  visit(doc, {
    Alias(_key, node) {
      offset = rangeStart(node);
      return visit.BREAK;
    },
  });
  return offset;
}

export function formatPath(path: Path): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : `${out ? '.' : ''}${String(p)}`;
  return out;
}

function yamlMessage(code: string, message: string): string {
  const first = message.split('\n')[0] ?? message;
  const hints: Record<string, string> = {
    DUPLICATE_KEY: 'this key is given twice in the same mapping',
    MULTIPLE_DOCS: 'a scenario file holds one YAML document (remove the second ---)',
    TAB_AS_INDENT: 'indent with spaces, not tabs',
  };
  const hint = hints[code];
  return `YAML syntax: ${first}${hint ? ` (${hint})` : ''}`;
}

// ---------------------------------------------------------------------------------------------
// zod issues

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

function joinOr(items: string[]): string {
  const uniq = [...new Set(items)];
  if (uniq.length <= 1) return uniq[0] ?? '';
  return `${uniq.slice(0, -1).join(', ')} or ${uniq[uniq.length - 1]}`;
}

function describeValue(v: unknown): string {
  if (v === null || v === undefined) return 'nothing';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  return String(v);
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

function reportIssue(ctx: Ctx, data: unknown, issue: z.core.$ZodIssue): void {
  const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
  const schema = schemaAt(scenarioSchema, data, path);
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
      const obj = unwrap(schemaAt(scenarioSchema, data, path) ?? scenarioSchema);
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

// ---------------------------------------------------------------------------------------------
// Semantic checks (what the schema cannot see)

function didYouMean(given: string, options: readonly string[]): string {
  let best: string | undefined;
  let bestD = Infinity;
  for (const o of options) {
    const d = editDistance(given.toLowerCase(), o.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = o;
    }
  }
  return best !== undefined && bestD > 0 && bestD <= Math.max(1, Math.floor(given.length / 3)) ? ` (did you mean "${best}"?)` : '';
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length] ?? 0;
}

function list(items: readonly string[], max = 12): string {
  return items.length <= max ? items.join(', ') : `${items.slice(0, max).join(', ')}, … (${items.length} in all)`;
}

interface Fleet {
  units: Scenario['site']['units'];
  unitIds: string[];
  segmentIds: string[];
  pumps: FleetPump[];
  pumpIds: Set<string>;
  /** Per naming base: how many pumps, for messages ("icu-1..icu-12"). */
  bases: Map<string, number>;
}

function ms(v: string | number): number | undefined {
  try {
    return parseDurationMs(v);
  } catch {
    return undefined;
  }
}

function checkSemantics(ctx: Ctx, raw: Record<string, unknown>, dir: string): void {
  const durationMs = raw.duration === undefined ? undefined : durationSchema.safeParse(raw.duration).success ? ms(raw.duration as string | number) : undefined;
  const library = checkLibrary(ctx, raw.library, dir);
  const fleet = checkSite(ctx, raw.site, library);
  checkWorkBounds(raw, durationMs, fleet?.pumps, (path, message) => ctx.add(path, message));
  checkReferencedFiles(ctx, raw, dir);

  const timeline = raw.timeline;
  if (Array.isArray(timeline)) {
    timeline.forEach((item: unknown, i) => {
      const r = timelineEntrySchema.safeParse(item);
      if (r.success) checkEntry(ctx, r.data, ['timeline', i], fleet, durationMs, library);
    });
  }
  checkRollout(ctx, raw, fleet);
  const expect = raw.expect;
  if (Array.isArray(expect)) {
    expect.forEach((item: unknown, i) => {
      const r = expectationSchema.safeParse(item);
      if (r.success) checkExpectation(ctx, r.data, ['expect', i], fleet, durationMs);
    });
  }
}

/** Releases, libraries and the rollout: references resolve, versions are comparable. */
function checkRollout(ctx: Ctx, raw: Record<string, unknown>, fleet: Fleet | undefined): void {
  const ids = (list: unknown): string[] => (Array.isArray(list) ? list.map((r) => (r as { id?: unknown })?.id).filter((x): x is string => typeof x === 'string') : []);
  const releases = ids(raw.releases);
  const libraries = ids(raw.libraries);
  const updates = releases.length > 0 || libraries.length > 0 || raw.rollout !== undefined;
  const rollout = raw.rollout as { release?: unknown; waves?: { unit?: unknown }[] } | undefined;
  if (rollout && typeof rollout.release === 'string' && !releases.includes(rollout.release)) {
    ctx.add(['rollout', 'release'], `release "${rollout.release}" is not in releases:${didYouMean(rollout.release, releases)} (releases: ${releases.join(', ') || 'none'})`);
  }
  if (rollout && Array.isArray(rollout.waves) && fleet) {
    rollout.waves.forEach((w, i) => {
      if (typeof w?.unit === 'string' && !fleet.unitIds.includes(w.unit)) ctx.add(['rollout', 'waves', i, 'unit'], `unit "${w.unit}" is not in site.units`);
    });
  }
  if (updates && fleet) {
    for (const p of fleet.pumps) {
      if (!/^(0|[1-9]\d{0,5})\.(0|[1-9]\d{0,5})\.(0|[1-9]\d{0,5})$/.test(p.firmware)) {
        ctx.add(['site', 'units'], `pump ${p.id} has firmware "${p.firmware}": with releases: or libraries:, every pump's firmware is MAJOR.MINOR.PATCH (e.g. 1.0.0)`);
        break;
      }
    }
  }
  const timeline = raw.timeline;
  if (Array.isArray(timeline)) {
    timeline.forEach((item: unknown, i) => {
      const e = item as { action?: unknown; fault?: unknown; args?: Record<string, unknown> } | null;
      if (!e || typeof e !== 'object') return;
      const a = e.action;
      if ((a === 'firmware-offer' || a === 'rollout-rollback') && typeof e.args?.release === 'string' && !releases.includes(e.args.release)) {
        ctx.add(['timeline', i, 'args', 'release'], `release "${e.args.release}" is not in releases:${didYouMean(e.args.release, releases)}`);
      }
      if ((a === 'firmware-offer' || a === 'rollout-rollback') && e.args?.release === undefined) ctx.add(['timeline', i, 'args'], `the action ${a} needs args.release: a release id of releases:`);
      if (a === 'library-offer' && (typeof e.args?.library !== 'string' || !libraries.includes(e.args.library))) {
        ctx.add(['timeline', i, 'args'], `the action library-offer needs args.library: one of libraries: (${libraries.join(', ') || 'none'})`);
      }
      if (typeof a === 'string' && a.startsWith('rollout-') && !rollout) ctx.add(['timeline', i, 'action'], `the action ${a} needs a rollout: section`);
      if (a === 'orchestrator-restart' && !rollout) ctx.add(['timeline', i, 'action'], 'the action orchestrator-restart needs a rollout: section');
      if (e.fault === 'update-power-loss' && !updates) ctx.add(['timeline', i, 'fault'], 'the fault update-power-loss needs releases: (pumps have no update agent without them)');
    });
  }
}

function checkLibrary(ctx: Ctx, library: unknown, dir: string): { lib: DrugLibrary; name: string } | undefined {
  if (library === undefined) {
    try {
      return { lib: loadLibraryFile(DEFAULT_LIBRARY_PATH), name: 'the shipped drug library' };
    } catch (e) {
      ctx.add(['library'], `the shipped drug library is not valid: ${(e as Error).message}`);
      return undefined;
    }
  }
  if (typeof library !== 'string') return undefined; // the schema reports it
  const lib = readLibrary(ctx, ['library'], library, dir);
  return lib === undefined ? undefined : { lib, name: library };
}

/**
 * A drug library file named by the scenario (`library:`, `libraries[].file`): a regular file of at
 * most MAX_REFERENCED_FILE_BYTES, valid JSON, a valid library. A file that is not a library is
 * never quoted (it may be any file the user can read: a key, a password file): the message says
 * what is wrong and where, not what the file holds.
 */
function readLibrary(ctx: Ctx, at: Path, given: string, dir: string): DrugLibrary | undefined {
  const path = isAbsolute(given) ? given : resolve(dir, given);
  const text = readReferenced(ctx, at, given, path, 'drug library file');
  if (text === undefined) return undefined;
  try {
    return parseDrugLibraryText(text, path);
  } catch (e) {
    if (!(e instanceof DrugLibraryError)) throw e;
    if (e.problems[0]?.startsWith('not valid JSON')) {
      ctx.add(at, `${given} is not a drug library: it is not JSON (a drug library is a JSON file; its content is not shown)`);
    } else {
      const first = e.problems.slice(0, 5).map((p) => p.replace(/"[^"]*"/g, '"…"'));
      ctx.add(at, `the drug library ${given} is not valid: ${first.join('; ')}`);
    }
    return undefined;
  }
}

/** Read a file the scenario names, or report why not (at `at`). */
function readReferenced(ctx: Ctx, at: Path, given: string, path: string, what: string): string | undefined {
  try {
    return readBoundedFile(path, MAX_REFERENCED_FILE_BYTES, what);
  } catch (e) {
    if (!(e instanceof FileRefused)) throw e;
    if (e.reason === 'missing') ctx.add(at, `the ${what} ${given} does not exist (looked for ${relative(process.cwd(), path) || path}, relative to the scenario's directory)`);
    else if (e.reason === 'too-large') ctx.add(at, `the ${what} ${given} ${e.message} (MAX_REFERENCED_FILE_BYTES)`);
    else ctx.add(at, `the ${what} ${given} ${e.reason === 'not-regular' ? e.message : `cannot be read: ${e.message}`}`);
    return undefined;
  }
}

/** The other files a scenario names (`libraries[].file`, `rollout.policy`) are read only if they are regular and small. */
function checkReferencedFiles(ctx: Ctx, raw: Record<string, unknown>, dir: string): void {
  if (Array.isArray(raw.libraries)) {
    raw.libraries.forEach((l: unknown, i) => {
      const file = (l as { file?: unknown } | null)?.file;
      if (typeof file === 'string') readLibrary(ctx, ['libraries', i, 'file'], file, dir);
    });
  }
  const policy = (raw.rollout as { policy?: unknown } | null | undefined)?.policy;
  if (typeof policy === 'string') readReferenced(ctx, ['rollout', 'policy'], policy, isAbsolute(policy) ? policy : resolve(dir, policy), 'rollout policy file');
}

function checkSite(ctx: Ctx, site: unknown, library: { lib: DrugLibrary; name: string } | undefined): Fleet | undefined {
  if (site === null || typeof site !== 'object') return undefined;
  const s = site as { segments?: unknown; units?: unknown };
  const segmentIds: string[] = [];
  if (Array.isArray(s.segments)) {
    s.segments.forEach((seg: unknown, i) => {
      const id = (seg as { id?: unknown } | null)?.id;
      if (typeof id !== 'string') return;
      if (segmentIds.includes(id)) ctx.add(['site', 'segments', i, 'id'], `segment id "${id}" is used twice`);
      else segmentIds.push(id);
    });
  }
  const unitIds: string[] = [];
  if (Array.isArray(s.units)) {
    s.units.forEach((unit: unknown, i) => {
      if (unit === null || typeof unit !== 'object') return;
      const u = unit as { id?: unknown; segment?: unknown; careArea?: unknown; pumps?: unknown; patients?: unknown; nurse?: unknown };
      const at: Path = ['site', 'units', i];
      if (typeof u.id === 'string') {
        if (unitIds.includes(u.id)) ctx.add([...at, 'id'], `unit id "${u.id}" is used twice`);
        else unitIds.push(u.id);
      }
      if (typeof u.segment === 'string' && Array.isArray(s.segments) && !segmentIds.includes(u.segment)) {
        ctx.add([...at, 'segment'], `segment "${u.segment}" is not in site.segments${didYouMean(u.segment, segmentIds)} (segments: ${list(segmentIds) || 'none'})`);
      }
      if (typeof u.careArea === 'string' && library) {
        const areas = library.lib.careAreas.map((a) => a.id);
        if (!areas.includes(u.careArea)) {
          ctx.add([...at, 'careArea'], `care area "${u.careArea}" is not in ${library.name}${didYouMean(u.careArea, areas)} (care areas: ${list(areas)})`);
        }
      }
      const p = u.patients as { pcaFraction?: unknown; basicFraction?: unknown } | undefined;
      if (p && typeof p === 'object') {
        const pca = typeof p.pcaFraction === 'number' ? p.pcaFraction : 0.1;
        const basic = typeof p.basicFraction === 'number' ? p.basicFraction : 0.2;
        if (pca + basic > 1) ctx.add([...at, 'patients'], `pcaFraction + basicFraction is ${Math.round((pca + basic) * 1e6) / 1e6}; it must be at most 1 (the rest are dose programs)`);
      }
      const rt = (u.nurse as { responseTime?: unknown } | undefined)?.responseTime;
      checkRange(ctx, rt, [...at, 'nurse', 'responseTime']);
    });
  }
  const parsed = scenarioSchema.shape.site.safeParse(site);
  if (!parsed.success) return undefined;
  const pumps = fleetPumps({ site: parsed.data } as Scenario);
  // Pump ids must be unique across the site (a prefix may repeat another unit's names).
  const firstUnit = new Map<string, string>();
  let k = 0;
  parsed.data.units.forEach((u, i) => {
    u.pumps.forEach((g, j) => {
      let reported = false;
      for (let c = 0; c < g.count; c++, k++) {
        const id = pumps[k]?.id;
        if (id === undefined) continue;
        const owner = firstUnit.get(id);
        if (owner === undefined) firstUnit.set(id, u.id);
        else if (!reported && parsed.data.units.findIndex((x) => x.id === u.id) === i) {
          reported = true;
          const where: Path = g.prefix !== undefined ? ['site', 'units', i, 'pumps', j, 'prefix'] : ['site', 'units', i, 'id'];
          ctx.add(where, `pump id "${id}" is already used${owner === u.id ? ' in this unit' : ` in unit "${owner}"`}; give this group another prefix`);
        }
      }
    });
  });
  const bases = new Map<string, number>();
  for (const pu of pumps) {
    const base = pu.id.slice(0, pu.id.lastIndexOf('-'));
    bases.set(base, (bases.get(base) ?? 0) + 1);
  }
  return { units: parsed.data.units, unitIds: parsed.data.units.map((u) => u.id), segmentIds: parsed.data.segments.map((x) => x.id), pumps, pumpIds: new Set(pumps.map((x) => x.id)), bases };
}

function checkRange(ctx: Ctx, range: unknown, path: Path): void {
  if (range === null || typeof range !== 'object') return;
  const r = range as { min?: unknown; max?: unknown };
  if ((typeof r.min !== 'string' && typeof r.min !== 'number') || (typeof r.max !== 'string' && typeof r.max !== 'number')) return;
  const lo = ms(r.min);
  const hi = ms(r.max);
  if (lo !== undefined && hi !== undefined && lo > hi) ctx.add([...path, 'max'], `max (${formatDurationMs(hi)}) is less than min (${formatDurationMs(lo)})`);
}

/** Why a target selects no pump (undefined when it selects some, or is the gateway). */
function targetProblem(fleet: Fleet, target: string): string | undefined {
  if (target === 'all' || target === 'site' || target === 'gateway') return undefined;
  if (resolveTarget(target, fleet.pumps).length > 0) return undefined;
  const colon = target.indexOf(':');
  const kind = colon < 0 ? 'pump' : target.slice(0, colon);
  const value = colon < 0 ? target : target.slice(colon + 1);
  switch (kind) {
    case 'unit':
      if (fleet.unitIds.includes(value)) return `unit "${value}" has no pumps`;
      return `unit "${value}" is not in the fleet${didYouMean(value, fleet.unitIds)} (units: ${list(fleet.unitIds)})`;
    case 'segment':
      if (fleet.segmentIds.includes(value)) return `no unit is on segment "${value}"`;
      return `segment "${value}" is not in site.segments${didYouMean(value, fleet.segmentIds)} (segments: ${list(fleet.segmentIds)})`;
    case 'type':
      if (value !== 'lvp' && value !== 'syringe') return `type:${value} is not a pump type; expected type:lvp or type:syringe`;
      return `no pump in the fleet is of type ${value}`;
    case 'firmware': {
      const fw = [...new Set(fleet.pumps.map((x) => x.firmware))];
      return `no pump in the fleet runs firmware ${value}${didYouMean(value, fw)} (firmware: ${list(fw)})`;
    }
    default: {
      const names = [...fleet.bases].map(([b, n]) => (n === 1 ? `${b}-1` : `${b}-1..${b}-${n}`));
      let hint = '';
      if (kind === 'pump' && colon < 0 && fleet.unitIds.includes(value)) hint = ` ("${value}" is a unit: write unit:${value})`;
      else if (kind === 'pump' && colon < 0 && fleet.segmentIds.includes(value)) hint = ` ("${value}" is a segment: write segment:${value})`;
      return `no pump is named "${value}"${hint} (pumps: ${list(names)})`;
    }
  }
}

function argValue(v: string | number | boolean): string {
  return typeof v === 'boolean' ? (v ? '1' : '0') : String(v);
}

function checkArgs(ctx: Ctx, e: TimelineEntry, at: Path, fleet: Fleet | undefined, library: { lib: DrugLibrary; name: string } | undefined): void {
  const what = e.action ?? e.fault;
  if (what === undefined) return;
  const specs: Readonly<Record<string, ArgSpec>> = e.action !== undefined ? ACTION_ARGS[e.action] : FAULT_ARGS[e.fault as FaultName];
  const allowed = Object.keys(specs);
  const kindWord = e.action !== undefined ? 'action' : 'fault';
  let protocolOk = true;
  for (const [k, v] of Object.entries(e.args)) {
    const path: Path = [...at, 'args', k];
    const spec = specs[k];
    if (!spec) {
      const takes = allowed.length === 0 ? 'it takes no args' : `it takes: ${allowed.join(', ')}`;
      ctx.add(path, `the ${kindWord} ${what} does not take "${k}"${didYouMean(k, allowed)}; ${takes}`, { onKey: true });
      protocolOk = false;
      continue;
    }
    const bad = (message: string): void => {
      ctx.add(path, message, {}, `got ${describeValue(v)}`);
      protocolOk = false;
    };
    switch (spec.kind) {
      case 'number': {
        const lo = spec.min === undefined ? '' : spec.aboveMin ? `above ${spec.min}` : spec.max !== undefined ? `from ${spec.min}` : `of ${spec.min} or more`;
        const hi = spec.max === undefined ? '' : spec.aboveMin || spec.min === undefined ? `at most ${spec.max}` : `to ${spec.max}`;
        const range = [lo, hi].filter(Boolean).join(lo && hi && spec.aboveMin ? ' and ' : ' ');
        const want = `expected a number${range ? ` ${range}` : ''}${spec.unit ? ` (${spec.unit})` : ''}`;
        if (typeof v !== 'number' || (spec.min !== undefined && (spec.aboveMin ? v <= spec.min : v < spec.min)) || (spec.max !== undefined && v > spec.max)) bad(want);
        break;
      }
      case 'boolean':
        if (typeof v !== 'boolean') bad('expected true or false');
        break;
      case 'string':
        if (typeof v !== 'string' || v === '' || /[\s=]/.test(v)) bad(`expected ${spec.what} (one word)`);
        break;
      case 'enum':
        if (typeof v !== 'string' || !spec.values.includes(v)) bad(`expected one of ${spec.values.join(', ')}`);
        break;
      case 'alarm':
        if (typeof v !== 'string' || !isAlarmId(v)) ctx.add(path, `unknown alarm ${describeValue(v)}${typeof v === 'string' ? didYouMean(v, ALARM_IDS) : ''}; expected one of: ${ALARM_IDS.join(', ')}`);
        break;
      case 'command': {
        if (typeof v !== 'string') {
          ctx.add(path, 'expected a protocol command line without an id, like "PAUSE" or "TITRATE rate=50"', {}, `got ${describeValue(v)}`);
          break;
        }
        const r = parseRequest(`r1 ${v}`);
        if ('error' in r && !r.error.ok) ctx.add(path, `"${v}" is not a valid pump command: ${r.error.reason} (write the command without an id, e.g. "PAUSE")`);
        break;
      }
    }
  }
  if (e.action === 'remote' && e.args.command === undefined) {
    ctx.add([...at, 'args'], 'the action remote needs args.command: a protocol command line without an id, like "PAUSE"');
  }
  // program, titrate and bolus: check the command the pump will get, as the pump would.
  const cmd = e.action === 'program' ? 'PROGRAM' : e.action === 'titrate' ? 'TITRATE' : e.action === 'bolus' ? 'BOLUS' : undefined;
  if (cmd && protocolOk) {
    const line = [`r1 ${cmd}`, ...Object.entries(e.args).map(([k, v]) => `${k}=${argValue(v)}`)].join(' ');
    const r = parseRequest(line);
    if ('error' in r && !r.error.ok && r.error.code !== 'TOO_LONG') {
      const reason = r.error.reason;
      const mentioned = Object.keys(e.args).find((k) => reason.startsWith(`${k}=`) || reason.startsWith(`${k} `));
      ctx.add(mentioned ? [...at, 'args', mentioned] : [...at, 'args'], `the pump would refuse this ${e.action}: ${reason}`);
    }
  }
  // program drug=: the drug must be in the library for the targeted units' care areas.
  if (e.action === 'program' && typeof e.args.drug === 'string' && fleet && library) {
    const units = new Set(resolveTarget(e.target, fleet.pumps).map((p) => p.unit));
    for (const u of fleet.units) {
      if (!units.has(u.id)) continue;
      const area = library.lib.careAreas.find((a) => a.id === u.careArea);
      if (!area) continue;
      const drugs = area.drugs.map((d) => d.id);
      if (!drugs.includes(e.args.drug)) {
        ctx.add([...at, 'args', 'drug'], `drug "${e.args.drug}" is not in care area ${u.careArea} of ${library.name} (unit ${u.id})${didYouMean(e.args.drug, drugs)}; drugs: ${list(drugs)}`);
        break;
      }
    }
  }
}

function checkEntry(ctx: Ctx, e: TimelineEntry, at: Path, fleet: Fleet | undefined, durationMs: number | undefined, library: { lib: DrugLibrary; name: string } | undefined): void {
  const atMs = ms(e.at);
  if (atMs !== undefined && durationMs !== undefined && atMs > durationMs) {
    ctx.add([...at, 'at'], `at ${formatDurationMs(atMs)} is after the end of the run (duration: ${formatDurationMs(durationMs)}); it would never happen`);
  }
  if (e.end !== undefined) {
    const endMs = ms(e.end);
    if (atMs !== undefined && endMs !== undefined && endMs <= atMs) {
      ctx.add([...at, 'end'], `end (${formatDurationMs(endMs)}) must be after at (${formatDurationMs(atMs)})`);
    }
    if (e.action !== undefined && e.every === undefined) ctx.add([...at, 'end'], `end: on an action only bounds every:; give every: or remove end:`);
  }
  if (e.every !== undefined && ms(e.every) === 0) ctx.add([...at, 'every'], 'must be longer than 0');
  if (e.fault !== undefined) {
    if (e.every !== undefined && !REPEATING_FAULTS.has(e.fault)) ctx.add([...at, 'every'], `the fault ${e.fault} does not repeat; every: is for actions, rogue-client and reconnect-storm`, { onKey: true });
    if (e.fault === 'reconnect-storm' && e.end !== undefined && e.every === undefined) ctx.add([...at, 'end'], 'end: on reconnect-storm only bounds every:; give every: or remove end:', { onKey: true });
    if (e.fault === 'reconnect-storm' && e.every !== undefined) {
      const everyMs = ms(e.every);
      const awayMs = (typeof e.args.backoff === 'number' ? e.args.backoff : 1000) + (typeof e.args.jitter === 'number' ? e.args.jitter : 4000);
      if (everyMs !== undefined && everyMs > 0 && everyMs <= awayMs) ctx.add([...at, 'every'], `storms ${formatDurationMs(everyMs)} apart would overlap: a pump may be away for backoff + jitter = ${formatDurationMs(awayMs)}; make every: longer`);
    }
    if (e.spread !== undefined) ctx.add([...at, 'spread'], 'spread: is for actions; a fault starts on all its targets at once', { onKey: true });
    if (e.end !== undefined && INSTANT_FAULTS.has(e.fault)) ctx.add([...at, 'end'], `the fault ${e.fault} happens once, at at:; it takes no end:`, { onKey: true });
  }
  if (e.delay !== undefined) {
    if (e.fault !== undefined) ctx.add([...at, 'delay'], "a fault does not take delay: (a nurse's response time, for actions only)", { onKey: true });
    const lo = ms(e.delay.min);
    const hi = ms(e.delay.max);
    if (lo !== undefined && hi !== undefined && lo > hi) ctx.add([...at, 'delay', 'max'], `max (${formatDurationMs(hi)}) is less than min (${formatDurationMs(lo)})`);
  }
  if (fleet) {
    const problem = targetProblem(fleet, e.target);
    if (problem) ctx.add([...at, 'target'], problem);
    else if (e.target === 'gateway' && !(e.fault !== undefined && GATEWAY_FAULTS.has(e.fault))) {
      ctx.add([...at, 'target'], `${e.action !== undefined ? `the action ${e.action}` : `the fault ${e.fault}`} acts on pumps; the gateway is not a pump (only partition and gateway-outage take target: gateway)`);
    }
  }
  checkArgs(ctx, e, at, fleet, library);
}

function checkExpectation(ctx: Ctx, x: Expectation, at: Path, fleet: Fleet | undefined, durationMs: number | undefined): void {
  if ((x.check === 'alarm' || x.check === 'no-alarm' || x.check === 'escalation') && !isAlarmId(x.alarm)) {
    ctx.add([...at, 'alarm'], `unknown alarm "${x.alarm}"${didYouMean(x.alarm, ALARM_IDS)}; expected one of: ${ALARM_IDS.join(', ')}`);
  }
  if ('target' in x && fleet) {
    const problem = targetProblem(fleet, x.target);
    if (problem) ctx.add([...at, 'target'], problem);
    else if (x.target === 'gateway') ctx.add([...at, 'target'], `the check ${x.check} is about pumps; the gateway is not a pump`);
  }
  if (x.check === 'delivered' && x.minMl !== undefined && x.maxMl !== undefined && x.minMl > x.maxMl) {
    ctx.add([...at, 'maxMl'], `maxMl (${x.maxMl}) is less than minMl (${x.minMl})`);
  }
  if (x.check === 'state' && x.at !== undefined && durationMs !== undefined) {
    const atMs = ms(x.at);
    if (atMs !== undefined && atMs > durationMs) ctx.add([...at, 'at'], `at ${formatDurationMs(atMs)} is after the end of the run (duration: ${formatDurationMs(durationMs)})`);
  }
  if (x.check === 'alarm' && durationMs !== undefined) {
    const after = ms(x.after);
    if (after !== undefined && after > durationMs) ctx.add([...at, 'after'], `after ${formatDurationMs(after)} is after the end of the run (duration: ${formatDurationMs(durationMs)})`);
  }
}
