/** Signing keys on disk: PKCS#8 PEM private keys (mode 0600) and SPKI PEM public keys. */
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { keyIdOf } from '../../sim/firmware/signing.js';

export function generateKeyFiles(privatePath: string, publicPath: string): { keyId: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  writeFileSync(privatePath, privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600 });
  chmodSync(privatePath, 0o600);
  writeFileSync(publicPath, publicKey.export({ format: 'pem', type: 'spki' }));
  return { keyId: keyIdOf(publicKey) };
}

function readPem(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new Error(`cannot read ${what} ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

export function readPrivateKey(path: string): KeyObject {
  try {
    const k = createPrivateKey(readPem(path, 'private key'));
    if (k.asymmetricKeyType !== 'ed25519') throw new Error(`${path} is a ${k.asymmetricKeyType} key; infusim signs with Ed25519`);
    return k;
  } catch (e) {
    throw new Error(`${path}: not an Ed25519 private key (${(e as Error).message})`);
  }
}

/** A public key file, or the public half of a private key file. */
export function readPublicKey(path: string): KeyObject {
  const pem = readPem(path, 'key');
  try {
    const k = pem.includes('PRIVATE KEY') ? createPublicKey(createPrivateKey(pem)) : createPublicKey(pem);
    if (k.asymmetricKeyType !== 'ed25519') throw new Error(`a ${k.asymmetricKeyType} key`);
    return k;
  } catch (e) {
    throw new Error(`${path}: not an Ed25519 key (${(e as Error).message})`);
  }
}

export function trustedKeyMap(paths: readonly string[]): Map<string, KeyObject> {
  const m = new Map<string, KeyObject>();
  for (const p of paths) {
    const k = readPublicKey(p);
    m.set(keyIdOf(k), k);
  }
  return m;
}

export function readJsonFile(path: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new Error(`cannot read ${what} ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new Error(`${path}: not valid JSON (${(e as Error).message})`);
  }
}
