/**
 * Fault injection: each fault has a start, an optional end and targets. Starting a fault returns
 * the function that ends it. Pump faults go to the pump as sensor inputs (the same INJECT a bench
 * would send); network faults change the in-process network; a rogue client sends commands on a
 * segment. docs/clinical.md#outage-rehearsal.
 */
import type { AlarmId } from '../../sim/alarms/alarmTable.js';
import type { PumpCommand, SensorInput } from '../../sim/protocol/commands.js';
import { formatCommand, parseRequest } from '../../sim/protocol/lineCodec.js';
import type { RemoteEnvelope } from '../../sim/security/remoteCommand.js';
import type { Gateway } from '../gateway/gateway.js';
import type { PumpAgent } from '../link/pumpAgent.js';
import type { Network } from '../link/network.js';
import type { FleetPump } from '../scenario/fleet.js';
import { booleanArg, faultSpec, numberArg, textArg, type FaultName } from '../scenario/timelineTable.js';
import type { SafetyMonitor } from '../safety/monitor.js';
import type { World } from '../world/world.js';
import { ATTACK_SENDERS } from './attacks.js';
import type { BlastRecorder } from './blastRadius.js';

export interface FaultContext {
  world: World;
  network: Network;
  gateway: Gateway;
  agents: Map<string, PumpAgent>;
  monitor: SafetyMonitor;
  /** Record a network state change in the trace. */
  net: (what: 'link-down' | 'link-up' | 'gateway-down' | 'gateway-up', target: string) => void;
  /** Each attack's blast radius (blastRadius.ts); attacks tell it what they send. */
  blast?: BlastRecorder | undefined;
}

export type Args = Readonly<Record<string, string | number | boolean>>;

/** A numeric arg of a fault: given, or its default in the timeline table. */
function num(fault: FaultName, args: Args, key: string): number {
  return numberArg(faultSpec(fault).args, args, key);
}

function inject(ctx: FaultContext, pumpId: string, input: SensorInput): void {
  ctx.world.command(pumpId, { cmd: 'INJECT', input }, 'scenario');
}

/** Sensor faults: the alarm must follow within its bound (checked at the deadline). */
function watchAlarm(ctx: FaultContext, pumpId: string, alarm: AlarmId, boundMs: (pumpId: string) => number, stillCaused: (pumpId: string) => boolean): void {
  const due = boundMs(pumpId);
  if (!Number.isFinite(due)) return;
  const deadline = ctx.world.nowMs + Math.ceil(due) + 1000;
  ctx.monitor.expectAlarm(pumpId, alarm, deadline);
  ctx.world.at(deadline, () => {
    const pump = ctx.world.pump(pumpId).pump;
    ctx.monitor.checkDue(pumpId, alarm, ctx.world.nowMs, stillCaused(pumpId) && pump.state !== 'OFF');
  });
}

/** An alarm that must already be active right after its cause was injected (powered pumps only). */
function immediate(ctx: FaultContext, pumpId: string, alarm: AlarmId): void {
  const pump = ctx.world.pump(pumpId).pump;
  if (pump.state === 'OFF') return;
  ctx.monitor.expectAlarm(pumpId, alarm, ctx.world.nowMs);
  ctx.monitor.checkDue(pumpId, alarm, ctx.world.nowMs, !pump.activeAlarms.some((a) => a.id === alarm));
}

export function startFault(ctx: FaultContext, fault: string, target: string, pumps: readonly FleetPump[], args: Args): () => void {
  ctx.blast?.open(fault, target, pumps.map((p) => p.id), args, ctx.world.nowMs);
  try {
    return startFaultNow(ctx, fault, target, pumps, args);
  } finally {
    ctx.blast?.close();
  }
}

