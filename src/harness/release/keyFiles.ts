/** Signing keys on disk: PKCS#8 PEM private keys (mode 0600) and SPKI PEM public keys. */
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { existsSync, lstatSync, unlinkSync, writeFileSync, type Stats } from 'node:fs';
import { keyIdOf } from '../../sim/firmware/signing.js';
import { FileRefused, readBoundedFile } from '../readBoundedFile.js';
import { MAX_DOCUMENT_FILE_BYTES, MAX_KEY_FILE_BYTES, PRIVATE_KEY_FORBIDDEN_MODE, PRIVATE_KEY_MODE } from './limits.js';

/**
 * Write a new key pair. An existing file at either path is refused (nothing is written) unless
 * `force`; with `force` the old files are removed first, so the new private key is created with
 * mode 0600 and never lands in a file that others could already read.
 */
export function generateKeyFiles(privatePath: string, publicPath: string, options: { force?: boolean } = {}): { keyId: string } {
  const existing = [privatePath, publicPath].filter((p) => existsSync(p) || isDanglingLink(p));
  if (existing.length > 0 && !options.force) {
    throw new Error(`${existing[0]} already exists${existing.length > 1 ? ` (so does ${existing[1]})` : ''}: infusim keys gen does not overwrite a key (the releases signed with it would no longer match); choose another --name or --out, or give --force to replace it`);
  }
  for (const p of existing) unlinkSync(p);
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  writeFileSync(privatePath, privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: PRIVATE_KEY_MODE, flag: 'wx' });
  writeFileSync(publicPath, publicKey.export({ format: 'pem', type: 'spki' }), { flag: 'wx' });
  return { keyId: keyIdOf(publicKey) };
}

function isDanglingLink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

function readPem(path: string, what: string, inspect?: (st: Stats) => void): string {
  try {
    return readBoundedFile(path, MAX_KEY_FILE_BYTES, what, inspect);
  } catch (e) {
    if (e instanceof FileRefused) throw new Error(`cannot read ${what} ${path}: ${e.reason === 'missing' ? 'no such file' : `it ${e.message}`}`);
    throw e;
  }
}

/** As ssh does: a private key that the group or others may read (or write) is refused. */
function ownerOnly(path: string): (st: Stats) => void {
  return (st) => {
    const mode = st.mode & 0o777;
    if ((mode & PRIVATE_KEY_FORBIDDEN_MODE) !== 0) {
      throw new Error(`${path}: refused: mode 0${mode.toString(8)} lets others read this private key (whoever reads it can sign firmware and drug libraries); fix it with: chmod 600 ${path}`);
    }
  };
}

export function readPrivateKey(path: string): KeyObject {
  const pem = readPem(path, 'private key', ownerOnly(path));
  try {
    const k = createPrivateKey(pem);
    if (k.asymmetricKeyType !== 'ed25519') throw new Error(`${path} is a ${k.asymmetricKeyType} key; infusim signs with Ed25519`);
    return k;
  } catch (e) {
    throw new Error(`${path}: not an Ed25519 private key (${(e as Error).message})`);
  }
}

/** A public key file, or the public half of a private key file. */
export function readPublicKey(path: string): KeyObject {
  let privateMode: Stats | undefined;
  const pem = readPem(path, 'key', (st) => (privateMode = st));
  if (pem.includes('PRIVATE KEY') && privateMode) ownerOnly(path)(privateMode);
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
    text = readBoundedFile(path, MAX_DOCUMENT_FILE_BYTES, what);
  } catch (e) {
    if (e instanceof FileRefused) throw new Error(`cannot read ${what} ${path}: ${e.reason === 'missing' ? 'no such file' : `it ${e.message}`}`);
    throw e;
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new Error(`${path}: not valid JSON (${(e as Error).message})`);
  }
}
