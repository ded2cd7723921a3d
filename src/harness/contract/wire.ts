/**
 * The JSON payloads on the topic tree, as zod schemas: validated at both ends. A malformed payload
 * is rejected (decode returns an error), counted and logged by the receiver; it never throws.
 * contracts/*.schema.json are generated from these (scripts in src/harness/contract/jsonSchemas.ts).
 */
import type { PumpEvent } from '../../sim/trace/events.js';
import { z } from 'zod';
import { ALARM_IDS } from '../../sim/alarms/alarmTable.js';
import { ERROR_CODES } from '../../sim/protocol/commands.js';
import { UPDATE_PREFIX, type AckAuth, type DownMessage, type UpMessage } from '../link/messages.js';
import type { Leaf } from './topics.js';

/** Payloads larger than this are refused before parsing (a bound on everything). */
export const MAX_PAYLOAD_BYTES = 16 * 1024;

const num = z.number().finite();
const tMs = z.number().finite().min(0);
const pumpId = z.string().min(1).max(64);
const alarmId = z.enum(ALARM_IDS);
const prio = z.enum(['high', 'medium', 'low']);
const pumpState = z.enum(['IDLE', 'PROGRAMMED', 'RUNNING', 'PAUSED', 'KVO', 'COMPLETE', 'ALARM', 'OFF']);

export const pumpEventSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('ALARM'), tMs, id: alarmId, prio, stops: z.boolean() }),
  z.strictObject({ type: z.literal('ALARM_END'), tMs, id: alarmId }),
  z.strictObject({ type: z.literal('ESCALATE'), tMs, id: alarmId, prio }),
  z.strictObject({ type: z.literal('AUDIO'), tMs, prio: z.enum(['high', 'medium', 'low', 'off']) }),
  z.strictObject({ type: z.literal('REMINDER'), tMs, id: alarmId }),
  z.strictObject({ type: z.literal('MAINS'), tMs, on: z.boolean() }),
  z.strictObject({ type: z.literal('STATE'), tMs, state: pumpState, reason: z.string().max(200) }),
  z.strictObject({ type: z.literal('RATE'), tMs, rateMlPerH: num }),
  z.strictObject({ type: z.literal('BOLUS_END'), tMs, kind: z.enum(['bolus', 'loading', 'demand']), volumeMl: num, cut: z.boolean() }),
  z.strictObject({ type: z.literal('VTBI_DONE'), tMs, viMl: num }),
  z.strictObject({ type: z.literal('OVERRIDE'), tMs, what: z.enum(['dose', 'bolus', 'vtbi', 'demand', 'lockout', 'pcalimit']), value: num, limit: num, side: z.enum(['lower', 'upper']) }),
  z.strictObject({ type: z.literal('NO_LIBRARY'), tMs, rateMlPerH: num }),
  z.strictObject({ type: z.literal('CLEAR_BOLUS'), tMs, volumeMl: num }),
  z.strictObject({ type: z.literal('DENIED'), tMs, reason: z.enum(['LOCKOUT', 'PCA_LIMIT']) }),
  z.strictObject({ type: z.literal('REMOTE_REFUSED'), tMs, verdict: z.string().max(40), counter: num, command: z.string().max(200) }),
  z.strictObject({ type: z.literal('REMOTE_PENDING'), tMs, command: z.string().max(200), confirmByMs: num }),
  z.strictObject({ type: z.literal('REMOTE_CONFIRMED'), tMs, command: z.string().max(200) }),
  z.strictObject({ type: z.literal('REMOTE_DISCARDED'), tMs, command: z.string().max(200), reason: z.enum(['rejected', 'expired', 'replaced']) }),
  // Firmware and library update agents' reports (docs/firmware.md): their own fields, by type.
  z.strictObject({ type: z.literal('UPDATE'), tMs, event: z.looseObject({ type: z.string().max(40), tMs: num }) }),
]);

export const pumpStatusSchema = z.strictObject({
  tMs,
  state: pumpState,
  mode: z.enum(['basic', 'drug', 'pca', '-']),
  drug: z.string().max(80),
  rateMlPerH: num,
  viMl: num,
  vtbiMl: num,
  alarm: z.union([alarmId, z.literal('-')]),
  prio: z.string().max(10),
  batteryPercent: num,
  onMains: z.boolean(),
});

