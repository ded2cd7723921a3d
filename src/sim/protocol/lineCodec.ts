/**
 * The text form of the protocol (docs/protocol.md): parse a request line into a typed command,
 * format commands, replies and status lines. Anything malformed is an error reply, never a throw.
 */
import { err, type PumpCommand, type Reply, type SensorInput } from './commands.js';

export const MAX_LINE_CHARS = 120;
const ID_RE = /^[A-Za-z0-9_-]{1,8}$/;
const KEY_RE = /^[a-z]{1,12}$/;
const NUM_RE = /^\d{1,9}(\.\d{1,6})?$/;

export type ParsedRequest = { id: string; command: PumpCommand } | { id: string; error: Reply };

type Args = Map<string, string>;

class ArgError extends Error {
  constructor(readonly reply: Reply) {
    super(reply.ok ? '' : reply.reason);
  }
}

function fail(code: Parameters<typeof err>[0], reason: string): never {
  throw new ArgError(err(code, reason));
}

/** Per command: the keys it takes. Anything else is BAD_ARG. */
const ALLOWED: Record<PumpCommand['cmd'], readonly string[]> = {
  PING: [],
  INFO: [],
  STATUS: [],
  TICK: ['ms'],
  AREA: ['id'],
  DRUG: ['idx'],
  PROGRAM: ['mode', 'rate', 'basal', 'drug', 'dose', 'weight', 'vtbi', 'end', 'kvo', 'load', 'loadrate', 'demand', 'lockout', 'limit', 'window', 'override', 'container', 'syringe'],
  START: [],
  PAUSE: [],
  RESUME: [],
  STOP: [],
  TITRATE: ['rate', 'dose', 'override'],
  BOLUS: ['volume', 'dose', 'rate', 'override'],
  DEMAND: [],
  ACK: ['alarm'],
  SILENCE: [],
  INJECT: ['occlusion', 'air', 'door', 'container', 'mains', 'selftest', 'comm', 'power', 'battery'],
  LOG: [],
  CONFIRM: [],
  REJECT: [],
};

function num(args: Args, key: string): number | undefined {
  const v = args.get(key);
  if (v === undefined) return undefined;
  if (!NUM_RE.test(v)) fail('BAD_ARG', `${key}=${v} is not a plain decimal number`);
  return Number(v);
}

function req(args: Args, key: string): number {
  const v = num(args, key);
  if (v === undefined) fail('MISSING_ARG', `${key} is required`);
  return v;
}

function oneOf<T extends string>(args: Args, key: string, values: readonly T[]): T | undefined {
  const v = args.get(key);
  if (v === undefined) return undefined;
  if (!(values as readonly string[]).includes(v)) fail('BAD_ARG', `${key} must be one of ${values.join('|')}`);
  return v as T;
}

function flag(args: Args, key: string): boolean | undefined {
  const v = oneOf(args, key, ['0', '1'] as const);
  return v === undefined ? undefined : v === '1';
}

function token(args: Args, key: string, re: RegExp, what: string): string | undefined {
  const v = args.get(key);
  if (v === undefined) return undefined;
  if (!re.test(v)) fail('BAD_ARG', `${key}=${v} is not ${what}`);
  return v;
}

function sensorInput(args: Args): SensorInput {
  if (args.size !== 1) fail(args.size === 0 ? 'MISSING_ARG' : 'BAD_ARG', 'INJECT takes exactly one sensor=value');
  const [key] = [...args.keys()] as [string];
  switch (key) {
    case 'occlusion':
      return { sensor: 'occlusion', value: oneOf(args, key, ['down', 'up', 'clear'] as const) ?? 'clear' };
    case 'air':
      return { sensor: 'air', bubbleMl: req(args, 'air') };
    case 'battery':
      return { sensor: 'battery', percent: req(args, 'battery') };
    case 'door':
      return { sensor: 'door', value: oneOf(args, key, ['open', 'closed'] as const) ?? 'closed' };
    case 'container':
      return { sensor: 'container', value: oneOf(args, key, ['empty', 'ok'] as const) ?? 'ok' };
    case 'mains':
      return { sensor: 'mains', value: oneOf(args, key, ['on', 'off'] as const) ?? 'on' };
    case 'selftest':
      return { sensor: 'selftest', value: oneOf(args, key, ['fail', 'pass'] as const) ?? 'pass' };
    case 'comm':
      return { sensor: 'comm', value: oneOf(args, key, ['lost', 'ok'] as const) ?? 'ok' };
    default:
      return { sensor: 'power', value: oneOf(args, key, ['off', 'on'] as const) ?? 'on' };
  }
}

