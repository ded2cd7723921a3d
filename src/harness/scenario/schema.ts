/**
 * The scenario file format (docs/scenarios.md), as a zod schema: the fleet, the seed, the
 * duration, a timeline of actions and faults, and the expectations. A JSON Schema for editors is
 * generated from this (scenarios/scenario.schema.json, `npm run schema`).
 */
import { z } from 'zod';
import { parseDurationMs } from './duration.js';
import { PROFILE_IDS } from '../../sim/firmware/profiles.js';
import { TAMPER_KINDS } from './tamperKinds.js';
import { inventorySchemaOf } from './inventorySchema.js';
import { ACTION_NAMES, FAULT_NAMES } from './timelineTable.js';
import { ATTACK_NAMES, monitorSchemaOf } from './monitorSchema.js';
import { playbookSchemaOf } from './playbookSchema.js';

export const duration = z.union([z.string(), z.number()]).superRefine((v, ctx) => {
  try {
    parseDurationMs(v);
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: (e as Error).message });
  }
});

const id = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,31}$/, 'an id is 1 to 32 characters of a-z 0-9 _ -');
const fraction = z.number().min(0).max(1);
const range = z.object({ min: duration, max: duration }).strict();

/** Who a timeline entry acts on: "icu-3", "unit:icu", "segment:seg-a", "site", "all", "gateway". */
export const target = z.string().regex(/^(all|site|gateway|(pump|unit|segment|type|firmware):[A-Za-z0-9._-]+|[a-z0-9][a-z0-9_-]{0,31})$/, 'a target is a pump id, unit:<id>, segment:<id>, type:<lvp|syringe>, firmware:<version>, all, site or gateway');

export const pumpGroupSchema = z
  .object({
    type: z.enum(['lvp', 'syringe']),
    count: z.number().int().min(1).max(20_000),
    firmware: z.string().regex(/^[0-9A-Za-z.+-]{1,32}$/).default('1.0.0'),
    /** Pumps named <unit>-<n>; give a prefix to name them otherwise. */
    prefix: id.optional(),
    /**
     * Firmware behaviour: "secure" verifies every remote command; "legacy-unauthenticated" models
     * the advisories' weakness of accepting unauthenticated commands (CVE-2020-12040, CVE-2021-33883).
     * With `releases:`, any firmware behaviour profile (docs/firmware.md) names the factory image's.
     */
    profile: z.enum(['legacy-unauthenticated', ...PROFILE_IDS]).default('secure'),
  })
  .strict();

export const nurseSchema = z
  .object({
    /** Do nurses answer alarms on their own? (occlusion drills set this false) */
    respond: z.boolean().default(true),
    responseTime: range.default({ min: '30s', max: '5m' }),
  })
  .strict();

export const patientsSchema = z
  .object({
    /** Programs are drawn each time a pump is free: fraction PCA, basic (no library), rest by dose. */
    pcaFraction: fraction.default(0.1),
    basicFraction: fraction.default(0.2),
    /** Faults of a normal day, per pump per 24 h (mean). */
    occlusionsPerDay: z.number().min(0).max(100).default(0.3),
    airPerDay: z.number().min(0).max(100).default(0.1),
    doorPerDay: z.number().min(0).max(100).default(0.05),
    mainsLossPerDay: z.number().min(0).max(100).default(0.1),
  })
  .strict();

