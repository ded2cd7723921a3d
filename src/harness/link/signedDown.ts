/**
 * What a pump's comms module checks on a message from the network before it changes anything:
 * the gateway's Ed25519 signature (src/sim/security/remoteCommand.ts: the same envelope, counter
 * and expiry as a remote command). Used for the run's own verdicts too: a command is the gateway's
 * when the harness knows the gateway sent or signed it, never because its `from` says so.
 */
import { createHmac, timingSafeEqual, verify, type KeyObject } from 'node:crypto';
import { signedText, type RemoteEnvelope, type RemoteVerdict } from '../../sim/security/remoteCommand.js';

/** Does this envelope carry a valid signature of this key? */
export function signedBy(e: RemoteEnvelope, key: KeyObject): boolean {
  if (!e.signature) return false;
  try {
    return verify(null, Buffer.from(signedText(e)), key, Buffer.from(e.signature, 'base64'));
  } catch {
    return false;
  }
}

/**
 * Acknowledgements are authenticated with HMAC-SHA256 under a key of the gateway's for that pump
 * (derived from the gateway's signing key and the pump's id, given to the pump with the gateway's
 * public key), with a counter of their own and an expiry. Not Ed25519: a pump gets one
 * acknowledgement per telemetry message and per event, and a signature and its check for each took
 * about as much CPU as the whole rest of a run (gateway-outage: 2.4 s more on top of 2.7 s).
 */
export function ackKeyFor(gatewayKey: KeyObject, pumpId: string): Buffer {
  const secret = gatewayKey.export({ format: 'der', type: 'pkcs8' });
  return createHmac('sha256', secret).update(`infusim-ack-key/1|${pumpId}`).digest();
}

export interface AckFields {
  counter: number;
  issuedMs: number;
  expiresMs: number;
}

export function ackMac(key: Buffer, pumpId: string, f: AckFields, text: string): string {
  return createHmac('sha256', key).update(`infusim-ack/1|${pumpId}|${f.counter}|${f.issuedMs}|${f.expiresMs}|${text}`).digest('base64');
}

/** The pump side: a MAC of its key, a counter above the last accepted one, before the expiry. */
export class AckGuard {
  private lastCounter = -1;

  constructor(
    private readonly pumpId: string,
    private readonly key: Buffer,
    private readonly acceptAnything: boolean,
  ) {}

  check(text: string, auth: (AckFields & { mac?: string | undefined }) | undefined, nowMs: number): RemoteVerdict {
    if (this.acceptAnything) return 'accepted';
    if (!auth?.mac) return 'unsigned';
    const want = Buffer.from(ackMac(this.key, this.pumpId, auth, text));
    const got = Buffer.from(auth.mac);
    if (want.length !== got.length || !timingSafeEqual(want, got)) return 'bad-signature';
    if (!Number.isInteger(auth.counter) || auth.counter <= this.lastCounter) return 'replay';
    if (nowMs > auth.expiresMs) return 'stale';
    this.lastCounter = auth.counter;
    return 'accepted';
  }
}
