/**
 * The pump's firmware update agent: a pure state machine over explicit time. Methods take the
 * pump's clock (`nowMs`) and return what happened as events; nothing runs on its own
 * (`nextWakeMs` says when `advance` is next due).
 *
 *   idle → downloading(offset) → [verify] → writing(inactive slot) → waiting-idle → installing
 *        → rebooting → first-boot → self-test-passed → committed
 *   with exits refused(reason), deferred, abandoned, rolled-back.
 *
 * Practice followed (docs/clinical.md#software-updates): Mender/SWUpdate/RAUC A/B slots, commit on
 * the first good boot and fall back after 3 failed boots; RAUC min-bundle-version refuses
 * downgrades; TUF/Uptane release counter and expiry against replay, rollback and freeze; for
 * pumps, never interrupt an infusion, install only when idle, and stop waiting after maxWaitMs.
 *
 * Power: `nv` is what survives a power loss (slots, boot environment, floor, counter, the job and
 * its staged bytes); the rest is lost. Keeping the infusion program over a power cycle is the
 * pump's job: every boot event says so (`programMustBeKept`).
 */
import { createHash, type KeyObject } from 'node:crypto';
import type { FirmwareEvent, IgnoredWhat, UpdateStage } from './events.js';
import type { HardwareModel } from './hardware.js';
import { offerDigest, verifyManifest, type FirmwareManifest, type SignedFirmwareManifest } from './manifest.js';
import { checkFreshness, checkOfferPolicy } from './policy.js';
import { profileById, type BehaviourProfile } from './profiles.js';
import type { Refusal } from './refusals.js';
import { decideBoot, EMPTY_SLOT, otherSlot, type SlotId, type SlotRecord } from './slots.js';
import { maxVersion } from './version.js';
import { AFTER_SWITCH, BLOCKS_INFUSION, IN_PROGRESS, type BootReport, type FirmwareUpdaterOptions, type Job, type UpdaterStatus } from './updaterState.js';

export type { BootReport, FirmwareUpdaterOptions, UpdaterStatus } from './updaterState.js';

const HOUR_MS = 3_600_000;
/** Phase changes one `advance` may make (downloading, writing, waiting, installing, rebooting, first boot: six). */
const MAX_ADVANCE_PASSES = 16;


export class FirmwareUpdater {
  readonly model: HardwareModel;
  private readonly keys: ReadonlyMap<string, KeyObject>;
  private readonly maxWaitMs: number;
  private readonly maxDownloadMs: number;
  private readonly writeMs: number;
  private readonly switchMs: number;
  private readonly rebootMs: number;

  // Non-volatile
  private slots: Record<SlotId, SlotRecord>;
  private primary: SlotId = 'A';
  private trial: SlotId | undefined;
  private floorVersion: string;
  private lastSequence: number;
  private job: Job | undefined;
  private outcome: 'idle' | 'committed' | 'rolled-back' | 'refused' | 'abandoned' = 'idle';
  private lastRefusal: Refusal | undefined;

  // Volatile
  private powered = true;
  private running: SlotId | undefined = 'A';
  private sessionOpen = false;
  private timerMs: number | undefined;
  private lastMs: number; // the latest instant a caller passed: only a guard against going back (the pump owns time)

  constructor(o: FirmwareUpdaterOptions) {
    this.model = o.model;
    this.keys = o.trustedKeys;
    this.maxWaitMs = nonNegative('maxWaitMs', o.maxWaitMs ?? 4 * HOUR_MS);
    this.maxDownloadMs = nonNegative('maxDownloadMs', o.maxDownloadMs ?? 24 * HOUR_MS);
    this.writeMs = nonNegative('writeMs', o.writeMs ?? 20_000);
    this.switchMs = nonNegative('switchMs', o.switchMs ?? 1_000);
    this.rebootMs = nonNegative('rebootMs', o.rebootMs ?? 30_000);
    this.lastMs = o.startMs ?? 0;
    const v = verifyManifest(o.factory, this.keys);
    if (!v.ok) throw new RangeError(`factory manifest refused: ${v.reason} (${v.detail})`);
    if (v.manifest.hardwareModel !== o.model) throw new RangeError(`factory image is for ${v.manifest.hardwareModel}, the pump is ${o.model}`);
    const factory: SlotRecord = {
      content: 'complete',
      manifest: v.manifest,
      imageSha256: v.manifest.imageSha256,
      signatureVerified: true,
      acceptedUnsignedBy: undefined,
      good: true,
      failed: false,
      bootAttempts: 0,
    };
    this.slots = { A: factory, B: EMPTY_SLOT };
    this.floorVersion = v.manifest.minVersion;
    this.lastSequence = v.manifest.sequence;
  }

