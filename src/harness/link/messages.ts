/**
 * What travels between a pump's comms module and the hospital gateway. The in-process link and
 * the MQTT link carry the same messages.
 */
import type { PumpStatus } from '../../sim/pump/pump.js';
import type { Reply } from '../../sim/protocol/commands.js';
import type { RemoteEnvelope } from '../../sim/security/remoteCommand.js';
import type { PumpEvent } from '../../sim/trace/events.js';
import type { SignedFirmwareManifest } from '../../sim/firmware/manifest.js';
import type { SignedLibraryPackage } from '../../sim/firmware/libraryPackage.js';

/** Pump → gateway. */
export type UpMessage =
  | { kind: 'event'; pumpId: string; seq: number; event: PumpEvent }
  | { kind: 'status'; pumpId: string; tMs: number; status: PumpStatus; outboxDepth: number }
  | { kind: 'command-ack'; pumpId: string; counter: number; reply: Reply };

/**
 * The gateway's authentication of an acknowledgement: a counter of its own, an expiry and an
 * HMAC-SHA256 over ackText() under the gateway's key for that pump (src/harness/link/signedDown.ts).
 * Without it (or with a bad one, a used counter, past its expiry) a pump ignores the
 * acknowledgement and counts it (PumpAgent.acksRefused): an event acknowledgement lets a pump drop
 * events from its outbox, and any acknowledgement tells it the gateway is there.
 */
export interface AckAuth {
  counter: number;
  issuedMs: number;
  expiresMs: number;
  mac?: string | undefined;
}

/** Gateway (or anyone on the segment) → pump. */
export type DownMessage =
  | { kind: 'event-ack'; pumpId: string; uptoSeq: number; auth?: AckAuth | undefined }
  | { kind: 'status-ack'; pumpId: string; auth?: AckAuth | undefined }
  /**
   * `source` is who sends it on the sending side (the harness's gateway or its rogue client); on
   * the MQTT side it is read back from the payload's `from`, so a receiver must never trust it.
   * `claim` is what a rogue writes in `from` (`gateway` to pass for the gateway); default `source`.
   */
  | { kind: 'command'; pumpId: string; envelope: RemoteEnvelope; source: 'gateway' | 'rogue'; claim?: 'gateway' | 'rogue' | undefined; via?: Via | undefined };

/**
 * Where a command that is not the gateway's comes from, as a network sensor sees it: the client id
 * its connection uses and the segment it sits on (default: the target pump's). A passive monitor
 * (src/harness/monitor) reads it; pumps never do.
 */
export interface Via {
  clientId: string;
  segment?: string | undefined;
}

export type Message = UpMessage | DownMessage;

/**
 * Firmware and drug library updates from the update server (src/harness/rollout). They travel
 * inside a `command` message whose envelope text is `UPDATE <json>` (UPDATE_PREFIX), so every
 * transport carries them unchanged. The envelope is signed by the gateway with its own update
 * counter and an expiry, and the pump's comms module refuses an update message without them (a
 * control operation such as fw-cancel carries no manifest to check); the pump's own checks
 * (manifest signature, hash, policy) then protect the image itself.
 */
export type UpdatePayload =
  | { op: 'fw-offer'; signed: SignedFirmwareManifest }
  | { op: 'fw-chunk'; offsetBytes: number; dataB64: string }
  | { op: 'fw-end' }
  | { op: 'fw-cancel' }
  | { op: 'lib-offer'; signed: SignedLibraryPackage };

export const UPDATE_PREFIX = 'UPDATE ';

/** What the gateway signs for an acknowledgement (never a protocol command: its own prefix). */
export const ACK_PREFIX = 'ACK-';
export function ackText(m: { kind: 'event-ack'; uptoSeq: number } | { kind: 'status-ack' }): string {
  return m.kind === 'event-ack' ? `${ACK_PREFIX}EVENTS upto=${m.uptoSeq}` : STATUS_ACK_TEXT;
}

/** ackText of a status acknowledgement (one string for every one). */
export const STATUS_ACK_TEXT = `${ACK_PREFIX}STATUS`;
