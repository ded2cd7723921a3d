/**
 * The two firmware slots and the bootloader's choice between them (Mender, SWUpdate and RAUC
 * A/B layouts; U-Boot's bootcount/bootlimit). The bootloader boots the trial slot while it has
 * boot attempts left, and falls back to the committed slot after MAX_BOOT_ATTEMPTS failed boots.
 */
import type { FirmwareManifest } from './manifest.js';
import type { ProfileId } from './profiles.js';

export type SlotId = 'A' | 'B';

/** Boots of an uncommitted slot before the bootloader falls back (Mender/RAUC practice: 3). */
export const MAX_BOOT_ATTEMPTS = 3;

export interface SlotRecord {
  /** 'partial': a write began and has not finished (never bootable). */
  readonly content: 'empty' | 'partial' | 'complete';
  readonly manifest: FirmwareManifest | undefined;
  /** SHA-256 of the bytes actually written (equal to the manifest's when complete). */
  readonly imageSha256: string | undefined;
  /** The manifest's signature verified with a trusted key. */
  readonly signatureVerified: boolean;
  /** Set when an unverified image got in only because the running profile accepts unsigned images. */
  readonly acceptedUnsignedBy: ProfileId | undefined;
  /** Committed ("marked good") after a passed self-test. */
  readonly good: boolean;
  /** Fallen back from after failed boots. */
  readonly failed: boolean;
  /** Boots of this slot since it was switched to and not yet committed. */
  readonly bootAttempts: number;
}

export const EMPTY_SLOT: SlotRecord = Object.freeze({
  content: 'empty',
  manifest: undefined,
  imageSha256: undefined,
  signatureVerified: false,
  acceptedUnsignedBy: undefined,
  good: false,
  failed: false,
  bootAttempts: 0,
});

export function otherSlot(slot: SlotId): SlotId {
  return slot === 'A' ? 'B' : 'A';
}

export interface BootEnv {
  /** The committed slot. */
  primary: SlotId;
  /** The slot switched to and not yet committed. */
  trial: SlotId | undefined;
  slots: Readonly<Record<SlotId, SlotRecord>>;
}

export type BootDecision =
  | { kind: 'normal'; slot: SlotId }
  | { kind: 'trial'; slot: SlotId; attempt: number }
  | { kind: 'fallback'; slot: SlotId; failedSlot: SlotId; attempts: number };

/** What the bootloader boots next. Pure: the caller records the attempt. */
export function decideBoot(env: BootEnv): BootDecision {
  if (env.trial === undefined) return { kind: 'normal', slot: env.primary };
  const t = env.slots[env.trial];
  if (t.content !== 'complete' || t.bootAttempts >= MAX_BOOT_ATTEMPTS) {
    return { kind: 'fallback', slot: env.primary, failedSlot: env.trial, attempts: t.bootAttempts };
  }
  return { kind: 'trial', slot: env.trial, attempt: t.bootAttempts + 1 };
}
