/**
 * The scenario's `playbooks:` section (docs/playbooks.md): incident response playbooks that run on
 * the traffic monitor's alerts. A playbook has a trigger (alert kinds and a least severity) and
 * steps, one after the other, each by a role, with an action the harness carries out, how long
 * the people take, and optionally an approval by another role with its own delay.
 *
 * The actions are a table here (PLAYBOOK_ACTIONS): what each one's `target` names, whether it
 * contains an incident (time to contain is the last containing step's end), and what it does in
 * words. src/harness/playbook carries them out through the machinery that already exists.
 */
import { z } from 'zod';
import { DETECTOR_KINDS, SEVERITIES } from './monitorSchema.js';

/** What a step's `target` names, by action. */
export type PlaybookTargetKind =
  /** A segment id of site.segments. */
  | 'segment'
  /** One pump id. */
  | 'pump'
  /** A scenario target (a pump, unit:<id>, segment:<id>, all ...). */
  | 'pumps'
  /** A client id as the monitor sees it (a rogue's, a scanner's). */
  | 'client'
  /** No target. */
  | 'none';

export interface PlaybookActionSpec {
  target: PlaybookTargetKind;
  /** The action stops an attacker reaching pumps (it counts for the time to contain). */
  contains: boolean;
  /** What it does, for the docs and the report. */
  what: string;
}

/** Every action a playbook step may take (docs/playbooks.md, Actions). */
export const PLAYBOOK_ACTIONS = {
  'isolate-segment': { target: 'segment', contains: true, what: "every pump of the segment reaches the gateway only (the advisory's segment-isolated control)" },
  'revoke-credential': { target: 'pump', contains: true, what: "the pump's broker credential is revoked and reissued: its client id used from anywhere else is refused" },
  standalone: { target: 'pumps', contains: true, what: 'the pumps go on without the network (their links cut; infusions go on, events wait in the outbox)' },
  'narrow-acl': { target: 'pumps', contains: true, what: "the pumps take commands from the gateway only (the advisory's acl-narrowed control)" },
  'block-client': { target: 'client', contains: true, what: 'the client id is refused by the broker: nothing it sends reaches a pump' },
  'start-rollout': { target: 'pumps', contains: false, what: "the scenario's rollout starts over the pumps (rollout targets fromAdvisory: true)" },
  'notify-vendor': { target: 'none', contains: false, what: 'the vendor is told (a trace line; nothing changes on the network)' },
} as const satisfies Record<string, PlaybookActionSpec>;

export type PlaybookAction = keyof typeof PLAYBOOK_ACTIONS;
export const PLAYBOOK_ACTION_NAMES = Object.keys(PLAYBOOK_ACTIONS) as [PlaybookAction, ...PlaybookAction[]];

/** Who does a step or approves it. */
export const PLAYBOOK_ROLES = ['clinical-engineering', 'it-security', 'nursing', 'vendor'] as const;
export type PlaybookRole = (typeof PLAYBOOK_ROLES)[number];

const id = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,31}$/, 'an id is 1 to 32 characters of a-z 0-9 _ -');

/** `duration` is the scenario schema's (passed in so this file does not import schema.ts). */
export function playbookSchemaOf(duration: z.ZodType<string | number>) {
  const step = z
    .object({
      role: z.enum(PLAYBOOK_ROLES),
      action: z.enum(PLAYBOOK_ACTION_NAMES),
      /** What the action acts on (PLAYBOOK_ACTIONS says what it names). */
      target: z.string().min(1).max(64).optional(),
      /** How long the people take to carry it out, from the step's start (or its approval). */
      takes: duration.default(0),
      /** The step waits for this role's approval, which comes this long after the step starts. */
      approval: z.object({ role: z.enum(PLAYBOOK_ROLES), delay: duration }).strict().optional(),
      note: z.string().max(200).optional(),
    })
    .strict();
  return z
    .object({
      id,
      title: z.string().max(120).optional(),
      trigger: z
        .object({
          /** Alert kinds that start the playbook. */
          alerts: z.array(z.enum(DETECTOR_KINDS)).min(1),
          /** The least severity of such an alert (default low: any). */
          severity: z.enum(SEVERITIES).default('low'),
        })
        .strict(),
      steps: z.array(step).min(1).max(50),
    })
    .strict();
}
