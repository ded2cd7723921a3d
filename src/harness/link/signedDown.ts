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
  let secret = exportedKeys.get(gatewayKey);
  if (!secret) {
    secret = gatewayKey.export({ format: 'der', type: 'pkcs8' });
    exportedKeys.set(gatewayKey, secret);
  }
  return createHmac('sha256', secret).update(`infusim-ack-key/1|${pumpId}`).digest();
}

/** The gateway key's bytes, exported once per key (not twice per pump: the gateway's and the pump's copy). */
const exportedKeys = new WeakMap<KeyObject, Buffer>();

export interface AckFields {
  counter: number;
  issuedMs: number;
  expiresMs: number;
}

/**
 * MACs computed lately, by key and message: a cache of a pure function in two generations (the
 * newer one full: it becomes the older, the older is dropped), so that every look-up and insert
 * costs O(1). (Dropping the oldest entry of one Map one by one made each insert walk the deleted
 * slots: slower than no cache.)
 */
const MACS_PER_GENERATION = 2048;
let newerMacs = new Map<string, string>();
let olderMacs = new Map<string, string>();
/** Each key's bytes as text, found once per key buffer. */
const keyIds = new WeakMap<Buffer, string>();

/**
 * The MAC of an acknowledgement. The gateway computes it and the pump checks the same message
 * under the same key a link latency later: the check finds the value in a small cache of recent
 * MACs (by key bytes and message) instead of computing the same HMAC again (issue 20: HMACs were
 * the largest single cost in the profile of a 300-pump day). A forged or altered MAC still fails:
 * the cache holds only what HMAC-SHA256 gives for that key and message.
 */
export function ackMac(key: Buffer, pumpId: string, f: AckFields, text: string): string {
  const message = `infusim-ack/1|${pumpId}|${f.counter}|${f.issuedMs}|${f.expiresMs}|${text}`;
  const k = `${keyIdOf(key)}|${message}`;
  const known = newerMacs.get(k) ?? olderMacs.get(k);
  if (known !== undefined) return known;
  const mac = createHmac('sha256', key).update(message).digest('base64');
  if (newerMacs.size >= MACS_PER_GENERATION) {
    olderMacs = newerMacs;
    newerMacs = new Map();
  }
  newerMacs.set(k, mac);
  return mac;
}

/** A key's bytes as text (base64), found once per key buffer. */
export function keyIdOf(key: Buffer): string {
  let keyId = keyIds.get(key);
  if (keyId === undefined) {
    keyId = key.toString('base64');
    keyIds.set(key, keyId);
  }
  return keyId;
}

/**
 * An acknowledgement's authentication as the gateway issues it (issue 20: one HMAC per
 * acknowledgement was the largest single cost of a 1,000-pump day, 30 % of its CPU with the
 * cache's string keys). Its MAC is `ackMac` of the key, pump, fields and text it was issued for,
 * computed when first read (`mac`: an MQTT link reads it to put it on the wire, a test to forge
 * from it). In process the pump's check sees the same object: when it is unaltered and was issued
 * for the pump's own key bytes, pump id and the text of the message it came with, its MAC is by
 * construction the one the check would compute, so it is not computed at all. Anything else (a
 * copy, a MAC written over it, fields changed, another pump's or another key's acknowledgement, a
 * message whose text changed) takes the full check.
 */
export class IssuedAck implements AckFields {
  readonly counter: number;
  readonly issuedMs: number;
  readonly expiresMs: number;
  /** The issued values (the public fields could be written over). */
  readonly #counter: number;
  readonly #issuedMs: number;
  readonly #expiresMs: number;
  readonly #key: Buffer;
  readonly #keyId: string;
  readonly #pumpId: string;
  readonly #text: string;
  #mac: string | undefined;
  /** A MAC written over the issued one: from then on the object is checked like any other. */
  #overwritten = false;

  /** `keyId`: keyIdOf(key), when the issuer has it at hand (the gateway keeps it per pump). */
  constructor(key: Buffer, pumpId: string, f: AckFields, text: string, keyId = keyIdOf(key)) {
    this.counter = f.counter;
    this.issuedMs = f.issuedMs;
    this.expiresMs = f.expiresMs;
    this.#counter = f.counter;
    this.#issuedMs = f.issuedMs;
    this.#expiresMs = f.expiresMs;
    this.#key = key;
    this.#keyId = keyId;
    this.#pumpId = pumpId;
    this.#text = text;
  }

  get mac(): string | undefined {
    if (this.#mac === undefined && !this.#overwritten) this.#mac = ackMac(this.#key, this.#pumpId, { counter: this.#counter, issuedMs: this.#issuedMs, expiresMs: this.#expiresMs }, this.#text);
    return this.#mac;
  }

  set mac(v: string | undefined) {
    this.#overwritten = true;
    this.#mac = v;
  }

  /** Issued for this key (by its bytes), pump and text, and nothing of it changed since. */
  issuedFor(keyId: string, pumpId: string, text: string): boolean {
    return !this.#overwritten && this.#keyId === keyId && this.#pumpId === pumpId && this.#text === text && this.counter === this.#counter && this.issuedMs === this.#issuedMs && this.expiresMs === this.#expiresMs;
  }

  /** On the wire (JSON): the fields and the MAC. */
  toJSON(): AckFields & { mac?: string | undefined } {
    return { counter: this.counter, issuedMs: this.issuedMs, expiresMs: this.expiresMs, mac: this.mac };
  }
}

/** The pump side: a MAC of its key, a counter above the last accepted one, before the expiry. */
export class AckGuard {
  private lastCounter = -1;
  private readonly keyIdValue: string;

  constructor(
    private readonly pumpId: string,
    private readonly key: Buffer,
    private readonly acceptAnything: boolean,
  ) {
    this.keyIdValue = keyIdOf(key);
  }

  check(text: string, auth: (AckFields & { mac?: string | undefined }) | undefined, nowMs: number): RemoteVerdict {
    if (this.acceptAnything) return 'accepted';
    // The gateway's own acknowledgement, unaltered, for this key, pump and text: its MAC is by
    // construction the one this check would compute (IssuedAck), so neither side computes it.
    if (!(auth instanceof IssuedAck && auth.issuedFor(this.keyIdValue, this.pumpId, text))) {
      if (!auth?.mac) return 'unsigned';
      const want = Buffer.from(ackMac(this.key, this.pumpId, auth, text));
      const got = Buffer.from(auth.mac);
      if (want.length !== got.length || !timingSafeEqual(want, got)) return 'bad-signature';
    }
    if (!Number.isInteger(auth.counter) || auth.counter <= this.lastCounter) return 'replay';
    if (nowMs > auth.expiresMs) return 'stale';
    this.lastCounter = auth.counter;
    return 'accepted';
  }
}
