/**
 * Detached Ed25519 signatures (RFC 8032, node:crypto) over canonical JSON (the key ordering and
 * number form of RFC 8785, JCS), with a domain-separation tag so that a signature made for one
 * kind of document (a firmware manifest) is never valid for another (a drug library package).
 * Key ids follow TUF: a digest of the public key, so the id cannot name a different key.
 */
import { createHash, sign, verify, type KeyObject } from 'node:crypto';

/** Nesting bound for canonicalJson (a drug library is 5 levels deep). */
const MAX_DEPTH = 32;

/** JSON with object keys sorted (UTF-16 code unit order), no whitespace, undefined members dropped. */
export function canonicalJson(value: unknown): string {
  return canon(value, '$', 0);
}

function canon(v: unknown, path: string, depth: number): string {
  if (depth > MAX_DEPTH) throw new RangeError(`${path}: nested deeper than ${MAX_DEPTH}`);
  if (v === null) return 'null';
  switch (typeof v) {
    case 'boolean':
      return v ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(v)) throw new RangeError(`${path}: ${v} is not a finite number`);
      return JSON.stringify(v);
    case 'string':
      return JSON.stringify(v);
    case 'object': {
      if (Array.isArray(v)) return `[${v.map((x, i) => canon(x, `${path}[${i}]`, depth + 1)).join(',')}]`;
      const obj = v as Record<string, unknown>;
      const keys = Object.keys(obj)
        .filter((k) => obj[k] !== undefined)
        .sort();
      return `{${keys.map((k) => `${JSON.stringify(k)}:${canon(obj[k], `${path}.${k}`, depth + 1)}`).join(',')}}`;
    }
    default:
      throw new TypeError(`${path}: a ${typeof v} has no JSON form`);
  }
}

/** The bytes a signature covers: `<tag>\n<canonical JSON>` in UTF-8. */
export function signingBytes(tag: string, body: unknown): Buffer {
  return Buffer.from(`${tag}\n${canonicalJson(body)}`, 'utf8');
}

/** The key id of a public key: the first 16 hex digits of SHA-256 over its SPKI DER encoding. */
export function keyIdOf(publicKey: KeyObject): string {
  return createHash('sha256').update(publicKey.export({ format: 'der', type: 'spki' })).digest('hex').slice(0, 16);
}

/** Sign `body` under `tag`; the signature is base64. Ed25519 is deterministic (RFC 8032 §5.1.6). */
export function signDetached(tag: string, body: unknown, privateKey: KeyObject): string {
  return sign(null, signingBytes(tag, body), privateKey).toString('base64');
}

export type SignatureVerdict =
  | { ok: true }
  | { ok: false; reason: 'malformed' | 'bad-signature' | 'unknown-key'; detail: string };

/**
 * Check a detached signature over `body` (which must carry a string `keyId`). Deny by default
 * (FDA premarket cybersecurity guidance, 2023): no signature, a signature that does not verify,
 * or a key the pump does not trust are all refusals.
 */
export function checkSignature(
  tag: string,
  body: unknown,
  signature: unknown,
  trustedKeys: ReadonlyMap<string, KeyObject>,
): SignatureVerdict {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return { ok: false, reason: 'malformed', detail: 'the signed document is not an object' };
  const keyId = (body as Record<string, unknown>)['keyId'];
  if (typeof keyId !== 'string') return { ok: false, reason: 'malformed', detail: 'keyId is missing' };
  if (signature === undefined) return { ok: false, reason: 'bad-signature', detail: 'no signature' };
  if (typeof signature !== 'string' || !/^[A-Za-z0-9+/]{86}==$/.test(signature)) {
    return { ok: false, reason: 'bad-signature', detail: 'the signature is not 64 bytes of base64' };
  }
  const key = trustedKeys.get(keyId);
  if (!key) return { ok: false, reason: 'unknown-key', detail: `key ${keyId.slice(0, 32)} is not trusted` };
  let bytes: Buffer;
  try {
    bytes = signingBytes(tag, body);
  } catch (e) {
    return { ok: false, reason: 'malformed', detail: (e as Error).message };
  }
  let good = false;
  try {
    good = verify(null, bytes, key, Buffer.from(signature, 'base64'));
  } catch {
    good = false;
  }
  return good ? { ok: true } : { ok: false, reason: 'bad-signature', detail: `the signature does not verify with key ${keyId}` };
}
