/**
 * Attacks the harness injects beside the rogue client (docs/monitoring.md, Attacks): a stolen pump
 * credential used from another segment, a compromised gateway sending signed but abnormal commands,
 * and a scan across segments. Each sends what such an attacker would send, on the network, and
 * nothing else: the pumps judge it as they judge any command, and the traffic monitor sees it as a
 * network sensor would (the client id and segment it comes from: Via).
 */
import type { PumpCommand } from '../../sim/protocol/commands.js';
import { formatCommand, parseRequest } from '../../sim/protocol/lineCodec.js';
import { faultSpec, numberArg, textArg, type FaultName } from '../scenario/timelineTable.js';
import type { Args, FaultContext } from './faults.js';
import { maliciousFirmwareSend } from './firmwareAttack.js';

/** A command line in its canonical form (the text a client would send). */
function canonical(text: string): string {
  const parsed = parseRequest(`r ${text}`);
  return 'command' in parsed ? formatCommand(parsed.command as PumpCommand) : text;
}

/** A text arg with no default in the table: given, else `fallback`. */
function textOr(args: Args, key: string, fallback: string): string {
  const v = args[key];
  return typeof v === 'string' && v !== '' ? v : fallback;
}

/**
 * stolen-credential: someone connects with a pump's client id (its broker credential: `credential`,
 * default the first targeted pump) from segment `from` (default the pump's own) and sends `command`
 * to every targeted pump. It has no gateway signing key: its commands go unsigned.
 */
export function stolenCredentialSend(ctx: FaultContext, pumpIds: readonly string[], args: Args): void {
  const first = pumpIds[0];
  if (first === undefined) return;
  const clientId = textOr(args, 'credential', first);
  const segment = textOr(args, 'from', ctx.network.segmentOf(first));
  const text = canonical(textArg(faultSpec('stolen-credential').args, args, 'command'));
  for (const id of pumpIds) {
    const now = ctx.world.nowMs;
    ctx.blast?.sent(id, 2_000_000 + now);
    ctx.network.sendDown({ kind: 'command', pumpId: id, envelope: { pumpId: id, counter: 2_000_000 + now, issuedMs: now, expiresMs: now + 60_000, command: text }, source: 'rogue', via: { clientId, segment } });
  }
}

/**
 * compromised-gateway: the gateway itself (its signing key in an attacker's hands) sends `count`
 * signed commands `command` to each targeted pump: pumps take them as the gateway's; a command that
 * raises delivery still waits for a person at the pump (docs/protocol.md, signal of intent).
 */
export function compromisedGatewaySend(ctx: FaultContext, pumpIds: readonly string[], args: Args): void {
  const spec = faultSpec('compromised-gateway').args;
  const text = canonical(textArg(spec, args, 'command'));
  const count = Math.max(1, Math.floor(numberArg(spec, args, 'count')));
  for (const id of pumpIds) {
    for (let i = 0; i < count; i++) {
      const envelope = ctx.gateway.sendCommand(id, text);
      ctx.blast?.sent(id, envelope.counter);
    }
  }
}

/**
 * segment-scan: a client (`client`, default "scanner") on segment `from` (default the first
 * targeted pump's) sends an unsigned PING to every targeted pump, whatever its segment.
 */
export function segmentScanSend(ctx: FaultContext, pumpIds: readonly string[], args: Args): void {
  const first = pumpIds[0];
  if (first === undefined) return;
  const clientId = textOr(args, 'client', 'scanner');
  const segment = textOr(args, 'from', ctx.network.segmentOf(first));
  for (const id of pumpIds) {
    const now = ctx.world.nowMs;
    ctx.blast?.sent(id, 3_000_000 + now);
    ctx.network.sendDown({ kind: 'command', pumpId: id, envelope: { pumpId: id, counter: 3_000_000 + now, issuedMs: now, expiresMs: now + 60_000, command: 'PING' }, source: 'rogue', via: { clientId, segment } });
  }
}

/**
 * broker-flood: a client (`client`, default "flooder") on segment `from` (default the first
 * targeted pump's) publishes `count` unsigned commands (`command`, default PING) at once, spread
 * over the targeted pumps in turn, and over `connections` clients (`<client>-1`...) in turn. Where a boundary or the broker does not stop them, each pump
 * refuses what reaches it; the run counts what was sent, refused and dropped (Blast radius).
 */
export function brokerFloodSend(ctx: FaultContext, pumpIds: readonly string[], args: Args): void {
  const first = pumpIds[0];
  if (first === undefined) return;
  const spec = faultSpec('broker-flood').args;
  const clientId = textOr(args, 'client', 'flooder');
  const segment = textOr(args, 'from', ctx.network.segmentOf(first));
  const text = canonical(textArg(spec, args, 'command'));
  const count = Math.max(1, Math.floor(numberArg(spec, args, 'count')));
  const connections = Math.max(1, Math.floor(numberArg(spec, args, 'connections')));
  const now = ctx.world.nowMs;
  for (let i = 0; i < count; i++) {
    const id = pumpIds[i % pumpIds.length] as string;
    // Spread over `connections` clients in turn: `<client>-1` ... `<client>-n` (one client keeps its name).
    const sender = connections === 1 ? clientId : `${clientId}-${(i % connections) + 1}`;
    // A counter of its own per message (now x 10^4 + i stays exact below 2^53 for any run length the schema allows).
    const counter = now * 10_000 + i;
    ctx.blast?.sent(id, counter);
    ctx.network.sendDown({ kind: 'command', pumpId: id, envelope: { pumpId: id, counter, issuedMs: now, expiresMs: now + 60_000, command: text }, source: 'rogue', via: { clientId: sender, segment } });
  }
}

/** The attacks of this file by fault name (each instant, repeated by `every:`). */
export const ATTACK_SENDERS: Partial<Record<FaultName, (ctx: FaultContext, pumpIds: readonly string[], args: Args) => void>> = {
  'stolen-credential': stolenCredentialSend,
  'compromised-gateway': compromisedGatewaySend,
  'segment-scan': segmentScanSend,
  'broker-flood': brokerFloodSend,
  'malicious-firmware': maliciousFirmwareSend,
};
