/**
 * Every timeline action and fault in one table (docs/scenarios.md, Actions and Faults): the args
 * each takes with their units and defaults, whether a fault lasts or happens once, whether it
 * repeats with `every:`, whether it may target the gateway, and whether the instructor may inject
 * it in training. The loader, the JSON Schema, the ward's timeline scheduler, the fault injectors,
 * the training session and its instructor page all read this table; a test checks the docs
 * against it (test/harness/scenario/timelineTable.test.ts).
 */

/** What one arg takes. `default` is what the run uses when the arg is not given. */
export type ArgSpec =
  | { kind: 'number'; min?: number; max?: number; unit?: string; aboveMin?: boolean; default?: number }
  | { kind: 'boolean'; default?: boolean }
  | { kind: 'string'; what: string }
  | { kind: 'enum'; values: readonly string[]; default?: string }
  /** A protocol command line without its id, e.g. "PAUSE" or "TITRATE rate=50". */
  | { kind: 'command'; default?: string }
  | { kind: 'alarm' };

export type ArgSpecs = Readonly<Record<string, ArgSpec>>;

/** Who carries out an action. */
export type ActionVia =
  /** A nurse at the bedside: the action becomes a protocol command run on each targeted pump. */
  | 'pump'
  /** The gateway sends a command line over the network (`remote`). */
  | 'gateway'
  /** The rollout orchestrator (no target; needs `rollout:`). */
  | 'orchestrator'
  /** The update server offers a release or library to each targeted pump. */
  | 'update-server'
  /** The hospital's security team acts on a CSAF advisory (no target; docs/advisories.md). */
  | 'security-team';

export interface ActionSpec {
  args: ArgSpecs;
  via: ActionVia;
  /** Args the action cannot do without. */
  required?: readonly string[];
}

/** What `end:` means for a fault. */
export type FaultEnd =
  /** The cause clears at `end:` (or after the run). */
  | 'clears'
  /** Instant: `end:` only stops the repeats of `every:`, and may be given only with it. */
  | 'bounds-every'
  /** Instant: `end:` stops the repeats of `every:`. */
  | 'stops-repeating'
  /** Instant and never repeated: no `end:`. */
  | 'none'
  /** Armed at `at:` and fired later by the update agent (docs/firmware.md): `end:` is not used. */
  | 'armed';

export interface FaultSpec {
  args: ArgSpecs;
  end: FaultEnd;
  /** May repeat with `every:` (and `end:`). */
  repeats: boolean;
  /** May take `target: gateway`. */
  gateway: boolean;
  /** The instructor may inject it in training (docs/training.md). */
  trainable: boolean;
  /** Needs `releases:` (the pumps' update agents). */
  needsUpdates?: boolean;
}

const num = (unit: string, dflt?: number): ArgSpec => ({ kind: 'number', min: 0, unit, ...(dflt !== undefined ? { default: dflt } : {}) });
const RATE: ArgSpec = { kind: 'number', min: 0, max: 1, unit: 'a fraction', default: 0.1 };
const BOOL: ArgSpec = { kind: 'boolean' };
const BOOL_FALSE: ArgSpec = { kind: 'boolean', default: false };

/** Update stages a power loss can be aimed at (update-power-loss). */
export const UPDATE_POWER_STAGES = ['downloading', 'writing', 'waiting-idle', 'installing', 'rebooting'] as const;

/**
 * The actions (docs/scenarios.md, Actions). program, titrate and bolus are also checked as the
 * pump would check the command they become (docs/protocol.md). The order is the schema's.
 */
