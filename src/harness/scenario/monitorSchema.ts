/**
 * The scenario's `monitor:` section (docs/monitoring.md): the passive traffic monitor's baseline
 * window, who may send commands, which segments may talk, approved firmware, and one rule per
 * detector (enabled, severity, count, window, factor, cooldown). The detectors and their defaults
 * are a table here (MONITOR_DETECTORS); src/harness/monitor implements each one.
 */
import { z } from 'zod';

export const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** What one detector takes by default. `count` within `window`; `factor` × the baseline's peak. */
export interface DetectorDefaults {
  severity: Severity;
  /** What it looks at, for docs and messages. */
  what: string;
  count?: number;
  window?: string;
  factor?: number;
  /** The same alert (kind and pump or segment) is not raised again within this long. */
  cooldown: string;
}

/** Every detector (docs/monitoring.md, Detectors). The order is the schema's and the docs'. */
export const MONITOR_DETECTORS = {
  'unknown-client': { severity: 'high', what: 'a client id that is neither a registered pump, the gateway, nor seen in the baseline', cooldown: '1h' },
  'unauthorised-command': { severity: 'high', what: 'a command sent by a client that is not an authorised command source', cooldown: '10m' },
  replay: { severity: 'high', what: 'a command envelope (pump, counter, signature) seen on the wire before', cooldown: '10m' },
  'signature-failures': { severity: 'high', what: 'pumps of one segment report `count` refused commands (unsigned, bad signature, unknown key) within `window`', count: 3, window: '5m', cooldown: '10m' },
  'foreign-topic': { severity: 'high', what: "a pump's client publishes on another pump's topics", cooldown: '10m' },
  'command-rate': { severity: 'medium', what: 'more titrations and boluses to one pump within `window` than max(`count`, `factor` x its baseline peak)', count: 4, window: '10m', factor: 3, cooldown: '10m' },
  'connection-flapping': { severity: 'low', what: "a pump's or segment's connection drops `count` times within `window`", count: 3, window: '10m', cooldown: '30m' },
  'firmware-change': { severity: 'high', what: 'a pump boots a firmware version that is neither its baseline version nor approved (a rollout release or `approvedFirmware`)', cooldown: '1h' },
  'cross-segment': { severity: 'high', what: 'traffic between two segments that `allow:` does not let talk', cooldown: '10m' },
  'firmware-offer': { severity: 'high', what: 'a firmware offer from a client that is not an authorised source, or one a pump refuses for its signature (unsigned, bad signature, unknown key)', cooldown: '10m' },
  'message-flood': { severity: 'medium', what: 'one client sends more messages within `window` than max(`count`, `factor` x its baseline peak)', count: 200, window: '1m', factor: 5, cooldown: '10m' },
} as const satisfies Record<string, DetectorDefaults>;

export type DetectorKind = keyof typeof MONITOR_DETECTORS;
export const DETECTOR_KINDS = Object.keys(MONITOR_DETECTORS) as [DetectorKind, ...DetectorKind[]];

const id = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,31}$/, 'an id is 1 to 32 characters of a-z 0-9 _ -');
const version = z.string().regex(/^[0-9A-Za-z.+-]{1,32}$/, 'a firmware version, e.g. 1.1.0');

/** `duration` is the scenario schema's (passed in so this file does not import schema.ts). */
export function monitorSchemaOf(duration: z.ZodType<string | number>) {
  const rule = z
    .object({
      enabled: z.boolean().default(true),
      severity: z.enum(SEVERITIES).optional(),
      count: z.number().int().min(1).max(1_000_000).optional(),
      window: duration.optional(),
      factor: z.number().min(1).max(1000).optional(),
      cooldown: duration.optional(),
    })
    .strict();
  const rules = z.object(Object.fromEntries(DETECTOR_KINDS.map((k) => [k, rule.optional()])) as Record<DetectorKind, z.ZodOptional<typeof rule>>).strict();
  return z
    .object({
      /** The monitor learns from time 0 until this long and raises no alert meanwhile. */
      baseline: duration.default('1h'),
      /** The segment the gateway sits on (traffic to and from it is always allowed). */
      gatewaySegment: id.default('core'),
      /** Client ids that may send commands to pumps. */
      authorisedSources: z.array(z.string().min(1).max(64)).min(1).default(['gateway']),
      /** Pairs of segments that may talk directly (both ways); every segment may talk with the gateway's. */
      allow: z.array(z.object({ from: id, to: id }).strict()).default([]),
      /** Firmware versions a pump may boot without an alert (the rollout's release is approved too). */
      approvedFirmware: z.array(version).default([]),
      /** An alert within this long of an attack's span (after its start, until this long after its end) detects it. */
      attributeWithin: duration.default('30m'),
      rules: rules.default({}),
    })
    .strict();
}

/**
 * The attacks the harness injects (faults of the timeline table) and the alert kinds that detect
 * each (docs/monitoring.md, Detection figures). An alert of another kind, or outside every
 * attack's span, is a false alert.
 */
export const ATTACKS = {
  'rogue-client': ['unknown-client', 'unauthorised-command', 'replay', 'signature-failures', 'cross-segment'],
  'stolen-credential': ['unauthorised-command', 'foreign-topic', 'cross-segment', 'signature-failures'],
  'compromised-gateway': ['command-rate'],
  'segment-scan': ['cross-segment', 'unknown-client', 'unauthorised-command', 'signature-failures'],
  'broker-flood': ['message-flood', 'unknown-client', 'unauthorised-command', 'signature-failures', 'cross-segment'],
  'malicious-firmware': ['firmware-offer', 'unknown-client', 'unauthorised-command', 'cross-segment'],
  'reconnect-storm': ['connection-flapping'],
} as const satisfies Record<string, readonly DetectorKind[]>;

export type AttackName = keyof typeof ATTACKS;
export const ATTACK_NAMES = Object.keys(ATTACKS) as [AttackName, ...AttackName[]];
