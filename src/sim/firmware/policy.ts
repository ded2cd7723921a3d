/**
 * May this pump take this (already authenticated) manifest? The checks run in the order of the
 * TUF client workflow (specification §5): rollback of the release counter first, then freeze
 * (expiry), then the target's identity (hardware model), then the anti-rollback floor.
 */
import type { HardwareModel } from './hardware.js';
import type { FirmwareManifest } from './manifest.js';
import type { Refusal } from './refusals.js';
import { compareVersions } from './version.js';

export interface OfferContext {
  model: HardwareModel;
  /** No version below this may be installed (RAUC min-bundle-version, Uptane release counter). */
  floorVersion: string;
  /** The highest sequence the pump has accepted. */
  lastSequence: number;
  /** The pump's clock (ms); a skewed clock makes fresh manifests look stale, as on a real pump. */
  nowMs: number;
}

/** A sequence not above the last accepted one is a replay (TUF/Uptane rollback protection). */
export function checkSequence(sequence: number, lastSequence: number): Refusal | undefined {
  if (sequence <= lastSequence) return { reason: 'replayed-manifest', detail: `sequence ${sequence} is not above the last accepted ${lastSequence}` };
  return undefined;
}

/** Metadata past its expiry is refused (TUF: freeze attack). */
export function checkFreshness(expiresMs: number, nowMs: number): Refusal | undefined {
  if (nowMs > expiresMs) return { reason: 'stale-manifest', detail: `expired at ${expiresMs} ms, now ${nowMs} ms` };
  return undefined;
}

export function checkOfferPolicy(m: FirmwareManifest, ctx: OfferContext): Refusal | undefined {
  const replay = checkSequence(m.sequence, ctx.lastSequence);
  if (replay) return replay;
  const stale = checkFreshness(m.expiresMs, ctx.nowMs);
  if (stale) return stale;
  if (m.hardwareModel !== ctx.model) return { reason: 'wrong-model', detail: `built for ${m.hardwareModel}, this pump is ${ctx.model}` };
  if (compareVersions(m.version, ctx.floorVersion) < 0) return { reason: 'below-floor', detail: `version ${m.version} is below the floor ${ctx.floorVersion}` };
  return undefined;
}