export const ACTIONS = {
  program: {
    via: 'pump',
    args: {
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
  },
  start: { via: 'pump', args: {} },
  titrate: { via: 'pump', args: { rate: num('mL/h'), dose: num("dose rate, in the drug's dose unit"), override: BOOL } },
  bolus: { via: 'pump', args: { volume: num('mL'), dose: num("the drug's bolus unit"), rate: num('mL/h'), override: BOOL } },
  pause: { via: 'pump', args: {} },
  resume: { via: 'pump', args: {} },
  stop: { via: 'pump', args: {} },
  demand: { via: 'pump', args: {} },
  ack: { via: 'pump', args: { alarm: { kind: 'alarm' } } },
  silence: { via: 'pump', args: {} },
  confirm: { via: 'pump', args: {} },
  reject: { via: 'pump', args: {} },
  remote: { via: 'gateway', args: { command: { kind: 'command' }, signed: { kind: 'boolean', default: true } }, required: ['command'] },
  'rollout-approve': { via: 'orchestrator', args: {} },
  'rollout-pause': { via: 'orchestrator', args: {} },
  'rollout-resume': { via: 'orchestrator', args: {} },
  'rollout-abort': { via: 'orchestrator', args: {} },
  /** Roll back (an older release above the floor) or fix forward (a newer one). */
  'rollout-rollback': { via: 'orchestrator', args: { release: { kind: 'string', what: 'a release id of releases:' } }, required: ['release'] },
  'orchestrator-restart': { via: 'orchestrator', args: {} },
  'firmware-offer': { via: 'update-server', args: { release: { kind: 'string', what: 'a release id of releases:' } }, required: ['release'] },
  'library-offer': { via: 'update-server', args: { library: { kind: 'string', what: 'a library id of libraries:' } }, required: ['library'] },
  advisory: { via: 'security-team', args: { file: { kind: 'string', what: 'a CSAF 2.0 advisory file, relative to the scenario' } }, required: ['file'] },
} as const satisfies Record<string, ActionSpec>;

const lasting = (args: ArgSpecs = {}, more: Partial<FaultSpec> = {}): FaultSpec => ({ args, end: 'clears', repeats: false, gateway: false, trainable: true, ...more });

/** The faults (docs/scenarios.md, Faults). The order is the schema's. */
export const FAULTS = {
  occlusion: lasting({ side: { kind: 'enum', values: ['down', 'up'], default: 'down' } }),
  air: lasting({ bubble: { kind: 'number', min: 0, aboveMin: true, max: 10, unit: 'mL', default: 0.2 } }, { end: 'none' }),
  'door-open': lasting(),
  'container-empty': lasting(),
  'mains-loss': lasting(),
  'battery-drain': lasting({ percent: { kind: 'number', min: 0, max: 100, unit: 'percent', default: 15 } }),
  'power-loss': lasting(),
  'self-test-failure': lasting(),
  partition: lasting({}, { gateway: true }),
  latency: lasting({ ms: num('ms', 500), jitter: num('ms', 0) }),
  loss: lasting({ rate: RATE, burst: BOOL_FALSE }),
  duplicate: lasting({ rate: RATE }),
  reorder: lasting({ rate: RATE }),
  'gateway-outage': lasting({}, { gateway: true }),
  'clock-skew': lasting({ ms: { kind: 'number', unit: 'ms', default: 60_000 } }),
  'rogue-client': lasting({ command: { kind: 'command', default: 'PAUSE' }, replay: BOOL_FALSE, forge: BOOL_FALSE, claim: { kind: 'enum', values: ['rogue', 'gateway'], default: 'rogue' }, client: { kind: 'string', what: 'the client id it connects with (default rogue)' }, from: { kind: 'string', what: "the segment it sits on (default the pump's)" } }, { end: 'stops-repeating', repeats: true }),
  'update-power-loss': lasting({ stage: { kind: 'enum', values: UPDATE_POWER_STAGES, default: 'downloading' }, for: num('s', 120) }, { end: 'armed', trainable: false, needsUpdates: true }),
  // --- monitor (docs/monitoring.md): attacks the traffic monitor should detect (faults/attacks.ts) ---
  'stolen-credential': lasting({ credential: { kind: 'string', what: 'the pump id whose broker credential is used (default the first targeted pump)' }, from: { kind: 'string', what: "the segment it is used from (default the pump's)" }, command: { kind: 'command', default: 'PAUSE' } }, { end: 'stops-repeating', repeats: true }),
  'compromised-gateway': lasting({ command: { kind: 'command', default: 'BOLUS volume=1' }, count: { kind: 'number', min: 1, max: 100, unit: 'commands per pump', default: 1 } }, { end: 'stops-repeating', repeats: true }),
  'segment-scan': lasting({ client: { kind: 'string', what: 'the client id it connects with (default scanner)' }, from: { kind: 'string', what: 'the segment it sits on (default the first targeted pump\'s)' } }, { end: 'stops-repeating', repeats: true }),
  'broker-flood': lasting({ client: { kind: 'string', what: 'the client id it connects with (default flooder)' }, from: { kind: 'string', what: "the segment it sits on (default the first targeted pump's)" }, count: { kind: 'number', min: 1, max: 10_000, unit: 'messages each time', default: 300 }, connections: { kind: 'number', min: 1, max: 100, unit: 'client connections the messages are spread over', default: 1 }, command: { kind: 'command', default: 'PING' } }, { end: 'stops-repeating', repeats: true }),
  'malicious-firmware': lasting({ path: { kind: 'enum', values: ['rogue', 'gateway'], default: 'rogue' }, signing: { kind: 'enum', values: ['unknown-key', 'unsigned'], default: 'unknown-key' }, version: { kind: 'string', what: 'the version it claims, MAJOR.MINOR.PATCH (default 9.9.9)' }, client: { kind: 'string', what: 'the client id it connects with on path rogue (default rogue-updater)' }, from: { kind: 'string', what: "the segment it sits on on path rogue (default the first targeted pump's)" } }, { end: 'stops-repeating', repeats: true, needsUpdates: true }),
  'reconnect-storm': lasting({ backoff: num('ms', 1000), jitter: num('ms', 4000) }, { end: 'bounds-every', repeats: true }),
  // --- hl7 (docs/hl7.md): the hospital's HL7 engine misbehaves; they act on the run's HL7 link (hl7/runLink.ts) ---
  'hl7-engine-down': lasting({}, { trainable: false }),
  'hl7-nack': lasting({}, { trainable: false }),
  'hl7-slow-ack': lasting({ ms: { kind: 'number', min: 1, max: 60_000, unit: 'ms', default: 3000 } }, { trainable: false }),
} as const satisfies Record<string, FaultSpec>;

export type ActionName = keyof typeof ACTIONS;
export type FaultName = keyof typeof FAULTS;

export const ACTION_NAMES = Object.keys(ACTIONS) as [ActionName, ...ActionName[]];
export const FAULT_NAMES = Object.keys(FAULTS) as [FaultName, ...FaultName[]];

export function isActionName(v: unknown): v is ActionName {
  return typeof v === 'string' && Object.hasOwn(ACTIONS, v);
}

export function isFaultName(v: unknown): v is FaultName {
  return typeof v === 'string' && Object.hasOwn(FAULTS, v);
}

export function actionSpec(name: ActionName): ActionSpec {
  return ACTIONS[name];
}

export function faultSpec(name: FaultName): FaultSpec {
  return FAULTS[name];
}

/** Instant faults end as soon as they start when no `end:` is given. */
export function isInstant(name: FaultName): boolean {
  const end = faultSpec(name).end;
  return end === 'none' || end === 'bounds-every' || end === 'stops-repeating';
}

/** The names of the faults that may target the gateway, for messages. */
export const GATEWAY_FAULT_NAMES: readonly FaultName[] = FAULT_NAMES.filter((f) => faultSpec(f).gateway);
/** The names of the faults that repeat with `every:`, for messages. */
export const REPEATING_FAULT_NAMES: readonly FaultName[] = FAULT_NAMES.filter((f) => faultSpec(f).repeats);

/** The value of a numeric arg: given (a number or numeric text), else the table's default, else `fallback`. */
export function numberArg(specs: ArgSpecs, args: Readonly<Record<string, string | number | boolean>>, key: string): number {
  const v = args[key];
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v))) return Number(v);
  const spec = specs[key];
  const d = spec && 'default' in spec ? spec.default : undefined;
  if (typeof d !== 'number') throw new RangeError(`the arg ${key} has no numeric default in the timeline table`);
  return d;
}

