/**
 * What travels between a pump's comms module and the hospital gateway. The in-process link and
 * the MQTT link carry the same messages.
 */
import type { PumpStatus } from '../../sim/pump/pump.js';
import type { Reply } from '../../sim/protocol/commands.js';
import type { RemoteEnvelope } from '../../sim/security/remoteCommand.js';
import type { PumpEvent } from '../../sim/trace/events.js';

/** Pump → gateway. */
export type UpMessage =
  | { kind: 'event'; pumpId: string; seq: number; event: PumpEvent }
  | { kind: 'status'; pumpId: string; tMs: number; status: PumpStatus; outboxDepth: number }
  | { kind: 'command-ack'; pumpId: string; counter: number; reply: Reply };

/** Gateway (or anyone on the segment) → pump. */
export type DownMessage =
  | { kind: 'event-ack'; pumpId: string; uptoSeq: number }
  | { kind: 'status-ack'; pumpId: string }
  | { kind: 'command'; pumpId: string; envelope: RemoteEnvelope; source: 'gateway' | 'rogue' };

export type Message = UpMessage | DownMessage;
