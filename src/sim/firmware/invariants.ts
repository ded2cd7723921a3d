/**
 * What must hold of the update agent after every step, whatever happened (power loss at any
 * stage included): shared by the property tests and, once wired, the harness's safety monitor.
 * Mender/RAUC: a bootable, committed slot always exists; RAUC min-bundle-version and the Uptane
 * release counter: no version below the floor runs and the counter never goes back;
 * docs/clinical.md#software-updates: never install during an infusion.
 */
import type { FirmwareEvent } from './events.js';
import { profileById } from './profiles.js';
import { MAX_BOOT_ATTEMPTS, type SlotId, type SlotRecord } from './slots.js';
import type { UpdaterStatus } from './updater.js';
import { compareVersions } from './version.js';

const TRIAL_STAGES = new Set(['rebooting', 'first-boot', 'self-test-passed']);

function imageProblems(label: string, s: SlotRecord, floorVersion: string): string[] {
  const out: string[] = [];
  if (s.content !== 'complete' || !s.manifest) return [`${label} holds no complete image (${s.content})`];
  if (s.imageSha256 !== s.manifest.imageSha256) out.push(`${label} image hash differs from its manifest`);
  if (compareVersions(s.manifest.version, floorVersion) < 0) out.push(`${label} runs ${s.manifest.version}, below the floor ${floorVersion}`);
  if (!s.signatureVerified && (s.acceptedUnsignedBy === undefined || !profileById(s.acceptedUnsignedBy).acceptUnsignedImages)) {
    out.push(`${label} image is unverified and no profile that accepts unsigned images let it in`);
  }
  return out;
}

/** Violations of the state invariants (empty when all hold). */
export function firmwareInvariantViolations(st: UpdaterStatus): string[] {
  const out: string[] = [];
  const primary = st.slots[st.primary];
  out.push(...imageProblems(`committed slot ${st.primary}`, primary, st.floorVersion));
  if (!primary.good || primary.failed) out.push(`committed slot ${st.primary} is not marked good`);
  if (st.trial !== undefined) {
    if (st.trial === st.primary) out.push('the trial slot is the committed slot');
    const t = st.slots[st.trial];
    out.push(...imageProblems(`trial slot ${st.trial}`, t, st.floorVersion));
    if (t.bootAttempts > MAX_BOOT_ATTEMPTS) out.push(`trial slot ${st.trial} booted ${t.bootAttempts} times (limit ${MAX_BOOT_ATTEMPTS})`);
    if (!TRIAL_STAGES.has(st.stage)) out.push(`a trial slot is set in stage ${st.stage}`);
  } else if (TRIAL_STAGES.has(st.stage)) {
    out.push(`stage ${st.stage} without a trial slot`);
  }
  if (!st.powered && st.running !== undefined) out.push('a slot runs while the pump is off');
  if (st.powered && st.stage !== 'rebooting' && st.running === undefined) out.push('the pump is on and runs no slot');
  if (st.running !== undefined) {
    const allowed: (SlotId | undefined)[] = st.stage === 'first-boot' || st.stage === 'self-test-passed' ? [st.trial] : [st.primary];
    if (!allowed.includes(st.running)) out.push(`slot ${st.running} runs in stage ${st.stage}`);
  }
  if (st.job && st.job.targetSlot === st.primary) out.push('the update targets the committed slot');
  return out;
}

/**
 * Violations of one step: the floor and the counter never go back, and no install starts or
 * switch happens in a step taken while the pump was infusing.
 */
export function firmwareStepViolations(before: UpdaterStatus, after: UpdaterStatus, events: readonly FirmwareEvent[], pumpIsInfusing: boolean): string[] {
  const out: string[] = [];
  if (compareVersions(after.floorVersion, before.floorVersion) < 0) out.push(`floor went back from ${before.floorVersion} to ${after.floorVersion}`);
  if (after.lastSequence < before.lastSequence) out.push(`sequence went back from ${before.lastSequence} to ${after.lastSequence}`);
  if (pumpIsInfusing) {
    for (const e of events) {
      if (e.type === 'install-started' || e.type === 'switched') out.push(`${e.type} at ${e.tMs} ms while infusing`);
    }
  }
  return out;
}