  // ---------------------------------------------------------------- reading

  get stage(): UpdateStage {
    return this.job ? this.job.phase : this.outcome;
  }

  get isPowered(): boolean {
    return this.powered;
  }

  /** The profile of the running firmware (of the committed one while off or rebooting). */
  runningProfile(): BehaviourProfile {
    return profileById(this.manifestOf(this.running ?? this.primary).profile);
  }

  runningVersion(): string {
    return this.manifestOf(this.running ?? this.primary).version;
  }

  /** True while the pump must not start an infusion (installing, rebooting, first boot until committed). */
  blocksInfusion(): boolean {
    return !this.powered || (this.job !== undefined && BLOCKS_INFUSION.has(this.job.phase));
  }

  /** The next instant `advance` has something to do; Infinity if none. */
  nextWakeMs(): number {
    const job = this.job;
    if (!this.powered || !job) return Infinity;
    switch (job.phase) {
      case 'downloading':
        return job.acceptedMs + this.maxDownloadMs;
      case 'waiting-idle':
        return job.waitDeadlineMs;
      case 'writing':
      case 'installing':
      case 'rebooting':
        return this.timerMs ?? Infinity;
      default:
        return Infinity;
    }
  }

  status(): UpdaterStatus {
    const job = this.job;
    return {
      powered: this.powered,
      stage: this.stage,
      running: this.running,
      runningVersion: this.running ? this.manifestOf(this.running).version : undefined,
      primary: this.primary,
      trial: this.trial,
      floorVersion: this.floorVersion,
      lastSequence: this.lastSequence,
      job: job
        ? {
            version: job.manifest.version,
            sequence: job.manifest.sequence,
            targetSlot: job.target,
            receivedBytes: job.receivedBytes,
            sizeBytes: job.manifest.sizeBytes,
            sessionOpen: this.sessionOpen,
            signatureVerified: job.signatureVerified,
          }
        : undefined,
      lastRefusal: this.lastRefusal,
      slots: { A: this.slots.A, B: this.slots.B },
    };
  }

  // ---------------------------------------------------------------- offers and downloads

  /**
   * A signed manifest offered by the update server. Accepted: a download session opens and the
   * event says from which offset to send (0, or where a broken download stopped). The same offer
   * again resumes; anything else is checked in full and refused with a reason.
   */
  offer(nowMs: number, signed: unknown): FirmwareEvent[] {
    this.at(nowMs);
    if (!this.powered) return [this.ignored(nowMs, 'offer', 'powered-off')];
    if (this.job?.phase === 'rebooting') return [this.ignored(nowMs, 'offer', 'rebooting')];
    const profile = this.runningProfile();
    const v = verifyManifest(signed, this.keys, { acceptUnsigned: profile.acceptUnsignedImages });
    if (!v.ok) return [this.refuseOffer(nowMs, v, undefined)];
    const m = v.manifest;
    const job = this.job;
    const digest = offerDigest(signed as SignedFirmwareManifest);
    if (job && job.digest === digest) return this.reoffer(nowMs, job);
    const refusal = checkOfferPolicy(m, { model: this.model, floorVersion: this.floorVersion, lastSequence: this.lastSequence, nowMs });
    if (refusal) return [this.refuseOffer(nowMs, refusal, m)];
    if (job && IN_PROGRESS.has(job.phase)) {
      return [this.refuseOffer(nowMs, { reason: 'busy', detail: `${job.manifest.version} is ${job.phase}` }, m)];
    }
    const events: FirmwareEvent[] = [];
    if (job) events.push({ type: 'abandoned', tMs: nowMs, version: job.manifest.version, reason: 'superseded' });
    // The counter moves only once the whole manifest is accepted (TUF: persist trusted metadata).
    this.lastSequence = m.sequence;
    this.job = {
      digest,
      manifest: m,
      signatureVerified: v.signatureVerified,
      acceptedUnsignedBy: v.signatureVerified ? undefined : profile.id,
      target: otherSlot(this.primary),
      phase: 'downloading',
      acceptedMs: nowMs,
      receivedBytes: 0,
      hash: createHash('sha256'),
      stagedSha256: undefined,
      waitDeadlineMs: Infinity,
    };
    this.sessionOpen = true;
    this.timerMs = undefined;
    events.push({ type: 'offer-accepted', tMs: nowMs, version: m.version, sequence: m.sequence, resumeFromOffset: 0, signatureVerified: v.signatureVerified });
    if (!v.signatureVerified) events.push({ type: 'unsigned-accepted', tMs: nowMs, version: m.version, profile: profile.id });
    return events;
  }

