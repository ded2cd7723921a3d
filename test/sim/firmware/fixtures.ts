/** Shared fixtures for the firmware update tests (not a test file itself). */
import { ed25519FromSeed } from '../../../src/sim/security/remoteCommand.js';
import type { FirmwareEvent } from '../../../src/sim/firmware/events.js';
import { chunkImage } from '../../../src/sim/firmware/image.js';
import { firmwareInvariantViolations } from '../../../src/sim/firmware/invariants.js';
import type { ProfileId } from '../../../src/sim/firmware/profiles.js';
import { buildRelease, type Release, type ReleaseSpec, type Signer } from '../../../src/sim/firmware/release.js';
import { keyIdOf } from '../../../src/sim/firmware/signing.js';
import { FirmwareUpdater, type FirmwareUpdaterOptions } from '../../../src/sim/firmware/updater.js';
import type { HardwareModel } from '../../../src/sim/firmware/hardware.js';

import { DAY, HOUR } from '../../support/time.js';
export { DAY, HOUR, MIN } from '../../support/time.js';

const vendorPair = ed25519FromSeed(new Uint8Array(32).fill(7));
const roguePair = ed25519FromSeed(new Uint8Array(32).fill(9));

export const VENDOR: Signer = { keyId: keyIdOf(vendorPair.publicKey), privateKey: vendorPair.privateKey };
export const ROGUE: Signer = { keyId: keyIdOf(roguePair.publicKey), privateKey: roguePair.privateKey };
export const VENDOR_PUBLIC = vendorPair.publicKey;
export const TRUSTED = new Map([[VENDOR.keyId, vendorPair.publicKey]]);

export const IMAGE_BYTES = 4096;
export const CHUNK_BYTES = 1000;
export const WRITE_MS = 1000;
export const SWITCH_MS = 100;
export const REBOOT_MS = 500;
export const MAX_WAIT_MS = HOUR;

export function release(version: string, sequence: number, spec: Partial<ReleaseSpec> = {}, signer: Signer = VENDOR): Release {
  return buildRelease({ version, sequence, hardwareModel: 'lvp', sizeBytes: IMAGE_BYTES, issuedMs: 0, expiresMs: 30 * DAY, ...spec }, signer);
}

export function makeUpdater(opts: { model?: HardwareModel; factoryProfile?: ProfileId; factoryVersion?: string } & Partial<FirmwareUpdaterOptions> = {}): FirmwareUpdater {
  const model = opts.model ?? 'lvp';
  const factory = release(opts.factoryVersion ?? '1.0.0', 1, { hardwareModel: model, profile: opts.factoryProfile ?? 'secure' });
  return new FirmwareUpdater({
    model,
    trustedKeys: TRUSTED,
    factory: factory.signed,
    writeMs: WRITE_MS,
    switchMs: SWITCH_MS,
    rebootMs: REBOOT_MS,
    maxWaitMs: MAX_WAIT_MS,
    ...opts,
  });
}

/** Send the rest of the image from the updater's present offset, as a server resuming would; returns the last chunk's events. */
export function sendRest(u: FirmwareUpdater, nowMs: number, image: Uint8Array, chunkBytes = CHUNK_BYTES): FirmwareEvent[] {
  let events: FirmwareEvent[] = [];
  const from = u.status().job?.receivedBytes ?? 0;
  for (const c of chunkImage(image.subarray(from), chunkBytes)) {
    events = u.receiveChunk(nowMs, from + c.offsetBytes, c.bytes);
  }
  return events;
}

export function types(events: readonly FirmwareEvent[]): string[] {
  return events.map((e) => e.type);
}

/** Fail with the list of violated invariants, if any. */
export function expectInvariants(u: FirmwareUpdater): void {
  const v = firmwareInvariantViolations(u.status());
  if (v.length > 0) throw new Error(`invariants violated:\n  ${v.join('\n  ')}`);
}

/**
 * Offer, download and write `r`, then install it on an idle pump up to the first boot of the
 * trial slot. Returns the time reached.
 */
export function toFirstBoot(u: FirmwareUpdater, r: Release, t0: number): number {
  let t = t0;
  u.offer(t, r.signed);
  sendRest(u, t, r.image);
  t += WRITE_MS;
  u.advance(t, false); // written, install started
  t += SWITCH_MS;
  u.advance(t, false); // switched
  t += REBOOT_MS;
  u.advance(t, false); // boot into the trial slot
  if (u.stage !== 'first-boot') throw new Error(`expected first-boot, got ${u.stage}`);
  return t;
}

/** Full update of `r` on an idle pump, self-test passing; returns the time reached. */
export function installGood(u: FirmwareUpdater, r: Release, t0: number): number {
  const t = toFirstBoot(u, r, t0);
  u.selfTestResult(t, 'pass');
  u.markGood(t);
  if (u.stage !== 'committed') throw new Error(`expected committed, got ${u.stage}`);
  return t;
}
