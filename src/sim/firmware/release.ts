/**
 * A release as the vendor's build server makes it: the image and its signed manifest. Used by
 * tests and by the harness's rollout server; the pump only ever sees the result.
 */
import type { KeyObject } from 'node:crypto';
import type { HardwareModel } from './hardware.js';
import { buildImage, sha256Hex } from './image.js';
import { FIRMWARE_MANIFEST_FORMAT, signManifest, firmwareManifestSchema, type FirmwareManifest, type SignedFirmwareManifest } from './manifest.js';
import type { ProfileId } from './profiles.js';

export interface ReleaseSpec {
  version: string;
  hardwareModel: HardwareModel;
  sizeBytes: number;
  sequence: number;
  issuedMs: number;
  expiresMs: number;
  /** Defaults to the version itself (the release raises the floor to itself when committed). */
  minVersion?: string | undefined;
  releaseNotes?: string | undefined;
  profile?: ProfileId | undefined;
  variant?: string | undefined;
  /** SHA-256 of the image's SBOM (the harness builds the SBOM: src/harness/sbom). */
  sbomSha256?: string | undefined;
}

export interface Signer {
  keyId: string;
  privateKey: KeyObject;
}

export interface Release {
  signed: SignedFirmwareManifest;
  image: Uint8Array;
}

export function releaseManifest(spec: ReleaseSpec, keyId: string, image: Uint8Array): FirmwareManifest {
  return firmwareManifestSchema.parse({
    format: FIRMWARE_MANIFEST_FORMAT,
    version: spec.version,
    hardwareModel: spec.hardwareModel,
    imageSha256: sha256Hex(image),
    sizeBytes: image.length,
    minVersion: spec.minVersion ?? spec.version,
    releaseNotes: spec.releaseNotes ?? '',
    profile: spec.profile ?? 'secure',
    issuedMs: spec.issuedMs,
    expiresMs: spec.expiresMs,
    sequence: spec.sequence,
    keyId,
    ...(spec.sbomSha256 !== undefined ? { sbomSha256: spec.sbomSha256 } : {}),
  });
}

/** Build the image and sign its manifest. */
export function buildRelease(spec: ReleaseSpec, signer: Signer): Release {
  const image = buildImage(spec);
  return { signed: signManifest(releaseManifest(spec, signer.keyId, image), signer.privateKey), image };
}

/** The same release without a signature: what an attacker (or a legacy build server) sends. */
export function buildUnsignedRelease(spec: ReleaseSpec, keyId: string): Release {
  const image = buildImage(spec);
  return { signed: { manifest: releaseManifest(spec, keyId, image) }, image };
}
