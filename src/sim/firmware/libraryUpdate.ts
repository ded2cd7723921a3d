/**
 * The pump's drug library update agent. A package is verified (signature, then format), checked
 * against replay, expiry and model, queued, and activated only when no infusion runs
 * (docs/clinical.md#drug-library: a new library version is queued and becomes active only when no infusion is
 * running). A library is small and arrives whole; the queue lives in non-volatile memory, so a
 * power loss changes nothing here. If the pump stays busy past maxWaitMs the package is reported
 * 'deferred' once and stays queued: the running library is valid, so waiting is safe.
 */
import type { KeyObject } from 'node:crypto';
import type { DrugLibrary } from '../druglib/schema.js';
import { libraryLabel, type LibraryEvent } from './events.js';
import type { HardwareModel } from './hardware.js';
import { packageDigest, verifyLibraryPackage, type LibraryPackage, type SignedLibraryPackage } from './libraryPackage.js';
import { checkFreshness, checkSequence } from './policy.js';
import type { ProfileId } from './profiles.js';
import type { Refusal } from './refusals.js';

export interface LibraryUpdaterOptions {
  model: HardwareModel;
  trustedKeys: ReadonlyMap<string, KeyObject>;
  /** The library the pump was configured with (not from the network), and its sequence if known. */
  initial?: { library: DrugLibrary; sequence?: number | undefined } | undefined;
  /** After this long queued behind an infusion the package is reported deferred (default 4 h). */
  maxWaitMs?: number | undefined;
  startMs?: number | undefined;
}

export interface LibraryOfferOptions {
  /** The running firmware's weakness (profile acceptUnsignedLibraries) and its id for the report. */
  acceptUnsigned?: boolean | undefined;
  profile?: ProfileId | undefined;
}

interface Held {
  pkg: LibraryPackage;
  digest: string;
  signatureVerified: boolean;
  queuedMs: number;
  deferredReported: boolean;
}

export interface LibraryReport {
  /** `name@version` of the library in use, or undefined. */
  active: string | undefined;
  activeSequence: number | undefined;
  activeSignatureVerified: boolean | undefined;
  queued: string | undefined;
  queuedSequence: number | undefined;
  queuedSinceMs: number | undefined;
  deferred: boolean;
  lastSequence: number;
  lastRefusal: Refusal | undefined;
}

export class LibraryUpdater {
  readonly model: HardwareModel;
  private readonly keys: ReadonlyMap<string, KeyObject>;
  private readonly maxWaitMs: number;
  private active: { library: DrugLibrary; sequence: number | undefined; signatureVerified: boolean | undefined } | undefined;
  private queued: Held | undefined;
  private lastSequence: number;
  private lastRefusal: Refusal | undefined;
  private lastMs: number;

  constructor(o: LibraryUpdaterOptions) {
    this.model = o.model;
    this.keys = o.trustedKeys;
    const wait = o.maxWaitMs ?? 4 * 3_600_000;
    if (!(wait >= 0) || !Number.isFinite(wait)) throw new RangeError('maxWaitMs must be a finite number ≥ 0 (ms)');
    this.maxWaitMs = wait;
    this.lastMs = o.startMs ?? 0;
    this.active = o.initial ? { library: o.initial.library, sequence: o.initial.sequence, signatureVerified: undefined } : undefined;
    this.lastSequence = o.initial?.sequence ?? -1;
  }

  activeLibrary(): DrugLibrary | undefined {
    return this.active?.library;
  }

  report(): LibraryReport {
    const q = this.queued;
    return {
      active: this.active ? libraryLabel(this.active) : undefined,
      activeSequence: this.active?.sequence,
      activeSignatureVerified: this.active?.signatureVerified,
      queued: q ? libraryLabel(q.pkg) : undefined,
      queuedSequence: q?.pkg.sequence,
      queuedSinceMs: q?.queuedMs,
      deferred: q?.deferredReported ?? false,
      lastSequence: this.lastSequence,
      lastRefusal: this.lastRefusal,
    };
  }

  /** The next instant a deferral is due to be reported; Infinity if none. */
  nextWakeMs(): number {
    const q = this.queued;
    return q && !q.deferredReported ? q.queuedMs + this.maxWaitMs : Infinity;
  }

  offer(nowMs: number, signed: unknown, options: LibraryOfferOptions = {}): LibraryEvent[] {
    this.at(nowMs);
    const v = verifyLibraryPackage(signed, this.keys, { acceptUnsigned: options.acceptUnsigned });
    if (!v.ok) return [this.refuse(nowMs, v, undefined)];
    const pkg = v.pkg;
    const digest = packageDigest(signed as SignedLibraryPackage);
    if (this.queued?.digest === digest) return [{ type: 'library-duplicate', tMs: nowMs, library: libraryLabel(pkg), sequence: pkg.sequence }];
    const refusal =
      checkSequence(pkg.sequence, this.lastSequence) ??
      checkFreshness(pkg.expiresMs, nowMs) ??
      (pkg.hardwareModels.includes(this.model) ? undefined : { reason: 'wrong-model' as const, detail: `for ${pkg.hardwareModels.join(', ')}, this pump is ${this.model}` });
    if (refusal) return [this.refuse(nowMs, refusal, pkg)];
    const events: LibraryEvent[] = [];
    if (this.queued) events.push({ type: 'library-superseded', tMs: nowMs, library: libraryLabel(this.queued.pkg), by: libraryLabel(pkg) });
    this.lastSequence = pkg.sequence;
    this.queued = { pkg, digest, signatureVerified: v.signatureVerified, queuedMs: nowMs, deferredReported: false };
    events.push({ type: 'library-queued', tMs: nowMs, library: libraryLabel(pkg), sequence: pkg.sequence, signatureVerified: v.signatureVerified });
    if (!v.signatureVerified) events.push({ type: 'library-unsigned-accepted', tMs: nowMs, library: libraryLabel(pkg), profile: options.profile });
    return events;
  }

  /** Activate the queued library if no infusion runs; otherwise wait (and report a deferral once). */
  activateIfIdle(nowMs: number, infusing: boolean): LibraryEvent[] {
    this.at(nowMs);
    const q = this.queued;
    if (!q) return [];
    if (infusing) {
      if (!q.deferredReported && nowMs >= q.queuedMs + this.maxWaitMs) {
        q.deferredReported = true;
        return [{ type: 'library-deferred', tMs: nowMs, library: libraryLabel(q.pkg), waitedMs: nowMs - q.queuedMs }];
      }
      return [];
    }
    const previous = this.active ? libraryLabel(this.active) : undefined;
    this.active = { library: q.pkg.library, sequence: q.pkg.sequence, signatureVerified: q.signatureVerified };
    this.queued = undefined;
    return [{ type: 'library-activated', tMs: nowMs, library: libraryLabel(q.pkg), previous }];
  }

  private refuse(tMs: number, r: Refusal, pkg: LibraryPackage | undefined): LibraryEvent {
    this.lastRefusal = { reason: r.reason, detail: r.detail };
    return { type: 'library-refused', tMs, reason: r.reason, detail: r.detail, library: pkg ? libraryLabel(pkg) : undefined, sequence: pkg?.sequence };
  }

  private at(nowMs: number): void {
    if (!Number.isFinite(nowMs) || nowMs < this.lastMs) throw new RangeError(`updater time cannot go back: last ${this.lastMs} ms, asked ${nowMs} ms`);
    this.lastMs = nowMs;
  }
}
