/**
 * A firmware release a scenario names by its files (docs/scenarios.md, "A release from files"):
 * the image and the signed manifest made with `infusim firmware build|sign`, and the public key
 * the pumps trust for it, each path relative to the scenario file. The files are checked as a
 * pump would check them (signature against the trusted key, then the image's size and SHA-256)
 * and, when the SBOM file sits next to the manifest, its hash against the signed manifest's
 * `sbomSha256` (docs/inventory.md#sbom): a tampered or wrongly signed release is refused when
 * the scenario loads, with the field, the file and the reason, before anything runs.
 */
import type { KeyObject } from 'node:crypto';
import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { sha256Hex } from '../../sim/firmware/image.js';
import { MAX_IMAGE_SIZE_BYTES, verifyManifest, type FirmwareManifest, type SignedFirmwareManifest } from '../../sim/firmware/manifest.js';
import { keyIdOf } from '../../sim/firmware/signing.js';
import { FileRefused, readBoundedBytes } from '../readBoundedFile.js';
import { readJsonFile, readPublicKey } from '../release/keyFiles.js';
import { sbomSha256 } from '../sbom/build.js';
import { readSbomText, sbomPathFor } from '../sbom/inspect.js';

/** The fields of a `releases:` item that name files. */
export const RELEASE_FILE_FIELDS = ['image', 'manifest', 'trust'] as const;
export type ReleaseFileField = (typeof RELEASE_FILE_FIELDS)[number];
export type ReleaseFileSpec = Record<ReleaseFileField, string>;

/** Why a release's files cannot be used: the field that names the bad file, and why. */
export class ReleaseFileProblem extends Error {
  constructor(
    readonly field: ReleaseFileField,
    message: string,
  ) {
    super(message);
    this.name = 'ReleaseFileProblem';
  }
}

export interface LoadedFileRelease {
  signed: SignedFirmwareManifest;
  manifest: FirmwareManifest;
  image: Uint8Array;
  /** The key the pumps trust for this release, by its key id. */
  trustKeyId: string;
  trustKey: KeyObject;
}

function pathOf(dir: string, given: string): string {
  return isAbsolute(given) ? given : resolve(dir, given);
}

/** The message of an Error thrown by a file reader, or rethrow what is not one. */
function reason(e: unknown): string {
  if (e instanceof Error) return e.message;
  throw e;
}

/** Read and check a release's files (relative to `dir`, the scenario's directory). Throws ReleaseFileProblem. */
export function loadFileRelease(dir: string, spec: ReleaseFileSpec): LoadedFileRelease {
  let trustKey: KeyObject;
  try {
    trustKey = readPublicKey(pathOf(dir, spec.trust));
  } catch (e) {
    throw new ReleaseFileProblem('trust', `the trusted key ${spec.trust}: ${reason(e)}`);
  }
  const trustKeyId = keyIdOf(trustKey);
  const manifestPath = pathOf(dir, spec.manifest);
  let data: unknown;
  try {
    data = readJsonFile(manifestPath, 'manifest');
  } catch (e) {
    throw new ReleaseFileProblem('manifest', `the manifest ${spec.manifest}: ${reason(e)}`);
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data) || !('manifest' in data)) {
    throw new ReleaseFileProblem('manifest', `the manifest ${spec.manifest} is not a signed firmware manifest: expected a JSON object {"manifest": {...}, "signature": "..."} (infusim firmware build, then infusim firmware sign)`);
  }
  const signed = data as SignedFirmwareManifest;
  // As the pump checks an offer (docs/firmware.md, "Signing scheme"): signature, key, schema.
  const verdict = verifyManifest(signed, new Map([[trustKeyId, trustKey]]));
  if (!verdict.ok) {
    throw new ReleaseFileProblem('manifest', `the manifest ${spec.manifest} would be refused by the pumps: ${verdict.reason}: ${verdict.detail} (trusted key ${spec.trust}, key id ${trustKeyId})`);
  }
  const manifest = verdict.manifest;
  let image: Buffer;
  try {
    image = readBoundedBytes(pathOf(dir, spec.image), MAX_IMAGE_SIZE_BYTES, 'firmware image');
  } catch (e) {
    if (!(e instanceof FileRefused)) throw e;
    throw new ReleaseFileProblem('image', `the image ${spec.image} ${e.reason === 'missing' ? 'does not exist (relative to the scenario\'s directory)' : e.message}`);
  }
  if (image.length !== manifest.sizeBytes) {
    throw new ReleaseFileProblem('image', `the image ${spec.image} would be refused by the pumps: ${image.length < manifest.sizeBytes ? 'truncated-image' : 'oversized-image'}: it is ${image.length} bytes, the signed manifest says ${manifest.sizeBytes}`);
  }
  const actual = sha256Hex(image);
  if (actual !== manifest.imageSha256) {
    throw new ReleaseFileProblem('image', `the image ${spec.image} would be refused by the pumps: hash-mismatch: its SHA-256 is ${actual.slice(0, 16)}…, the signed manifest says ${manifest.imageSha256.slice(0, 16)}…`);
  }
  const sbomPath = sbomPathFor(manifestPath);
  if (existsSync(sbomPath)) {
    let text: string;
    try {
      text = readSbomText(sbomPath);
    } catch (e) {
      throw new ReleaseFileProblem('manifest', reason(e));
    }
    if (manifest.sbomSha256 === undefined || sbomSha256(text) !== manifest.sbomSha256) {
      throw new ReleaseFileProblem('manifest', `the SBOM ${sbomPath} next to the manifest ${spec.manifest} is refused: ${manifest.sbomSha256 === undefined ? 'the signed manifest names no SBOM hash' : 'its SHA-256 differs from the signed manifest\'s sbomSha256 (tampered)'}`);
    }
  }
  return { signed, manifest, image: new Uint8Array(image), trustKeyId, trustKey };
}
