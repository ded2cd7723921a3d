/**
 * Firmware manifests: what an image is, for which pump, and who vouches for it. The manifest
 * binds version, hardware model, image hash and size, anti-rollback floor, behaviour profile,
 * validity window and release sequence under one Ed25519 signature, so none can be swapped
 * for another's (Uptane: mix-and-match). The format and the signing scheme: docs/firmware.md.
 */
import { createHash, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import { HARDWARE_MODELS } from './hardware.js';
import { PROFILE_IDS } from './profiles.js';
import { checkSignature, signDetached, signingBytes } from './signing.js';
import { compareVersions, VERSION_PATTERN } from './version.js';

export { compareVersions } from './version.js';

export const FIRMWARE_MANIFEST_FORMAT = 'infusim-fw-manifest/1';
/** Domain-separation tag of manifest signatures (never valid for a library package). */
export const FIRMWARE_SIGNING_TAG = 'infusim-fw-manifest/1';
/** The largest image a manifest may announce (TUF: a bound against endless data). */
export const MAX_IMAGE_SIZE_BYTES = 16 * 1024 * 1024;
export const MAX_RELEASE_NOTES_CHARS = 4000;

const version = z.string().regex(VERSION_PATTERN, 'a version is MAJOR.MINOR.PATCH (e.g. 2.1.0)');
const timeMs = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

export const firmwareManifestSchema = z
  .object({
    format: z.literal(FIRMWARE_MANIFEST_FORMAT),
    version,
    hardwareModel: z.enum(HARDWARE_MODELS),
    imageSha256: z.string().regex(/^[0-9a-f]{64}$/, 'imageSha256 is 64 lowercase hex digits'),
    sizeBytes: z.number().int().positive().max(MAX_IMAGE_SIZE_BYTES),
    /** Anti-rollback floor: once this version is committed, no version below minVersion runs. */
    minVersion: version,
    releaseNotes: z.string().max(MAX_RELEASE_NOTES_CHARS),
    profile: z.enum(PROFILE_IDS),
    issuedMs: timeMs,
    expiresMs: timeMs,
    /** Release counter, strictly increasing across all manifests for a pump model. */
    sequence: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
    keyId: z.string().regex(/^[0-9a-f]{16}$/, 'keyId is 16 lowercase hex digits (keyIdOf)'),
    /**
     * SHA-256 of the image's CycloneDX SBOM file (docs/inventory.md#sbom). Optional: a manifest
     * without it signs exactly the bytes it signed before SBOMs existed.
     */
    sbomSha256: z.string().regex(/^[0-9a-f]{64}$/, 'sbomSha256 is 64 lowercase hex digits').optional(),
  })
  .strict()
  .superRefine((m, ctx) => {
    if (m.expiresMs <= m.issuedMs) ctx.addIssue({ code: 'custom', path: ['expiresMs'], message: 'expiresMs must be after issuedMs' });
    if (VERSION_PATTERN.test(m.version) && VERSION_PATTERN.test(m.minVersion) && compareVersions(m.minVersion, m.version) > 0) {
      ctx.addIssue({ code: 'custom', path: ['minVersion'], message: `minVersion ${m.minVersion} is above the version ${m.version}` });
    }
  });

export type FirmwareManifest = z.infer<typeof firmwareManifestSchema>;

export interface SignedFirmwareManifest {
  manifest: FirmwareManifest;
  /** Ed25519 signature (base64) over manifestSigningBytes(manifest); absent when unsigned. */
  signature?: string | undefined;
}

/** The bytes a manifest signature covers: `infusim-fw-manifest/1\n` + canonical JSON. */
export function manifestSigningBytes(manifest: FirmwareManifest): Buffer {
  return signingBytes(FIRMWARE_SIGNING_TAG, manifest);
}

/** Validate, then sign. Throws if the manifest is not valid (a release tool's mistake). */
export function signManifest(manifest: FirmwareManifest, privateKey: KeyObject): SignedFirmwareManifest {
  const m = firmwareManifestSchema.parse(manifest);
  return { manifest: m, signature: signDetached(FIRMWARE_SIGNING_TAG, m, privateKey) };
}

/** Identifies one signed offer exactly (manifest and signature): equal digests are the same offer. */
export function offerDigest(signed: { manifest: unknown; signature?: string | undefined }): string {
  return createHash('sha256')
    .update(signingBytes(FIRMWARE_SIGNING_TAG, signed.manifest))
    .update(`\n${signed.signature ?? ''}`)
    .digest('hex');
}

export type ManifestVerdict =
  | { ok: true; manifest: FirmwareManifest; signatureVerified: boolean }
  | { ok: false; reason: 'malformed' | 'bad-signature' | 'unknown-key'; detail: string };

export interface VerifyManifestOptions {
  /**
   * The weakness of a legacy profile (CVE-2014-5406, CVE-2019-10959): an unsigned, forged or
   * unknown-key manifest is accepted; `signatureVerified` in the verdict is then false.
   */
  acceptUnsigned?: boolean | undefined;
}

/**
 * Check the signature over the manifest exactly as received, then its format. Nothing in a
 * manifest is believed before its signature is checked (TUF specification §5: verify metadata
 * before using it). Policy (model, floor, replay, expiry) is checkOfferPolicy's job.
 */
export function verifyManifest(
  signed: unknown,
  trustedKeys: ReadonlyMap<string, KeyObject>,
  options: VerifyManifestOptions = {},
): ManifestVerdict {
  if (typeof signed !== 'object' || signed === null) return { ok: false, reason: 'malformed', detail: 'not a signed manifest' };
  const { manifest, signature } = signed as { manifest?: unknown; signature?: unknown };
  const sig = checkSignature(FIRMWARE_SIGNING_TAG, manifest, signature, trustedKeys);
  // The weak profile lets a manifest through whatever its signature; the verdict still says
  // whether it would have verified, so the simulator can report an unauthentic image as such.
  if (!sig.ok && !(options.acceptUnsigned && sig.reason !== 'malformed')) return sig;
  const parsed = firmwareManifestSchema.safeParse(manifest);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    return { ok: false, reason: 'malformed', detail: first ? `${first.path.join('.') || '(top level)'}: ${first.message}` : 'not a manifest' };
  }
  return { ok: true, manifest: parsed.data, signatureVerified: sig.ok };
}