/** A boolean arg: true or "true"; otherwise the table's default (false when it has none). */
export function booleanArg(specs: ArgSpecs, args: Readonly<Record<string, string | number | boolean>>, key: string): boolean {
  const v = args[key];
  if (v === true || v === 'true') return true;
  if (v === false || v === 'false') return false;
  const spec = specs[key];
  return spec?.kind === 'boolean' && spec.default === true;
}

/** A text arg (an enum or a command line): given as text, else the table's default. */
export function textArg(specs: ArgSpecs, args: Readonly<Record<string, string | number | boolean>>, key: string): string {
  const v = args[key];
  if (typeof v === 'string') return v;
  const spec = specs[key];
  const d = spec && 'default' in spec ? spec.default : undefined;
  if (typeof d !== 'string') throw new RangeError(`the arg ${key} has no text default in the timeline table`);
  return d;
}

/** One arg in words: its name, what it takes and its default, e.g. `ms: ms (500)`. */
export function describeArg(name: string, spec: ArgSpec): string {
  const what = spec.kind === 'number' ? (spec.unit ?? 'a number') : spec.kind === 'boolean' ? 'true or false' : spec.kind === 'enum' ? spec.values.join(' | ') : spec.kind === 'command' ? 'a command line' : spec.kind === 'alarm' ? 'an alarm id' : spec.what;
  const d = 'default' in spec && spec.default !== undefined ? ` (${String(spec.default)})` : '';
  return `${name}: ${what}${d}`;
}
