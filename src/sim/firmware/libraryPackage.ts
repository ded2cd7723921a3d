/**
 * Drug library packages: a library (src/sim/druglib format) with its release sequence, validity
 * window and target models, signed with Ed25519 like a firmware manifest but under its own
 * domain-separation tag. Libraries must be authentic and versioned (docs/clinical.md#drug-library;
 * unsigned libraries accepted from the network: CVE-2015-3956).
 */
import { createHash, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import { drugLibrarySchema } from '../druglib/schema.js';
import { HARDWARE_MODELS } from './hardware.js';
import { checkSignature, signDetached, signingBytes } from './signing.js';

export const LIBRARY_PACKAGE_FORMAT = 'infusim-druglib-pkg/1';
export const LIBRARY_SIGNING_TAG = 'infusim-druglib-pkg/1';

const timeMs = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

export const libraryPackageSchema = z
  .object({
    format: z.literal(LIBRARY_PACKAGE_FORMAT),
    library: drugLibrarySchema,
    /** Release counter, strictly increasing across library packages. */
    sequence: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
    issuedMs: timeMs,
    expiresMs: timeMs,
    hardwareModels: z.array(z.enum(HARDWARE_MODELS)).min(1).max(HARDWARE_MODELS.length),
    keyId: z.string().regex(/^[0-9a-f]{16}$/, 'keyId is 16 lowercase hex digits (keyIdOf)'),
  })
  .strict()
  .superRefine((p, ctx) => {
    if (p.expiresMs <= p.issuedMs) ctx.addIssue({ code: 'custom', path: ['expiresMs'], message: 'expiresMs must be after issuedMs' });
  });

export type LibraryPackage = z.infer<typeof libraryPackageSchema>;

export interface SignedLibraryPackage {
  package: LibraryPackage;
  /** Ed25519 signature (base64) over `infusim-druglib-pkg/1\n` + canonical JSON of the package. */
  signature?: string | undefined;
}

export function signLibraryPackage(pkg: LibraryPackage, privateKey: KeyObject): SignedLibraryPackage {
  const p = libraryPackageSchema.parse(pkg);
  return { package: p, signature: signDetached(LIBRARY_SIGNING_TAG, p, privateKey) };
}

export function packageDigest(signed: { package: unknown; signature?: string | undefined }): string {
  return createHash('sha256')
    .update(signingBytes(LIBRARY_SIGNING_TAG, signed.package))
    .update(`\n${signed.signature ?? ''}`)
    .digest('hex');
}

export type PackageVerdict =
  | { ok: true; pkg: LibraryPackage; signatureVerified: boolean }
  | { ok: false; reason: 'malformed' | 'bad-signature' | 'unknown-key'; detail: string };

/** Signature first, over the package as received; then the format, library included. */
export function verifyLibraryPackage(
  signed: unknown,
  trustedKeys: ReadonlyMap<string, KeyObject>,
  options: { acceptUnsigned?: boolean | undefined } = {},
): PackageVerdict {
  if (typeof signed !== 'object' || signed === null) return { ok: false, reason: 'malformed', detail: 'not a signed library package' };
  const { package: body, signature } = signed as { package?: unknown; signature?: unknown };
  const sig = checkSignature(LIBRARY_SIGNING_TAG, body, signature, trustedKeys);
  if (!sig.ok && !(options.acceptUnsigned && sig.reason !== 'malformed')) return sig;
  const parsed = libraryPackageSchema.safeParse(body);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    return { ok: false, reason: 'malformed', detail: first ? `${first.path.join('.') || '(top level)'}: ${first.message}` : 'not a library package' };
  }
  return { ok: true, pkg: parsed.data, signatureVerified: sig.ok };
}