const replySchema = z.union([
  z.strictObject({ ok: z.literal(true), fields: z.record(z.string(), z.union([z.string(), num])) }),
  z.strictObject({ ok: z.literal(false), code: z.enum(ERROR_CODES), reason: z.string().max(200) }),
]);

export const envelopeSchema = z.strictObject({
  pumpId,
  counter: z.number().int().min(0),
  issuedMs: num,
  expiresMs: num,
  // A protocol command line, or a firmware/library update (`UPDATE <json>`, up to an 8 KiB image
  // chunk in base64) that the rollout's update server sends inside the same signed message.
  command: z.union([z.string().min(1).max(200), z.string().startsWith(UPDATE_PREFIX).max(MAX_PAYLOAD_BYTES)]),
  signature: z.string().max(200).optional(),
});

const v = z.literal(1);

/** `.../<pump>/status`, retained; the last will says offline. */
export const statusPayload = z.strictObject({ v, pumpId, online: z.boolean() });
/** `.../<pump>/telemetry`: periodic status, doubles as heartbeat. QoS 0, coalesced while offline. */
export const telemetryPayload = z.strictObject({ v, pumpId, tMs, status: pumpStatusSchema, outboxDepth: z.number().int().min(0) });
/** `.../<pump>/events`: one pump event with its outbox sequence number. QoS 1. */
export const eventPayload = z.strictObject({ v, pumpId, seq: z.number().int().min(1), event: pumpEventSchema });
/** `.../<pump>/cmd-ack`: the pump's reply to a gateway command. QoS 1. */
export const commandAckPayload = z.strictObject({ v, pumpId, counter: z.number().int().min(0), reply: replySchema });
/** `.../<pump>/cmd`: a signed remote command (expiry inside the envelope: MQTT 3.1.1 has no message expiry). QoS 1. */
export const commandPayload = z.strictObject({ v, pumpId, envelope: envelopeSchema, from: z.enum(['gateway', 'rogue']) });
/** `.../<pump>/acks`: the gateway acknowledges events (cumulative) and telemetry. QoS 1. */
// The gateway's MAC, counter and expiry (docs/mqtt.md, "Payloads"): optional in the schema, so that an
// unsigned acknowledgement is read and then refused and counted by the pump, not lost as malformed.
const ackAuth = { counter: z.number().int().min(0).optional(), issuedMs: num.optional(), expiresMs: num.optional(), mac: z.string().max(100).optional() };
export const acksPayload = z.discriminatedUnion('kind', [
  z.strictObject({ v, pumpId, kind: z.literal('event-ack'), uptoSeq: z.number().int().min(0), ...ackAuth }),
  z.strictObject({ v, pumpId, kind: z.literal('status-ack'), ...ackAuth }),
]);

export const PAYLOADS = {
  status: statusPayload,
  telemetry: telemetryPayload,
  events: eventPayload,
  'cmd-ack': commandAckPayload,
  cmd: commandPayload,
  acks: acksPayload,
} as const satisfies Record<Leaf, z.ZodType>;

/** The leaf an up message travels on, and its payload. */
export function encodeUp(m: UpMessage): { leaf: Leaf; payload: string } {
  switch (m.kind) {
    case 'event':
      return { leaf: 'events', payload: JSON.stringify({ v: 1, pumpId: m.pumpId, seq: m.seq, event: m.event }) };
    case 'status':
      return { leaf: 'telemetry', payload: JSON.stringify({ v: 1, pumpId: m.pumpId, tMs: m.tMs, status: m.status, outboxDepth: m.outboxDepth }) };
    case 'command-ack':
      return { leaf: 'cmd-ack', payload: JSON.stringify({ v: 1, pumpId: m.pumpId, counter: m.counter, reply: m.reply }) };
  }
}

export function encodeDown(m: DownMessage): { leaf: Leaf; payload: string } {
  switch (m.kind) {
    case 'command':
      return { leaf: 'cmd', payload: JSON.stringify({ v: 1, pumpId: m.pumpId, envelope: m.envelope, from: m.claim ?? m.source }) };
    case 'event-ack':
      return { leaf: 'acks', payload: JSON.stringify({ v: 1, pumpId: m.pumpId, kind: 'event-ack', uptoSeq: m.uptoSeq, ...ackFields(m.auth) }) };
    case 'status-ack':
      return { leaf: 'acks', payload: JSON.stringify({ v: 1, pumpId: m.pumpId, kind: 'status-ack', ...ackFields(m.auth) }) };
  }
}