function startFaultNow(ctx: FaultContext, fault: string, target: string, pumps: readonly FleetPump[], args: Args): () => void {
  const ids = pumps.map((p) => p.id);
  const pumpOf = (id: string) => ctx.world.pump(id).pump;
  switch (fault) {
    case 'occlusion': {
      const side = textArg(faultSpec('occlusion').args, args, 'side') === 'up' ? 'up' : 'down';
      const alarm: AlarmId = side === 'up' ? 'OCCLUSION_UP' : 'OCCLUSION_DOWN';
      for (const id of ids) {
        inject(ctx, id, { sensor: 'occlusion', value: side });
        // While flowing at a steady rate, the alarm comes within the compliance model's time.
        const rateAtStart = pumpOf(id).currentRateMlPerH();
        watchAlarm(ctx, id, alarm, (p) => pumpOf(p).occlusionAlarmDueInMs(), (p) => pumpOf(p).currentRateMlPerH() === rateAtStart && rateAtStart > 0 && !pumpOf(p).activeAlarms.some((a) => a.id === alarm));
      }
      return () => ids.forEach((id) => inject(ctx, id, { sensor: 'occlusion', value: 'clear' }));
    }
    case 'air':
      for (const id of ids) {
        const bubbleMl = num('air', args, 'bubble');
        const seenBefore = pumpOf(id).activeAlarms.some((a) => a.id === 'AIR_IN_LINE');
        inject(ctx, id, { sensor: 'air', bubbleMl });
        // A single bubble at or above the detector's threshold alarms at once.
        if (!seenBefore && bubbleMl >= pumpOf(id).type.air.singleBubbleAlarmMl) immediate(ctx, id, 'AIR_IN_LINE');
      }
      return () => undefined;
    case 'door-open':
      for (const id of ids) {
        inject(ctx, id, { sensor: 'door', value: 'open' });
        immediate(ctx, id, 'DOOR_OPEN');
      }
      return () => ids.forEach((id) => inject(ctx, id, { sensor: 'door', value: 'closed' }));
    case 'container-empty':
      for (const id of ids) {
        inject(ctx, id, { sensor: 'container', value: 'empty' });
        immediate(ctx, id, 'CONTAINER_EMPTY');
      }
      return () => ids.forEach((id) => inject(ctx, id, { sensor: 'container', value: 'ok' }));
    case 'mains-loss':
      for (const id of ids) inject(ctx, id, { sensor: 'mains', value: 'off' });
      return () => ids.forEach((id) => inject(ctx, id, { sensor: 'mains', value: 'on' }));
    case 'battery-drain':
      for (const id of ids) {
        inject(ctx, id, { sensor: 'mains', value: 'off' });
        inject(ctx, id, { sensor: 'battery', percent: num('battery-drain', args, 'percent') });
      }
      return () => ids.forEach((id) => inject(ctx, id, { sensor: 'mains', value: 'on' }));
    case 'power-loss':
      for (const id of ids) inject(ctx, id, { sensor: 'power', value: 'off' });
      return () => ids.forEach((id) => inject(ctx, id, { sensor: 'power', value: 'on' }));
    case 'self-test-failure':
      for (const id of ids) {
        inject(ctx, id, { sensor: 'selftest', value: 'fail' });
        immediate(ctx, id, 'SELF_TEST_FAIL');
      }
      return () => ids.forEach((id) => inject(ctx, id, { sensor: 'selftest', value: 'pass' }));
    case 'partition':
    case 'gateway-outage': {
      if (fault === 'gateway-outage' || target === 'gateway') {
        ctx.network.setGatewayDown(true);
        ctx.net('gateway-down', 'gateway');
        return () => {
          ctx.network.setGatewayDown(false);
          ctx.net('gateway-up', 'gateway');
        };
      }
      if (target.startsWith('segment:')) {
        const seg = target.slice('segment:'.length);
        ctx.network.partitionSegment(seg, true);
        ctx.net('link-down', target);
        return () => {
          ctx.network.partitionSegment(seg, false);
          ctx.net('link-up', target);
        };
      }
      for (const id of ids) ctx.network.partitionPump(id, true);
      ctx.net('link-down', target);
      return () => {
        for (const id of ids) ctx.network.partitionPump(id, false);
        ctx.net('link-up', target);
      };
    }
    case 'latency':
    case 'loss':
    case 'duplicate':
    case 'reorder': {
      const patch =
        fault === 'latency'
          ? { latencyMs: num('latency', args, 'ms'), jitterMs: num('latency', args, 'jitter') }
          : fault === 'loss'
            ? { lossRate: num('loss', args, 'rate'), burstLoss: booleanArg(faultSpec('loss').args, args, 'burst') }
            : fault === 'duplicate'
              ? { duplicateRate: num('duplicate', args, 'rate') }
              : { reorderRate: num('reorder', args, 'rate') };
      const undo = ids.map((id) => ctx.network.setConditions(id, patch));
      return () => undo.reverse().forEach((u) => u());
    }
    case 'clock-skew':
      for (const id of ids) {
        const a = ctx.agents.get(id);
        if (a) a.clockOffsetMs = num('clock-skew', args, 'ms');
      }
      return () => ids.forEach((id) => {
        const a = ctx.agents.get(id);
        if (a) a.clockOffsetMs = 0;
      });
    case 'rogue-client':
      rogueSend(ctx, ids, args);
      return () => undefined;
    case 'reconnect-storm':
      reconnectStorm(ctx, target, ids, args);
      return () => undefined;
    case 'stolen-credential':
    case 'compromised-gateway':
    case 'segment-scan':
    case 'broker-flood':
    case 'malicious-firmware':
      ATTACK_SENDERS[fault]?.(ctx, ids, args);
      return () => undefined;
    // The HL7 engine's faults act on the run's HL7 link (hl7/runLink.ts, given to the ward by the
    // runner); a ward without one (infusim fleet, a training session) has no engine to act on.
    case 'hl7-engine-down':
    case 'hl7-nack':
    case 'hl7-slow-ack':
      return () => undefined;
    default:
      throw new RangeError(`unknown fault "${fault}"`);
  }
}