function buildCommand(name: PumpCommand['cmd'], args: Args): PumpCommand {
  switch (name) {
    case 'PING':
    case 'INFO':
    case 'STATUS':
    case 'START':
    case 'PAUSE':
    case 'RESUME':
    case 'STOP':
    case 'DEMAND':
    case 'SILENCE':
    case 'LOG':
    case 'CONFIRM':
    case 'REJECT':
      return { cmd: name };
    case 'TICK':
      return { cmd: 'TICK', ms: req(args, 'ms') };
    case 'AREA': {
      const id = token(args, 'id', /^[a-z0-9][a-z0-9_-]{0,15}$/, 'a care area id');
      if (id === undefined) fail('MISSING_ARG', 'id is required');
      return { cmd: 'AREA', id };
    }
    case 'DRUG':
      return { cmd: 'DRUG', idx: req(args, 'idx') };
    case 'PROGRAM': {
      const mode = oneOf(args, 'mode', ['basic', 'pca'] as const);
      if (args.has('basal') && mode !== 'pca') fail('BAD_ARG', 'basal= is for mode=pca');
      if (args.has('rate') && mode === 'pca') fail('BAD_ARG', 'a PCA program takes basal=, not rate=');
      return {
        cmd: 'PROGRAM',
        mode,
        rateMlPerH: mode === 'pca' ? num(args, 'basal') : num(args, 'rate'),
        drugId: token(args, 'drug', /^[a-z0-9][a-z0-9_-]{0,31}$/, 'a drug id'),
        dose: num(args, 'dose'),
        weightKg: num(args, 'weight'),
        vtbiMl: num(args, 'vtbi'),
        endAction: oneOf(args, 'end', ['stop', 'kvo', 'continue'] as const),
        kvoMlPerH: num(args, 'kvo'),
        load: num(args, 'load'),
        loadRateMlPerH: num(args, 'loadrate'),
        demandMl: num(args, 'demand'),
        lockoutMin: num(args, 'lockout'),
        limitMl: num(args, 'limit'),
        windowH: num(args, 'window'),
        override: flag(args, 'override'),
        containerMl: num(args, 'container'),
        syringeMl: num(args, 'syringe'),
      };
    }
    case 'TITRATE':
      return { cmd: 'TITRATE', rateMlPerH: num(args, 'rate'), dose: num(args, 'dose'), override: flag(args, 'override') };
    case 'BOLUS':
      return { cmd: 'BOLUS', volumeMl: num(args, 'volume'), dose: num(args, 'dose'), rateMlPerH: num(args, 'rate'), override: flag(args, 'override') };
    case 'ACK':
      return { cmd: 'ACK', alarm: token(args, 'alarm', /^[A-Z_]{1,20}$/, 'an alarm id') };
    case 'INJECT':
      return { cmd: 'INJECT', input: sensorInput(args) };
  }
}

/** Printable ASCII only (docs/protocol.md, Lines). */
export function firstBadChar(line: string): number {
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) return i;
  }
  return -1;
}