/** An acknowledgement's authentication as plain fields (the gateway's IssuedAck computes its MAC when read). */
function ackFields(a: AckAuth | undefined): Partial<AckAuth> {
  return a ? { counter: a.counter, issuedMs: a.issuedMs, expiresMs: a.expiresMs, mac: a.mac } : {};
}

export type Decoded<T> = { ok: true; value: T } | { ok: false; error: string };

function parse<T>(schema: z.ZodType<T>, payload: Buffer | string, topicPumpId: string): Decoded<T> {
  const size = typeof payload === 'string' ? Buffer.byteLength(payload) : payload.length;
  if (size > MAX_PAYLOAD_BYTES) return { ok: false, error: `payload of ${size} bytes is over ${MAX_PAYLOAD_BYTES}` };
  let json: unknown;
  try {
    json = JSON.parse(payload.toString());
  } catch {
    return { ok: false, error: 'not JSON' };
  }
  const r = schema.safeParse(json);
  if (!r.success) {
    const i = r.error.issues[0];
    return { ok: false, error: i ? `${i.path.join('.') || '(root)'}: ${i.message}` : 'invalid' };
  }
  const value = r.data as T & { pumpId?: string };
  // The pump id in a payload must be the one in its topic (which the broker's ACL ties to the sender).
  if (value.pumpId !== topicPumpId) return { ok: false, error: `pumpId "${String(value.pumpId)}" is not the topic's "${topicPumpId}"` };
  return { ok: true, value };
}

/** Decode a pump → gateway payload into an UpMessage. */
export function decodeUp(leaf: Leaf, payload: Buffer | string, topicPumpId: string): Decoded<UpMessage> {
  switch (leaf) {
    case 'events': {
      const r = parse(eventPayload, payload, topicPumpId);
      // The schema checks every event's shape; an UPDATE's inner report is checked by type and time only.
      return r.ok ? { ok: true, value: { kind: 'event', pumpId: r.value.pumpId, seq: r.value.seq, event: r.value.event as PumpEvent } } : r;
    }
    case 'telemetry': {
      const r = parse(telemetryPayload, payload, topicPumpId);
      return r.ok ? { ok: true, value: { kind: 'status', pumpId: r.value.pumpId, tMs: r.value.tMs, status: r.value.status, outboxDepth: r.value.outboxDepth } } : r;
    }
    case 'cmd-ack': {
      const r = parse(commandAckPayload, payload, topicPumpId);
      return r.ok ? { ok: true, value: { kind: 'command-ack', pumpId: r.value.pumpId, counter: r.value.counter, reply: r.value.reply } } : r;
    }
    default:
      return { ok: false, error: `"${leaf}" is not a pump → gateway message` };
  }
}

/** Decode a gateway → pump payload into a DownMessage. */
export function decodeDown(leaf: Leaf, payload: Buffer | string, topicPumpId: string): Decoded<DownMessage> {
  switch (leaf) {
    case 'cmd': {
      const r = parse(commandPayload, payload, topicPumpId);
      return r.ok ? { ok: true, value: { kind: 'command', pumpId: r.value.pumpId, envelope: r.value.envelope, source: r.value.from } } : r;
    }
    case 'acks': {
      const r = parse(acksPayload, payload, topicPumpId);
      if (!r.ok) return r;
      const a = r.value;
      const auth: AckAuth | undefined = a.counter !== undefined && a.issuedMs !== undefined && a.expiresMs !== undefined ? { counter: a.counter, issuedMs: a.issuedMs, expiresMs: a.expiresMs, mac: a.mac } : undefined;
      return { ok: true, value: a.kind === 'event-ack' ? { kind: 'event-ack', pumpId: a.pumpId, uptoSeq: a.uptoSeq, auth } : { kind: 'status-ack', pumpId: a.pumpId, auth } };
    }
    default:
      return { ok: false, error: `"${leaf}" is not a gateway → pump message` };
  }
}