  /** One chunk of the image at `offsetBytes`; only the next expected offset is taken (duplicates and reordering are ignored). */
  receiveChunk(nowMs: number, offsetBytes: number, bytes: Uint8Array): FirmwareEvent[] {
    this.at(nowMs);
    const job = this.job;
    if (!this.powered) return [this.ignored(nowMs, 'chunk', 'powered-off')];
    if (!job || job.phase !== 'downloading' || !this.sessionOpen) return [this.ignored(nowMs, 'chunk', 'no-download-session')];
    if (offsetBytes !== job.receivedBytes) return [this.ignored(nowMs, 'chunk', `expected-offset-${job.receivedBytes}`)];
    if (bytes.length === 0) return [];
    const size = job.manifest.sizeBytes;
    if (job.receivedBytes + bytes.length > size) {
      return [this.refuseJob(nowMs, job, { reason: 'oversized-image', detail: `${job.receivedBytes + bytes.length} bytes, the manifest says ${size}` })];
    }
    job.hash.update(bytes);
    job.receivedBytes += bytes.length;
    return job.receivedBytes === size ? this.verifyAndWrite(nowMs, job) : [];
  }

  /** The sender says the transfer is complete. Fewer bytes than the manifest's size: truncated. */
  endOfImage(nowMs: number): FirmwareEvent[] {
    this.at(nowMs);
    const job = this.job;
    if (!this.powered) return [this.ignored(nowMs, 'end-of-image', 'powered-off')];
    if (!job || job.phase !== 'downloading' || !this.sessionOpen) return [this.ignored(nowMs, 'end-of-image', 'no-download-session')];
    return [this.refuseJob(nowMs, job, { reason: 'truncated-image', detail: `${job.receivedBytes} of ${job.manifest.sizeBytes} bytes` })];
  }

  /** The link dropped: the session closes, the staged bytes stay; offer the manifest again to resume. */
  linkBroken(nowMs: number): FirmwareEvent[] {
    this.at(nowMs);
    const job = this.job;
    if (!this.powered || !job || job.phase !== 'downloading' || !this.sessionOpen) return [];
    this.sessionOpen = false;
    return [{ type: 'link-broken', tMs: nowMs, receivedBytes: job.receivedBytes }];
  }

  /** Cancel the update: allowed until the boot environment switches (a cancel racing an install loses after that). */
  cancel(nowMs: number): FirmwareEvent[] {
    this.at(nowMs);
    const job = this.job;
    if (!this.powered) return [this.ignored(nowMs, 'cancel', 'powered-off')];
    if (!job) return [this.ignored(nowMs, 'cancel', 'no-update')];
    if (AFTER_SWITCH.has(job.phase)) return [this.ignored(nowMs, 'cancel', 'already-switched')];
    return [this.endJob('abandoned', { type: 'abandoned', tMs: nowMs, version: job.manifest.version, reason: 'cancelled' })];
  }

  // ---------------------------------------------------------------- time