/**
 * A reconnect storm: every targeted pump's connection drops at the same instant and the pumps
 * reconnect together, each after its own reconnect delay (`backoff` ms plus a seeded draw in
 * [0, `jitter`) ms; over MQTT the clients reconnect at once). Outboxes keep the events meanwhile.
 */
/** What a repeating fault does again at each `every:` (rogue clients, attacks, reconnect storms). */
export function repeatOf(ctx: FaultContext, fault: FaultName, target: string, pumpIds: readonly string[], args: Args): () => void {
  const attack = ATTACK_SENDERS[fault];
  const send = attack ? () => attack(ctx, pumpIds, args) : fault === 'rogue-client' ? () => rogueSend(ctx, pumpIds, args) : () => reconnectStorm(ctx, target, pumpIds, args);
  return () => {
    ctx.blast?.resume(fault, target);
    try {
      send();
    } finally {
      ctx.blast?.close();
    }
  };
}

export function reconnectStorm(ctx: FaultContext, target: string, pumpIds: readonly string[], args: Args): void {
  if (pumpIds.length === 0) return;
  const backMs = ctx.network.reconnectStorm(pumpIds, { backoffMs: num('reconnect-storm', args, 'backoff'), jitterMs: num('reconnect-storm', args, 'jitter') });
  ctx.net('link-down', target);
  ctx.world.at(backMs, () => ctx.net('link-up', target));
}

/**
 * A client on the pump segment that is not the gateway: unsigned commands by default, a forged
 * signature with `forge: true`, or a replay of the gateway's last command with `replay: true`;
 * `claim: gateway` writes `from: gateway` in what it sends.
 */
export function rogueSend(ctx: FaultContext, pumpIds: readonly string[], args: Args): void {
  const rogue = faultSpec('rogue-client').args;
  const text = textArg(rogue, args, 'command');
  const parsed = parseRequest(`r ${text}`);
  const canonical = 'command' in parsed ? formatCommand(parsed.command as PumpCommand) : text;
  for (const id of pumpIds) {
    let envelope: RemoteEnvelope;
    const captured = ctx.gateway.lastEnvelope(id);
    if (booleanArg(rogue, args, 'replay') && captured) {
      envelope = { ...captured };
    } else {
      const now = ctx.world.nowMs;
      envelope = { pumpId: id, counter: 1_000_000 + now, issuedMs: now, expiresMs: now + 60_000, command: canonical };
      if (booleanArg(rogue, args, 'forge')) envelope.signature = Buffer.alloc(64, 7).toString('base64');
    }
    // `claim: gateway`: the rogue writes `from: gateway` (what it says, never what the run believes).
    const claim = textArg(rogue, args, 'claim') === 'gateway' ? 'gateway' : undefined;
    const client = args.client;
    const from = args.from;
    const via = typeof client === 'string' || typeof from === 'string' ? { via: { clientId: typeof client === 'string' ? client : 'rogue', ...(typeof from === 'string' ? { segment: from } : {}) } } : {};
    ctx.blast?.sent(id, envelope.counter);
    ctx.network.sendDown({ kind: 'command', pumpId: id, envelope, source: 'rogue', ...(claim ? { claim } : {}), ...via });
  }
}
