/**
 * What the update agents report, as data (effects as data: the pump logs them, the harness
 * forwards them to the rollout server). One formatter gives one log line per event.
 */
import type { LibraryPackage } from './libraryPackage.js';
import type { ProfileId } from './profiles.js';
import type { RefusalReason } from './refusals.js';
import type { SlotId } from './slots.js';

export type UpdateStage =
  | 'idle'
  | 'downloading'
  | 'writing'
  | 'waiting-idle'
  | 'installing'
  | 'rebooting'
  | 'first-boot'
  | 'self-test-passed'
  | 'committed'
  | 'rolled-back'
  | 'refused'
  | 'deferred'
  | 'abandoned';

export type IgnoredWhat = 'offer' | 'chunk' | 'end-of-image' | 'self-test' | 'mark-good' | 'cancel' | 'power-on';

export type FirmwareEvent =
  | { type: 'offer-accepted'; tMs: number; version: string; sequence: number; resumeFromOffset: number; signatureVerified: boolean }
  | { type: 'offer-duplicate'; tMs: number; version: string; sequence: number; stage: UpdateStage }
  | { type: 'unsigned-accepted'; tMs: number; version: string; profile: ProfileId }
  | { type: 'refused'; tMs: number; reason: RefusalReason; detail: string; version: string | undefined; sequence: number | undefined }
  | { type: 'ignored'; tMs: number; what: IgnoredWhat; reason: string }
  | { type: 'link-broken'; tMs: number; receivedBytes: number }
  | { type: 'verified'; tMs: number; version: string; imageSha256: string }
  | { type: 'write-started'; tMs: number; slot: SlotId; version: string; doneMs: number }
  | { type: 'written'; tMs: number; slot: SlotId; version: string; deadlineMs: number }
  | { type: 'install-started'; tMs: number; slot: SlotId; version: string }
  | { type: 'install-aborted'; tMs: number; reason: 'infusion-running' | 'power-loss' }
  | { type: 'deferred'; tMs: number; version: string; waitedMs: number }
  | { type: 'switched'; tMs: number; slot: SlotId; version: string }
  | { type: 'boot'; tMs: number; slot: SlotId; version: string; profile: ProfileId; trial: boolean; attempt: number; programMustBeKept: true }
  | { type: 'self-test'; tMs: number; slot: SlotId; version: string; result: 'pass' | 'fail'; attempt: number }
  | { type: 'committed'; tMs: number; slot: SlotId; version: string; floorVersion: string }
  | { type: 'rolled-back'; tMs: number; failedSlot: SlotId; failedVersion: string; slot: SlotId; version: string; attempts: number }
  | { type: 'abandoned'; tMs: number; version: string; reason: 'cancelled' | 'download-timeout' | 'superseded' }
  | { type: 'power-loss'; tMs: number; stage: UpdateStage };

export type LibraryEvent =
  | { type: 'library-queued'; tMs: number; library: string; sequence: number; signatureVerified: boolean }
  | { type: 'library-unsigned-accepted'; tMs: number; library: string; profile: ProfileId | undefined }
  | { type: 'library-duplicate'; tMs: number; library: string; sequence: number }
  | { type: 'library-superseded'; tMs: number; library: string; by: string }
  | { type: 'library-refused'; tMs: number; reason: RefusalReason; detail: string; library: string | undefined; sequence: number | undefined }
  | { type: 'library-activated'; tMs: number; library: string; previous: string | undefined }
  | { type: 'library-deferred'; tMs: number; library: string; waitedMs: number };

/** `name@version` of a library package. */
export function libraryLabel(pkg: Pick<LibraryPackage, 'library'>): string {
  return `${pkg.library.name}@${pkg.library.version}`;
}

function fmtValue(v: unknown): string {
  if (typeof v === 'string') return /^[^\s"=]+$/.test(v) ? v : JSON.stringify(v);
  if (typeof v === 'boolean') return v ? '1' : '0';
  if (v === undefined) return '-';
  return String(v);
}

/** One line per event: `fw <type> t=<ms> key=value ...` (fields in their declared order). */
export function formatUpdateEvent(e: FirmwareEvent | LibraryEvent): string {
  const { type, tMs, ...rest } = e;
  const fields = Object.entries(rest).map(([k, v]) => `${k}=${fmtValue(v)}`);
  return [`${type.startsWith('library-') ? 'lib' : 'fw'} ${type} t=${Math.round(tMs)}`, ...fields].join(' ');
}