/** Parse one request line (without its line end). */
export function parseRequest(line: string): ParsedRequest {
  if (line.length > MAX_LINE_CHARS) return { id: '?', error: err('TOO_LONG', `line is ${line.length} characters; the limit is ${MAX_LINE_CHARS}`) };
  const words = line.trim().split(/ +/);
  const maybeId = words[0] ?? '';
  const id = ID_RE.test(maybeId) ? maybeId : '?';
  const bad = firstBadChar(line);
  if (bad >= 0) return { id, error: err('BAD_CHAR', `byte 0x${line.charCodeAt(bad).toString(16).padStart(2, '0')} at column ${bad + 1} is not printable ASCII`) };
  if (id === '?') return { id, error: err('BAD_LINE', 'a request starts with an id of 1 to 8 characters A-Z a-z 0-9 _ -') };
  const name = words[1];
  if (name === undefined) return { id, error: err('BAD_LINE', 'no command after the id') };
  if (!Object.hasOwn(ALLOWED, name)) return { id, error: err('UNKNOWN_CMD', `unknown command "${name.slice(0, 20)}"`) };
  const cmdName = name as PumpCommand['cmd'];
  const args: Args = new Map();
  for (const w of words.slice(2)) {
    const eq = w.indexOf('=');
    if (eq <= 0 || eq === w.length - 1) return { id, error: err('BAD_LINE', `"${w.slice(0, 20)}" is not key=value`) };
    const key = w.slice(0, eq);
    if (!KEY_RE.test(key)) return { id, error: err('BAD_LINE', `"${key.slice(0, 20)}" is not a lower-case key`) };
    if (args.has(key)) return { id, error: err('BAD_LINE', `${key} is given twice`) };
    if (!ALLOWED[cmdName].includes(key)) return { id, error: err('BAD_ARG', `${cmdName} does not take ${key}=`) };
    args.set(key, w.slice(eq + 1));
  }
  try {
    return { id, command: buildCommand(cmdName, args) };
  } catch (e) {
    if (e instanceof ArgError) return { id, error: e.reply };
    throw e;
  }
}

function fmtArg(v: number | string): string {
  return typeof v === 'number' ? String(Math.round(v * 1e6) / 1e6) : v;
}

/** The canonical text of a command (what the log records). */
export function formatCommand(c: PumpCommand): string {
  const parts: string[] = [c.cmd];
  const add = (k: string, v: number | string | boolean | undefined): void => {
    if (v === undefined) return;
    parts.push(`${k}=${typeof v === 'boolean' ? (v ? 1 : 0) : fmtArg(v)}`);
  };
  switch (c.cmd) {
    case 'TICK':
      add('ms', c.ms);
      break;
    case 'AREA':
      add('id', c.id);
      break;
    case 'DRUG':
      add('idx', c.idx);
      break;
    case 'PROGRAM':
      add('mode', c.mode);
      add(c.mode === 'pca' ? 'basal' : 'rate', c.rateMlPerH);
      add('drug', c.drugId);
      add('dose', c.dose);
      add('weight', c.weightKg);
      add('vtbi', c.vtbiMl);
      add('end', c.endAction);
      add('kvo', c.kvoMlPerH);
      add('load', c.load);
      add('loadrate', c.loadRateMlPerH);
      add('demand', c.demandMl);
      add('lockout', c.lockoutMin);
      add('limit', c.limitMl);
      add('window', c.windowH);
      add('container', c.containerMl);
      add('syringe', c.syringeMl);
      add('override', c.override);
      break;
    case 'TITRATE':
      add('rate', c.rateMlPerH);
      add('dose', c.dose);
      add('override', c.override);
      break;
    case 'BOLUS':
      add('volume', c.volumeMl);
      add('dose', c.dose);
      add('rate', c.rateMlPerH);
      add('override', c.override);
      break;
    case 'ACK':
      add('alarm', c.alarm);
      break;
    case 'INJECT': {
      const i = c.input;
      add(i.sensor, i.sensor === 'air' ? i.bubbleMl : i.sensor === 'battery' ? i.percent : i.value);
      break;
    }
    default:
      break;
  }
  return parts.join(' ');
}

/** `<id> OK k=v ...` or `<id> ERR CODE reason`. */
export function formatReply(id: string, r: Reply): string {
  if (r.ok) {
    const fields = Object.entries(r.fields).map(([k, v]) => `${k}=${v}`);
    return [id, 'OK', ...fields].join(' ');
  }
  return `${id} ERR ${r.code} ${r.reason}`;
}

export function formatStatusLine(fields: Readonly<Record<string, string | number>>): string {
  return ['* STATUS', ...Object.entries(fields).map(([k, v]) => `${k}=${v}`)].join(' ');
}