  /**
   * Move to `nowMs`. `pumpIsInfusing` is the pump's state now: an install starts only when it is
   * false, and an update that has waited maxWaitMs for that is deferred.
   */
  advance(nowMs: number, pumpIsInfusing: boolean): FirmwareEvent[] {
    this.at(nowMs);
    const events: FirmwareEvent[] = [];
    // Bounded: each pass either changes phase or stops; more passes than phases is a bug.
    for (let pass = 0; this.powered && this.job; pass++) {
      if (pass === MAX_ADVANCE_PASSES) throw new Error(`updater: ${pass} phase changes at t=${nowMs} ms without settling (phase ${this.job.phase})`);
      const job: Job = this.job;
      const timer = this.timerMs ?? Infinity;
      if (job.phase === 'downloading') {
        const deadline = job.acceptedMs + this.maxDownloadMs;
        if (nowMs >= deadline) events.push(this.endJob('abandoned', { type: 'abandoned', tMs: deadline, version: job.manifest.version, reason: 'download-timeout' }));
        break;
      } else if (job.phase === 'writing' && nowMs >= timer) {
        this.finishWrite(timer, job, events);
      } else if (job.phase === 'waiting-idle') {
        if (!pumpIsInfusing) {
          job.phase = 'installing';
          this.timerMs = nowMs + this.switchMs;
          events.push({ type: 'install-started', tMs: nowMs, slot: job.target, version: job.manifest.version });
        } else {
          if (nowMs >= job.waitDeadlineMs) {
            job.phase = 'deferred';
            events.push({ type: 'deferred', tMs: nowMs, version: job.manifest.version, waitedMs: nowMs - (job.waitDeadlineMs - this.maxWaitMs) });
          }
          break;
        }
      } else if (job.phase === 'installing') {
        // Never interrupt an infusion (docs/clinical.md#software-updates): if one started, the switch does not happen.
        if (pumpIsInfusing) {
          job.phase = 'waiting-idle';
          this.timerMs = undefined;
          events.push({ type: 'install-aborted', tMs: nowMs, reason: 'infusion-running' });
          break;
        }
        if (nowMs < timer) break;
        // The boot environment is written atomically (redundant U-Boot env, RAUC): before this
        // instant the committed slot boots, after it the trial slot does.
        this.trial = job.target;
        this.slots[job.target] = { ...this.slots[job.target], bootAttempts: 0, failed: false };
        job.phase = 'rebooting';
        this.running = undefined;
        this.timerMs = timer + this.rebootMs;
        events.push({ type: 'switched', tMs: timer, slot: job.target, version: job.manifest.version });
      } else if (job.phase === 'rebooting' && nowMs >= timer) {
        this.boot(timer, events);
      } else {
        break;
      }
    }
    return events;
  }

  // ---------------------------------------------------------------- boot and commit

  /** The first-boot self-test of the trial slot. A failure reboots; the bootloader falls back after the third failed boot. */
  selfTestResult(nowMs: number, result: 'pass' | 'fail'): FirmwareEvent[] {
    this.at(nowMs);
    const job = this.job;
    if (!this.powered || !job || job.phase !== 'first-boot' || this.trial === undefined) return [this.ignored(nowMs, 'self-test', 'not-in-first-boot')];
    const slot = this.trial;
    const ev: FirmwareEvent = { type: 'self-test', tMs: nowMs, slot, version: job.manifest.version, result, attempt: this.slots[slot].bootAttempts };
    if (result === 'pass') {
      job.phase = 'self-test-passed';
    } else {
      job.phase = 'rebooting';
      this.running = undefined;
      this.timerMs = nowMs + this.rebootMs;
    }
    return [ev];
  }

  /** Commit the trial slot after a passed self-test ("mark good"); the floor rises to its minVersion. */
  markGood(nowMs: number): FirmwareEvent[] {
    this.at(nowMs);
    const job = this.job;
    const slot = this.trial;
    if (!this.powered || !job || job.phase !== 'self-test-passed' || slot === undefined) return [this.ignored(nowMs, 'mark-good', 'no-passed-trial')];
    this.slots[slot] = { ...this.slots[slot], good: true, failed: false, bootAttempts: 0 };
    this.primary = slot;
    this.trial = undefined;
    // RAUC min-bundle-version / Uptane release counter: the floor only ever rises.
    this.floorVersion = maxVersion(this.floorVersion, job.manifest.minVersion);
    return [this.endJob('committed', { type: 'committed', tMs: nowMs, slot, version: job.manifest.version, floorVersion: this.floorVersion })];
  }