/** A bed of a unit with the pumps at it and its patient (PID/PV1 of HL7 messages, docs/hl7.md). */
export const bedSchema = z
  .object({
    /** PV1-3.3 bed. */
    id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,15}$/, 'a bed id is 1 to 16 characters of A-Z a-z 0-9 _ -'),
    /** Pump ids of this unit at this bed. */
    pumps: z.array(z.string()).min(1).max(8),
    patient: z
      .object({
        /** PID-3 patient identifier (e.g. a medical record number). */
        id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$/, 'a patient id is 1 to 32 characters of A-Z a-z 0-9 . _ -'),
        /** PID-5 as Family^Given. */
        name: z.string().regex(/^[^|~\\&\r\n^]{1,40}(\^[^|~\\&\r\n^]{1,40})?$/, 'a name is Family or Family^Given, at most 40 characters each, without | ~ \\ &').optional(),
        /** Weight in kg, for weight-based doses of PCD-03 orders that do not give one. */
        weightKg: z.number().min(0.2).max(350).optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

export const unitSchema = z
  .object({
    id,
    name: z.string().optional(),
    careArea: id,
    segment: id,
    pumps: z.array(pumpGroupSchema).min(1),
    /** Pumps with generated activity (patients, nurses). Without it, only the timeline acts. */
    patients: patientsSchema.optional(),
    nurse: nurseSchema.default({ respond: true, responseTime: { min: '30s', max: '5m' } }),
    /** Beds with their pumps and patients (HL7 PID/PV1); pumps at no listed bed sit in bed n (docs/hl7.md). */
    beds: z.array(bedSchema).max(20_000).optional(),
  })
  .strict();

export const linkSchema = z
  .object({
    latency: duration.default('20ms'),
    jitter: duration.default('5ms'),
    loss: fraction.default(0),
    duplicate: fraction.default(0),
    reorder: fraction.default(0),
  })
  .strict();

/** Action and fault names, in the order of the timeline table (timelineTable.ts). */
export { ACTION_NAMES, FAULT_NAMES, type ActionName, type FaultName } from './timelineTable.js';

export const timelineEntrySchema = z
  .object({
    at: duration,
    /** Spread the action over the targets: each gets at + a draw in [0, spread). */
    spread: duration.optional(),
    action: z.enum(ACTION_NAMES).optional(),
    fault: z.enum(FAULT_NAMES).optional(),
    target: target.default('all'),
    /** Act on this fraction of the targets, drawn with the run's seed. */
    fraction: fraction.optional(),
    /** A fault ends (and its cause clears) at this time. */
    end: duration.optional(),
    /** A nurse's action happens after a response time drawn from this range. */
    delay: range.optional(),
    /** Repeat every this long until `end` (PCA demands, rogue polling, reconnect storms). */
    every: duration.optional(),
    args: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).default({}),
  })
  .strict()
  .superRefine((e, ctx) => {
    if ((e.action === undefined) === (e.fault === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['action'], message: 'each timeline entry has exactly one of action: or fault:' });
    }
    if (e.every !== undefined && e.end === undefined) ctx.addIssue({ code: 'custom', path: ['end'], message: 'every: needs end:' });
  });

export const expectationSchema = z.discriminatedUnion('check', [
  z.object({ check: z.literal('alarm'), alarm: z.string(), target: target.default('all'), after: duration.default(0), within: duration, count: z.number().int().min(1).optional() }).strict(),
  z.object({ check: z.literal('no-alarm'), alarm: z.string(), target: target.default('all') }).strict(),
  /** The gateway escalated an unanswered high-priority alarm (level 1: charge nurse after 2 min, 2: rapid response after 5 min). */
  z.object({ check: z.literal('escalation'), alarm: z.string(), level: z.number().int().min(1).max(2), target: target.default('all'), after: duration.default(0), within: duration }).strict(),
  z.object({ check: z.literal('no-infusion-interrupted') }).strict(),
  z.object({ check: z.literal('events-exactly-once') }).strict(),
  z.object({ check: z.literal('within-hard-limits') }).strict(),
  z.object({ check: z.literal('no-unauthorised-change') }).strict(),
  z.object({ check: z.literal('commands-refused'), min: z.number().int().min(0).default(1) }).strict(),
  z.object({ check: z.literal('delivered'), target: target, minMl: z.number().min(0).optional(), maxMl: z.number().min(0).optional() }).strict(),
  /** Every pump the advisory affects is patched or under compensating controls within this long of the advisory action (docs/advisories.md). */
  z.object({ check: z.literal('advisory-closed'), within: duration }).strict(),
  /** Every HL7 message the gateway queued was acknowledged AA exactly once (docs/hl7.md). */
  z.object({ check: z.literal('hl7-exactly-once') }).strict(),
  /** --- monitor (docs/monitoring.md): the traffic monitor alerted on this attack within this long of its start --- */
  z.object({ check: z.literal('detect'), attack: z.enum(ATTACK_NAMES), within: duration }).strict(),
  /** The monitor's alerts that match no injected attack, per 1,000 pump-hours, at most this many. */
  z.object({ check: z.literal('false-alerts'), max: z.number().min(0) }).strict(),
  /** --- playbooks (docs/playbooks.md): each playbook (or the one named) triggered and contained the incident within this long of the attack's start --- */
  z.object({ check: z.literal('contain'), playbook: z.string().optional(), within: duration }).strict(),
  /** Infusions interrupted from the start of each incident to the end of the run, at most this many. */
  z.object({ check: z.literal('infusions-interrupted'), max: z.number().int().min(0) }).strict(),
  /** Events of the pumps a playbook acted on that the gateway never ingested, at most this many. */
  z.object({ check: z.literal('events-lost'), max: z.number().int().min(0) }).strict(),
  z.object({ check: z.literal('state'), target: target, state: z.enum(['IDLE', 'PROGRAMMED', 'RUNNING', 'PAUSED', 'KVO', 'COMPLETE', 'ALARM', 'OFF']), at: duration.optional() }).strict(),
]);

