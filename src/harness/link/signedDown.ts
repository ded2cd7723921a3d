/**
 * What a pump's comms module checks on a message from the network before it changes anything:
 * the gateway's Ed25519 signature (src/sim/security/remoteCommand.ts: the same envelope, counter
 * and expiry as a remote command). Used for the run's own verdicts too: a command is the gateway's
 * when the harness knows the gateway sent or signed it, never because its `from` says so.
 */
import { verify, type KeyObject } from 'node:crypto';
import { signedText, type RemoteEnvelope } from '../../sim/security/remoteCommand.js';

/** Does this envelope carry a valid signature of this key? */
export function signedBy(e: RemoteEnvelope, key: KeyObject): boolean {
  if (!e.signature) return false;
  try {
    return verify(null, Buffer.from(signedText(e)), key, Buffer.from(e.signature, 'base64'));
  } catch {
    return false;
  }
}