  /** Power fails: RAM is lost (download session, timers); an install not yet switched goes back to waiting. */
  powerLoss(nowMs: number): FirmwareEvent[] {
    this.at(nowMs);
    if (!this.powered) return [];
    const events: FirmwareEvent[] = [{ type: 'power-loss', tMs: nowMs, stage: this.stage }];
    this.powered = false;
    this.running = undefined;
    this.sessionOpen = false;
    this.timerMs = undefined;
    if (this.job?.phase === 'installing') {
      this.job.phase = 'waiting-idle';
      events.push({ type: 'install-aborted', tMs: nowMs, reason: 'power-loss' });
    }
    return events;
  }

  /** Power returns: the bootloader chooses a slot; an interrupted write starts again from the staged image. */
  powerOn(nowMs: number): { events: FirmwareEvent[]; boot: BootReport } {
    this.at(nowMs);
    if (this.powered) {
      return { events: [this.ignored(nowMs, 'power-on', 'already-on')], boot: this.bootReport(this.running ?? this.primary) };
    }
    this.powered = true;
    const events: FirmwareEvent[] = [];
    const slot = this.boot(nowMs, events);
    const job = this.job;
    if (job?.phase === 'writing') this.startWrite(nowMs, job, events);
    return { events, boot: this.bootReport(slot) };
  }

  // ---------------------------------------------------------------- internals

  private at(nowMs: number): void {
    if (!Number.isFinite(nowMs) || nowMs < this.lastMs) throw new RangeError(`updater time cannot go back: last ${this.lastMs} ms, asked ${nowMs} ms`);
    this.lastMs = nowMs;
  }

  private manifestOf(slot: SlotId): FirmwareManifest {
    const m = this.slots[slot].manifest;
    if (!m) throw new Error(`slot ${slot} holds no image`);
    return m;
  }

  private bootReport(slot: SlotId): BootReport {
    const m = this.manifestOf(slot);
    return { slot, version: m.version, profile: m.profile, trial: slot === this.trial, programMustBeKept: true };
  }

  private ignored(tMs: number, what: IgnoredWhat, reason: string): FirmwareEvent {
    return { type: 'ignored', tMs, what, reason };
  }

  private refuseOffer(tMs: number, r: Refusal, m: FirmwareManifest | undefined): FirmwareEvent {
    this.lastRefusal = { reason: r.reason, detail: r.detail };
    // A refused offer never disturbs an update in progress.
    if (!this.job) this.outcome = 'refused';
    return { type: 'refused', tMs, reason: r.reason, detail: r.detail, version: m?.version, sequence: m?.sequence };
  }

  /** The image is refused; the job stays so that the same offer can start the download again. */
  private refuseJob(tMs: number, job: Job, r: Refusal): FirmwareEvent {
    this.lastRefusal = { reason: r.reason, detail: r.detail };
    job.phase = 'refused';
    this.sessionOpen = false;
    return { type: 'refused', tMs, reason: r.reason, detail: r.detail, version: job.manifest.version, sequence: job.manifest.sequence };
  }

  private endJob(outcome: FirmwareUpdater['outcome'], ev: FirmwareEvent): FirmwareEvent {
    this.job = undefined;
    this.outcome = outcome;
    this.sessionOpen = false;
    this.timerMs = undefined;
    return ev;
  }

  private reoffer(nowMs: number, job: Job): FirmwareEvent[] {
    const m = job.manifest;
    if (job.phase === 'downloading' || job.phase === 'refused' || job.phase === 'deferred') {
      const stale = checkFreshness(m.expiresMs, nowMs);
      if (stale) {
        this.lastRefusal = stale;
        return [this.endJob('refused', { type: 'refused', tMs: nowMs, reason: stale.reason, detail: stale.detail, version: m.version, sequence: m.sequence })];
      }
    }
    const accepted = (resumeFromOffset: number): FirmwareEvent => ({
      type: 'offer-accepted',
      tMs: nowMs,
      version: m.version,
      sequence: m.sequence,
      resumeFromOffset,
      signatureVerified: job.signatureVerified,
    });
    switch (job.phase) {
      case 'downloading':
        this.sessionOpen = true;
        return [accepted(job.receivedBytes)];
      case 'refused':
        // A corrupted or cut transfer of an authentic manifest: start the download again.
        job.phase = 'downloading';
        job.receivedBytes = 0;
        job.hash = createHash('sha256');
        job.stagedSha256 = undefined;
        job.acceptedMs = nowMs;
        this.sessionOpen = true;
        return [accepted(0)];
      case 'deferred':
        job.phase = 'waiting-idle';
        job.waitDeadlineMs = nowMs + this.maxWaitMs;
        return [accepted(m.sizeBytes)];
      default:
        return [{ type: 'offer-duplicate', tMs: nowMs, version: m.version, sequence: m.sequence, stage: job.phase }];
    }
  }