const hwModels = z.enum(['lvp', 'syringe']);
const version = z.string().regex(/^(0|[1-9]\d{0,5})\.(0|[1-9]\d{0,5})\.(0|[1-9]\d{0,5})$/, 'a version is MAJOR.MINOR.PATCH (e.g. 1.1.0)');

export const releaseSchema = z
  .object({
    id,
    /** The version it installs (a release built in the run); not with image: (a release from files). */
    version: version.optional(),
    /** A release from files (docs/scenarios.md): the image made by `infusim firmware build`, relative to the scenario. */
    image: z.string().min(1).optional(),
    /** Its manifest, signed with `infusim firmware sign`, relative to the scenario. */
    manifest: z.string().min(1).optional(),
    /** The public key the pumps trust for it (`infusim keys gen`), relative to the scenario. */
    trust: z.string().min(1).optional(),
    /** The pump models it is built for (one signed image each). */
    models: z.array(hwModels).min(1).default(['lvp', 'syringe']),
    profile: z.enum(PROFILE_IDS).default('secure'),
    /** The anti-rollback floor it sets once committed (default: its own version). */
    minVersion: version.optional(),
    sizeBytes: z.number().int().min(1024).max(4 * 1024 * 1024).default(65_536),
    notes: z.string().max(4000).default(''),
    /** Produce a bad release on purpose: each kind is refused by the pump with its reason. */
    tamper: z.enum(TAMPER_KINDS).default('none'),
    /** How long the manifest stays fresh from time 0. */
    expires: duration.optional(),
  })
  .strict();

export const librarySchema = z
  .object({
    id,
    /** A drug library JSON file (relative to the scenario); default: the scenario's library. */
    file: z.string().optional(),
    /** Replace the library's version text (a new version of the same library). */
    version: z.string().min(1).max(40).optional(),
    models: z.array(hwModels).min(1).default(['lvp', 'syringe']),
    tamper: z.enum(['none', 'bad-signature', 'unknown-key']).default('none'),
  })
  .strict();

export const waveSchema = z
  .object({
    name: z.string().min(1).max(40).optional(),
    count: z.number().int().min(1).optional(),
    percent: z.number().min(0).max(100).optional(),
    unit: id.optional(),
    /** Not before this time. */
    at: duration.optional(),
  })
  .strict()
  .superRefine((w, ctx) => {
    const n = [w.count, w.percent, w.unit].filter((x) => x !== undefined).length;
    if (n !== 1) ctx.addIssue({ code: 'custom', path: ['count'], message: 'a wave has exactly one of count:, percent: or unit:' });
  });

export const gatesSchema = z
  .object({
    success: fraction.default(0.9),
    error: fraction.default(0.25),
    onError: z.enum(['pause', 'abort']).default('pause'),
    pumpTimeout: duration.default('2h'),
    soak: duration.default('30m'),
    maxAlarmRatio: z.number().min(1).max(100).default(3),
    maxTelemetryLoss: fraction.default(0.2),
  })
  .strict();

export const rolloutPolicySchema = z
  .object({
    name: z.string().min(1).max(40).optional(),
    waves: z.array(waveSchema).min(1).optional(),
    gates: gatesSchema.optional(),
    window: z.object({ start: duration, end: duration }).strict().optional(),
  })
  .strict();

