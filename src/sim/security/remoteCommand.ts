/**
 * Commands that reach a pump from the network are authenticated end to end: signed with the
 * gateway's Ed25519 key, carrying a counter against replay and an expiry, and checked by the
 * pump before anything runs. FDA premarket cybersecurity guidance (2023): authenticated commands,
 * anti-replay, deny by default. CISA advisories show what happens without (e.g. CVE-2020-12040,
 * CVE-2021-33883: cleartext, unauthenticated pump protocols).
 */
import { createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';

export interface RemoteEnvelope {
  /** The pump the command is for. */
  pumpId: string;
  /** Strictly increasing per pump; a counter not above the last accepted one is a replay. */
  counter: number;
  /** Gateway time the command was issued, and the instant after which it is stale (ms). */
  issuedMs: number;
  expiresMs: number;
  /** The command in its canonical text form (formatCommand). */
  command: string;
  /** Ed25519 signature (base64) over signedText(); absent for an unsigned command. */
  signature?: string | undefined;
}

export type RemoteVerdict = 'accepted' | 'unsigned' | 'bad-signature' | 'replay' | 'stale' | 'wrong-pump';

export function signedText(e: Pick<RemoteEnvelope, 'pumpId' | 'counter' | 'issuedMs' | 'expiresMs' | 'command'>): string {
  return `infusim-cmd/1|${e.pumpId}|${e.counter}|${e.issuedMs}|${e.expiresMs}|${e.command}`;
}

/** PKCS#8 DER prefix of an Ed25519 private key; the 32-byte seed follows (RFC 8410). */
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/** A key pair from a 32-byte seed, so a run's keys follow from its seed. */
export function ed25519FromSeed(seed32: Uint8Array): { privateKey: KeyObject; publicKey: KeyObject } {
  if (seed32.length !== 32) throw new RangeError('an Ed25519 seed is 32 bytes');
  const privateKey = createPrivateKey({ key: Buffer.concat([ED25519_PKCS8_PREFIX, Buffer.from(seed32)]), format: 'der', type: 'pkcs8' });
  return { privateKey, publicKey: createPublicKey(privateKey) };
}

export function signEnvelope(e: Omit<RemoteEnvelope, 'signature'>, privateKey: KeyObject): RemoteEnvelope {
  return { ...e, signature: sign(null, Buffer.from(signedText(e)), privateKey).toString('base64') };
}

export interface RemoteGuardOptions {
  pumpId: string;
  /** The gateway's public key. */
  trustedKey: KeyObject;
  /**
   * Accept unsigned and unverified commands: the weakness of legacy firmware named in the
   * advisories. Only a firmware profile that models that weakness sets this.
   */
  acceptUnauthenticated?: boolean | undefined;
}

/** The pump side of remote command authentication: verify, then remember the counter. */
export class RemoteGuard {
  private lastCounter = -1;

  constructor(private readonly o: RemoteGuardOptions) {}

  get lastAcceptedCounter(): number {
    return this.lastCounter;
  }

  check(e: RemoteEnvelope, nowMs: number): RemoteVerdict {
    if (this.o.acceptUnauthenticated) return 'accepted';
    if (e.pumpId !== this.o.pumpId) return 'wrong-pump';
    if (!e.signature) return 'unsigned';
    let good = false;
    try {
      good = verify(null, Buffer.from(signedText(e)), this.o.trustedKey, Buffer.from(e.signature, 'base64'));
    } catch {
      good = false;
    }
    if (!good) return 'bad-signature';
    if (!Number.isInteger(e.counter) || e.counter <= this.lastCounter) return 'replay';
    if (nowMs > e.expiresMs) return 'stale';
    this.lastCounter = e.counter;
    return 'accepted';
  }
}