  private verifyAndWrite(nowMs: number, job: Job): FirmwareEvent[] {
    this.sessionOpen = false;
    const sha = job.hash.digest('hex');
    job.stagedSha256 = sha;
    if (sha !== job.manifest.imageSha256) {
      return [this.refuseJob(nowMs, job, { reason: 'hash-mismatch', detail: `image SHA-256 ${sha.slice(0, 16)}…, the manifest says ${job.manifest.imageSha256.slice(0, 16)}…` })];
    }
    const events: FirmwareEvent[] = [{ type: 'verified', tMs: nowMs, version: job.manifest.version, imageSha256: sha }];
    this.startWrite(nowMs, job, events);
    return events;
  }

  private startWrite(nowMs: number, job: Job, events: FirmwareEvent[]): void {
    // The inactive slot is invalid from the first byte written until the last (never bootable).
    this.slots[job.target] = { ...EMPTY_SLOT, content: 'partial' };
    job.phase = 'writing';
    this.timerMs = nowMs + this.writeMs;
    events.push({ type: 'write-started', tMs: nowMs, slot: job.target, version: job.manifest.version, doneMs: this.timerMs });
  }

  private finishWrite(tMs: number, job: Job, events: FirmwareEvent[]): void {
    this.slots[job.target] = {
      content: 'complete',
      manifest: job.manifest,
      imageSha256: job.stagedSha256,
      signatureVerified: job.signatureVerified,
      acceptedUnsignedBy: job.acceptedUnsignedBy,
      good: false,
      failed: false,
      bootAttempts: 0,
    };
    job.phase = 'waiting-idle';
    job.waitDeadlineMs = tMs + this.maxWaitMs;
    this.timerMs = undefined;
    events.push({ type: 'written', tMs, slot: job.target, version: job.manifest.version, deadlineMs: job.waitDeadlineMs });
  }

  /** The bootloader: boot the trial slot while it has attempts left, else fall back to the committed one. */
  private boot(tMs: number, events: FirmwareEvent[]): SlotId {
    const d = decideBoot({ primary: this.primary, trial: this.trial, slots: this.slots });
    this.timerMs = undefined;
    if (d.kind === 'fallback') {
      const failed = this.slots[d.failedSlot];
      this.slots[d.failedSlot] = { ...failed, good: false, failed: true };
      this.trial = undefined;
      events.push(
        this.endJob('rolled-back', {
          type: 'rolled-back',
          tMs,
          failedSlot: d.failedSlot,
          failedVersion: failed.manifest?.version ?? '-',
          slot: d.slot,
          version: this.manifestOf(d.slot).version,
          attempts: d.attempts,
        }),
      );
    } else if (d.kind === 'trial') {
      this.slots[d.slot] = { ...this.slots[d.slot], bootAttempts: d.attempt };
      if (this.job) this.job.phase = 'first-boot';
    }
    this.running = d.slot;
    const m = this.manifestOf(d.slot);
    events.push({
      type: 'boot',
      tMs,
      slot: d.slot,
      version: m.version,
      profile: m.profile,
      trial: d.kind === 'trial',
      attempt: d.kind === 'trial' ? d.attempt : 0,
      programMustBeKept: true,
    });
    return d.slot;
  }
}

function nonNegative(name: string, v: number): number {
  if (!(v >= 0) || !Number.isFinite(v)) throw new RangeError(`${name} must be a finite number ≥ 0 (ms)`);
  return v;
}
