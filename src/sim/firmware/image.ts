/**
 * Simulated firmware images: deterministic bytes derived from (model, version, variant), so two
 * runs build the same image and a release tool and a pump agree on its hash without files.
 * SHA-256 in counter mode: block i = SHA-256("infusim-image/1|model|version|variant|i").
 */
import { createHash } from 'node:crypto';
import type { HardwareModel } from './hardware.js';
import { MAX_IMAGE_SIZE_BYTES } from './manifest.js';

export interface ImageSpec {
  version: string;
  hardwareModel: HardwareModel;
  sizeBytes: number;
  /** Another build of the same version (e.g. a tampered or corrupted one in a test). */
  variant?: string | undefined;
}

export function buildImage(spec: ImageSpec): Uint8Array {
  const { sizeBytes } = spec;
  if (!Number.isInteger(sizeBytes) || sizeBytes <= 0 || sizeBytes > MAX_IMAGE_SIZE_BYTES) {
    throw new RangeError(`image size ${sizeBytes} bytes is outside 1 to ${MAX_IMAGE_SIZE_BYTES}`);
  }
  const out = new Uint8Array(sizeBytes);
  const prefix = `infusim-image/1|${spec.hardwareModel}|${spec.version}|${spec.variant ?? ''}|`;
  for (let i = 0, offset = 0; offset < sizeBytes; i++, offset += 32) {
    const block = createHash('sha256').update(`${prefix}${i}`).digest();
    out.set(block.subarray(0, Math.min(32, sizeBytes - offset)), offset);
  }
  return out;
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export interface ImageChunk {
  offsetBytes: number;
  bytes: Uint8Array;
}

/** Cut an image into chunks of at most `chunkSizeBytes` (views, not copies). */
export function chunkImage(image: Uint8Array, chunkSizeBytes: number): ImageChunk[] {
  if (!Number.isInteger(chunkSizeBytes) || chunkSizeBytes <= 0) throw new RangeError('chunkSizeBytes must be a positive integer');
  const out: ImageChunk[] = [];
  for (let offset = 0; offset < image.length; offset += chunkSizeBytes) {
    out.push({ offsetBytes: offset, bytes: image.subarray(offset, Math.min(image.length, offset + chunkSizeBytes)) });
  }
  return out;
}