export const rolloutSchema = z
  .object({
    /** The release to roll out (an id of releases:). */
    release: id,
    targets: z
      .object({
        units: z.array(id).optional(),
        types: z.array(hwModels).optional(),
        versions: z.array(z.string()).optional(),
        segments: z.array(id).optional(),
        /** The targets are the patchable pumps the scenario's `advisory` action matches; the rollout starts then (docs/advisories.md). */
        fromAdvisory: z.boolean().optional(),
      })
      .strict()
      .default({}),
    startAt: duration.default(0),
    /** 'none': no approval step; 'required': waits for a rollout-approve action; a time: approved then. */
    approval: z.union([z.enum(['none', 'required']), duration]).default('none'),
    /** A rollout policy file (waves, gates, window), relative to the scenario; inline fields win. */
    policy: z.string().optional(),
    waves: z.array(waveSchema).min(1).optional(),
    gates: gatesSchema.optional(),
    /** A daily maintenance window (times of day): waves start only inside it. */
    window: z.object({ start: duration, end: duration }).strict().optional(),
  })
  .strict();

export const scenarioSchema = z
  .object({
    name: id,
    description: z.string().default(''),
    seed: z.number().int().min(0).max(0xffffffff),
    duration,
    /** Drug library file, relative to the scenario file; the shipped example by default. */
    library: z.string().optional(),
    site: z
      .object({
        name: z.string().default('Hospital'),
        segments: z.array(z.object({ id, name: z.string().optional() }).strict()).min(1),
        units: z.array(unitSchema).min(1),
        /**
         * Segments as security boundaries (docs/scenarios.md#segments-as-security-boundaries): which
         * segments a host on each one may reach. Absent: every host reaches every pump.
         */
        reach: z.array(z.object({ from: id, to: z.array(id).max(256).default([]) }).strict()).max(256).optional(),
      })
      .strict(),
    link: linkSchema.default({ latency: '20ms', jitter: '5ms', loss: 0, duplicate: 0, reorder: 0 }),
    /** Status telemetry period of every pump. */
    telemetryEvery: duration.default('60s'),
    timeline: z.array(timelineEntrySchema).default([]),
    /** Firmware releases the vendor built (signed with a key derived from the seed). */
    releases: z.array(releaseSchema).optional(),
    /** Drug library packages the vendor built. */
    libraries: z.array(librarySchema).optional(),
    /** A staged rollout of one release (docs/rollout.md). */
    rollout: rolloutSchema.optional(),
    /** The gateway's HL7 interface (docs/hl7.md): off unless given here or by `run --hl7`. */
    hl7: z
      .object({
        decEvery: duration.default('5m'),
        /** PCD-03 (`--hl7-listen`): how long after an order's start is held the unit's nurse confirms it at the pump. */
        confirmAfter: duration.default('10s'),
      })
      .strict()
      .optional(),
    expect: z.array(expectationSchema).default([]),
    /** The asset inventory: owners, locations, the hospital's records, parked pumps, unknown devices (docs/inventory.md). */
    inventory: inventorySchemaOf(duration, target).optional(),
    /** The passive traffic monitor: baseline, rules and thresholds (docs/monitoring.md); off unless given. */
    monitor: monitorSchemaOf(duration).optional(),
    /** Incident response playbooks run on the monitor's alerts (docs/playbooks.md); they need monitor:. */
    playbooks: z.array(playbookSchemaOf(duration)).max(20).optional(),
    /** The run is expected to end in this outcome (a teaching scenario may expect "violation"). */
    outcome: z.enum(['pass', 'violation']).default('pass'),
  })
  .strict();

export type Scenario = z.infer<typeof scenarioSchema>;
export type ScenarioUnit = z.infer<typeof unitSchema>;
export type TimelineEntry = z.infer<typeof timelineEntrySchema>;
export type Expectation = z.infer<typeof expectationSchema>;
export type ReleaseSpecYaml = z.infer<typeof releaseSchema>;
export type RolloutYaml = z.infer<typeof rolloutSchema>;
export type RolloutPolicyYaml = z.infer<typeof rolloutPolicySchema>;
export type MonitorYaml = NonNullable<Scenario['monitor']>;
export type PlaybookYaml = NonNullable<Scenario['playbooks']>[number];
