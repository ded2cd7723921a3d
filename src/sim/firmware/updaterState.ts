/**
 * The firmware update agent's data (updater.ts): its options, the job it keeps in non-volatile
 * memory and the phases of that job, and what it reports (its status, a boot).
 */
import type { Hash, KeyObject } from 'node:crypto';
import type { UpdateStage } from './events.js';
import type { HardwareModel } from './hardware.js';
import type { FirmwareManifest, SignedFirmwareManifest } from './manifest.js';
import type { BehaviourProfile } from './profiles.js';
import type { Refusal } from './refusals.js';
import type { SlotId, SlotRecord } from './slots.js';

export interface FirmwareUpdaterOptions {
  model: HardwareModel;
  /** Keys the pump trusts, by key id (keyIdOf). */
  trustedKeys: ReadonlyMap<string, KeyObject>;
  /** The factory image, committed in slot A; its manifest must verify with a trusted key. */
  factory: SignedFirmwareManifest;
  /** How long a written update may wait for the pump to be idle before it is deferred (default 4 h). */
  maxWaitMs?: number | undefined;
  /** How long a download may take from its offer before it is abandoned (TUF: slow retrieval; default 24 h). */
  maxDownloadMs?: number | undefined;
  /** Time to write the inactive slot (default 20 s). */
  writeMs?: number | undefined;
  /** Time from install start to the atomic switch of the boot environment (default 1 s). */
  switchMs?: number | undefined;
  /** Time from a reboot request to the bootloader's choice (default 30 s). */
  rebootMs?: number | undefined;
  startMs?: number | undefined;
}

export type JobPhase = 'downloading' | 'writing' | 'waiting-idle' | 'installing' | 'rebooting' | 'first-boot' | 'self-test-passed' | 'deferred' | 'refused';

/** The update in progress; lives in non-volatile memory. */
export interface Job {
  readonly digest: string;
  readonly manifest: FirmwareManifest;
  readonly signatureVerified: boolean;
  readonly acceptedUnsignedBy: BehaviourProfile['id'] | undefined;
  readonly target: SlotId;
  phase: JobPhase;
  acceptedMs: number;
  receivedBytes: number;
  /** Running SHA-256 over the staged bytes (stands for re-hashing the staging area in flash). */
  hash: Hash;
  /** SHA-256 of the staged bytes once all have arrived (what gets written). */
  stagedSha256: string | undefined;
  waitDeadlineMs: number;
}

export const IN_PROGRESS: ReadonlySet<JobPhase> = new Set(['downloading', 'writing', 'waiting-idle', 'installing', 'rebooting', 'first-boot', 'self-test-passed']);
export const AFTER_SWITCH: ReadonlySet<JobPhase> = new Set(['rebooting', 'first-boot', 'self-test-passed']);
export const BLOCKS_INFUSION: ReadonlySet<JobPhase> = new Set(['installing', 'rebooting', 'first-boot', 'self-test-passed']);

export interface BootReport {
  slot: SlotId;
  version: string;
  profile: BehaviourProfile['id'];
  trial: boolean;
  /** The pump must come back with its program kept and the infusion waiting for a person to resume it. */
  programMustBeKept: true;
}

export interface UpdaterStatus {
  powered: boolean;
  stage: UpdateStage;
  /** The slot running now (undefined while off or rebooting). */
  running: SlotId | undefined;
  runningVersion: string | undefined;
  primary: SlotId;
  trial: SlotId | undefined;
  floorVersion: string;
  lastSequence: number;
  job:
    | { version: string; sequence: number; targetSlot: SlotId; receivedBytes: number; sizeBytes: number; sessionOpen: boolean; signatureVerified: boolean }
    | undefined;
  lastRefusal: Refusal | undefined;
  slots: Record<SlotId, SlotRecord>;
}
