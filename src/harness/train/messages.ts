/**
 * What the browser may send, as zod schemas. Anything else is refused with a clear message and
 * changes nothing. A front panel's key press carries a protocol line (docs/protocol.md) that the
 * server parses with the protocol's own parser, exactly like a line from a serial port.
 */
import { z } from 'zod';
import { FAULT_NAMES } from '../scenario/schema.js';
import { PLAYBOOK_ACTION_NAMES } from '../scenario/playbookSchema.js';
import { MAX_SPEED, MIN_SPEED } from './clock.js';

const pumpId = z.string().regex(/^[A-Za-z0-9._-]{1,40}$/, 'a pump id is 1 to 40 characters of A-Z a-z 0-9 . _ -');
const ref = z.string().regex(/^[A-Za-z0-9_-]{1,16}$/).optional();
const key = z.string().max(64);

export const instructorAction = z.discriminatedUnion('do', [
  z.object({ do: z.literal('pause') }).strict(),
  z.object({ do: z.literal('resume') }).strict(),
  z.object({ do: z.literal('speed'), speed: z.number().min(MIN_SPEED).max(MAX_SPEED) }).strict(),
  z
    .object({
      do: z.literal('fault'),
      fault: z.enum(FAULT_NAMES),
      target: z.string().regex(/^(all|site|gateway|(pump|unit|segment|type|firmware):[A-Za-z0-9._-]+|[a-z0-9][a-z0-9_-]{0,31})$/, 'a target is a pump id, unit:<id>, segment:<id>, all or gateway'),
      args: z.record(z.string().max(20), z.union([z.string().max(60), z.number(), z.boolean()])).default({}),
      /** The fault ends after this many virtual seconds; none: it lasts until the end. */
      forS: z.number().int().min(1).max(86_400).optional(),
    })
    .strict(),
  z.object({ do: z.literal('end') }).strict(),
]);

export const clientMessage = z.discriminatedUnion('type', [
  z.object({ type: z.literal('hello'), ref, role: z.enum(['station', 'pump', 'instructor', 'debrief']), pumpId: pumpId.optional(), key: key.optional() }).strict(),
  /** A key press on a pump's front panel: one protocol command line without its id. */
  z.object({ type: z.literal('command'), ref, pumpId, line: z.string().min(1).max(120) }).strict(),
  z.object({ type: z.literal('report'), ref, pumpId, concern: z.enum(['unknown-source', 'firmware-prompt', 'order-query']) }).strict(),
  z.object({ type: z.literal('prompt'), ref, pumpId, objective: z.string().max(32), answer: z.enum(['install', 'decline']) }).strict(),
  /** An incident response action the trainee chooses for a playbook left to them (docs/playbooks.md, Training). */
  z.object({ type: z.literal('incident'), ref, playbook: z.string().max(32), action: z.enum(PLAYBOOK_ACTION_NAMES), target: z.string().min(1).max(64).optional() }).strict(),
  /** The central station's audio pause (120 s). */
  z.object({ type: z.literal('station-silence'), ref }).strict(),
  z.object({ type: z.literal('instructor'), ref, key, action: instructorAction }).strict(),
]);

export type ClientMessage = z.infer<typeof clientMessage>;
export type InstructorAction = z.infer<typeof instructorAction>;

/** The answer to every client message. */
export interface ServerReply {
  type: 'reply';
  ref?: string | undefined;
  ok: boolean;
  /** What happened, in words for the screen: the pump's reply or why it was refused. */
  message: string;
  /** The pump's error code (HARD_LIMIT, SOFT_LIMIT, ...) or the server's (BAD_MESSAGE, FORBIDDEN, ...). */
  code?: string | undefined;
  /** The protocol line that went to the pump, when one did. */
  line?: string | undefined;
  /** The pump's reply fields on OK. */
  fields?: Record<string, string | number> | undefined;
  /** `line` in plain words for the screen (plainWords.ts), when it is a front-panel key. */
  words?: string | undefined;
}

/** Summarise a zod error in one line for the browser. */
export function zodMessage(e: z.ZodError): string {
  return e.issues
    .slice(0, 3)
    .map((i) => `${i.path.length ? `${i.path.join('.')}: ` : ''}${i.message}`)
    .join('; ');
}
