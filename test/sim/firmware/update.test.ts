/** The firmware update path: download, verify, write, wait for idle, install, boot, self-test, commit or fall back. */
import { describe, expect, it } from 'vitest';
import type { FirmwareEvent } from '../../../src/sim/firmware/events.js';
import { formatUpdateEvent } from '../../../src/sim/firmware/events.js';
import { chunkImage } from '../../../src/sim/firmware/image.js';
import { firmwareStepViolations } from '../../../src/sim/firmware/invariants.js';
import { profileById, selfTestVerdict } from '../../../src/sim/firmware/profiles.js';
import { buildUnsignedRelease } from '../../../src/sim/firmware/release.js';
import { MAX_BOOT_ATTEMPTS } from '../../../src/sim/firmware/slots.js';
import type { FirmwareUpdater } from '../../../src/sim/firmware/updater.js';
import {
  CHUNK_BYTES,
  DAY,
  HOUR,
  IMAGE_BYTES,
  MAX_WAIT_MS,
  MIN,
  REBOOT_MS,
  ROGUE,
  SWITCH_MS,
  WRITE_MS,
  expectInvariants,
  installGood,
  makeUpdater,
  release,
  sendRest,
  toFirstBoot,
  types,
} from './fixtures.js';

/** Advance and check the step invariants (no install while infusing, floor and counter only rise). */
function step(u: FirmwareUpdater, t: number, infusing: boolean): FirmwareEvent[] {
  const before = u.status();
  const events = u.advance(t, infusing);
  expect(firmwareStepViolations(before, u.status(), events, infusing)).toEqual([]);
  expectInvariants(u);
  return events;
}

describe('a good update, end to end', () => {
  it('chunks with a broken link, resume, verify, write, wait out an infusion, install when idle, boot, self-test, commit', () => {
    const u = makeUpdater();
    const r = release('1.1.0', 2, { releaseNotes: 'Fixes the occlusion alarm delay' });
    const chunks = chunkImage(r.image, CHUNK_BYTES);
    let t = 10_000;

    expect(u.offer(t, r.signed)).toEqual([{ type: 'offer-accepted', tMs: t, version: '1.1.0', sequence: 2, resumeFromOffset: 0, signatureVerified: true }]);
    expect(u.stage).toBe('downloading');
    for (const c of chunks.slice(0, 2)) expect(u.receiveChunk(t, c.offsetBytes, c.bytes)).toEqual([]);
    expect(u.linkBroken(t)).toEqual([{ type: 'link-broken', tMs: t, receivedBytes: 2000 }]);
    // Chunks without a session are not taken; the staged bytes stay.
    expect(u.receiveChunk(t, 2000, chunks[2]!.bytes)).toMatchObject([{ type: 'ignored', what: 'chunk', reason: 'no-download-session' }]);
    expectInvariants(u);

    t += 5 * MIN;
    expect(u.offer(t, r.signed)).toMatchObject([{ type: 'offer-accepted', resumeFromOffset: 2000 }]);
    // A duplicated or reordered chunk is ignored, not written twice.
    expect(u.receiveChunk(t, 1000, chunks[1]!.bytes)).toMatchObject([{ type: 'ignored', reason: 'expected-offset-2000' }]);
    const last = sendRest(u, t, r.image);
    expect(types(last)).toEqual(['verified', 'write-started']);
    expect(u.status().slots.B.content).toBe('partial');
    expect(u.nextWakeMs()).toBe(t + WRITE_MS);

    // Written while an infusion runs: it waits.
    t += WRITE_MS;
    expect(types(step(u, t, true))).toEqual(['written']);
    expect(u.stage).toBe('waiting-idle');
    expect(u.blocksInfusion()).toBe(false);
    expect(u.nextWakeMs()).toBe(t + MAX_WAIT_MS);
    expect(step(u, t + 30 * MIN, true)).toEqual([]);

    // The infusion ends: install.
    t += 40 * MIN;
    expect(step(u, t, false)).toMatchObject([{ type: 'install-started', slot: 'B', version: '1.1.0' }]);
    expect(u.blocksInfusion()).toBe(true);
    t += SWITCH_MS;
    expect(types(step(u, t, false))).toEqual(['switched']);
    expect(u.stage).toBe('rebooting');
    t += REBOOT_MS;
    expect(step(u, t, false)).toEqual([{ type: 'boot', tMs: t, slot: 'B', version: '1.1.0', profile: 'secure', trial: true, attempt: 1, programMustBeKept: true }]);
    expect(u.stage).toBe('first-boot');
    expect(u.runningVersion()).toBe('1.1.0');

    expect(u.selfTestResult(t, selfTestVerdict(u.runningProfile(), u.model))).toMatchObject([{ type: 'self-test', result: 'pass', attempt: 1 }]);
    expect(u.stage).toBe('self-test-passed');
    expect(u.markGood(t)).toEqual([{ type: 'committed', tMs: t, slot: 'B', version: '1.1.0', floorVersion: '1.1.0' }]);
    expectInvariants(u);
    const st = u.status();
    expect(st).toMatchObject({ stage: 'committed', primary: 'B', trial: undefined, running: 'B', floorVersion: '1.1.0', lastSequence: 2, job: undefined });
    expect(st.slots.B).toMatchObject({ content: 'complete', good: true, signatureVerified: true, bootAttempts: 0 });
    expect(st.slots.A).toMatchObject({ content: 'complete', good: true }); // the old image stays as it was
    expect(u.blocksInfusion()).toBe(false);
    expect(u.nextWakeMs()).toBe(Infinity);
  });

  it('the next update goes to the other slot again (A/B alternate)', () => {
    const u = makeUpdater();
    const t = installGood(u, release('1.1.0', 2), 0);
    installGood(u, release('1.2.0', 3), t + 1);
    expect(u.status()).toMatchObject({ primary: 'A', running: 'A', runningVersion: '1.2.0', floorVersion: '1.2.0' });
    expectInvariants(u);
  });

  it('a downgrade the vendor signs with a newer sequence is allowed above the floor (RAUC min-bundle-version)', () => {
    const u = makeUpdater();
    const t = installGood(u, release('2.1.0', 2, { minVersion: '2.0.0' }), 0);
    expect(u.status().floorVersion).toBe('2.0.0');
    installGood(u, release('2.0.5', 3, { minVersion: '1.0.0' }), t + 1);
    // The floor never falls, whatever a later manifest says.
    expect(u.status()).toMatchObject({ runningVersion: '2.0.5', floorVersion: '2.0.0' });
  });
});

describe('waiting for idle, deferral and cancel', () => {
  it('an update that waits maxWaitMs behind an infusion is deferred, and resumes waiting when offered again', () => {
    const u = makeUpdater();
    const r = release('1.1.0', 2);
    u.offer(0, r.signed);
    sendRest(u, 0, r.image);
    step(u, WRITE_MS, true);
    const deadline = WRITE_MS + MAX_WAIT_MS;
    expect(u.nextWakeMs()).toBe(deadline);
    expect(step(u, deadline - 1, true)).toEqual([]);
    expect(step(u, deadline, true)).toEqual([{ type: 'deferred', tMs: deadline, version: '1.1.0', waitedMs: MAX_WAIT_MS }]);
    expect(u.stage).toBe('deferred');
    expect(u.nextWakeMs()).toBe(Infinity);
    // Deferred stays deferred even once the pump is idle: the server decides when to try again.
    expect(step(u, deadline + MIN, false)).toEqual([]);
    expect(u.status().slots.B).toMatchObject({ content: 'complete', good: false });
    // Offered again: nothing to download, waiting for idle with a fresh limit.
    const t = deadline + HOUR;
    expect(u.offer(t, r.signed)).toMatchObject([{ type: 'offer-accepted', resumeFromOffset: IMAGE_BYTES }]);
    expect(u.stage).toBe('waiting-idle');
    expect(u.nextWakeMs()).toBe(t + MAX_WAIT_MS);
    expect(types(step(u, t + 1, false))).toEqual(['install-started']);
  });

  it('an infusion started during the install window stops the switch (never interrupt an infusion)', () => {
    const u = makeUpdater();
    const r = release('1.1.0', 2);
    u.offer(0, r.signed);
    sendRest(u, 0, r.image);
    step(u, WRITE_MS, false);
    expect(u.stage).toBe('installing');
    expect(step(u, WRITE_MS + 10, true)).toEqual([{ type: 'install-aborted', tMs: WRITE_MS + 10, reason: 'infusion-running' }]);
    expect(u.stage).toBe('waiting-idle');
    expect(u.status().trial).toBeUndefined();
  });

  it('a cancel wins until the boot environment switches, and loses after', () => {
    const u = makeUpdater();
    const r = release('1.1.0', 2);
    u.offer(0, r.signed);
    sendRest(u, 0, r.image);
    step(u, WRITE_MS, true);
    expect(u.cancel(WRITE_MS + 1)).toMatchObject([{ type: 'abandoned', reason: 'cancelled', version: '1.1.0' }]);
    expect(u.stage).toBe('abandoned');
    expectInvariants(u);
    // A cancelled release is used up: offering it again is a replay.
    expect(u.offer(WRITE_MS + 2, r.signed)).toMatchObject([{ type: 'refused', reason: 'replayed-manifest' }]);

    const v = makeUpdater();
    const t = toFirstBoot(v, r, 0);
    expect(v.cancel(t)).toMatchObject([{ type: 'ignored', what: 'cancel', reason: 'already-switched' }]);
  });

  it('a download that takes longer than maxDownloadMs is abandoned (slow retrieval)', () => {
    const u = makeUpdater({ maxDownloadMs: DAY });
    const r = release('1.1.0', 2);
    u.offer(0, r.signed);
    u.receiveChunk(0, 0, r.image.subarray(0, 100));
    expect(u.nextWakeMs()).toBe(DAY);
    expect(step(u, DAY, false)).toMatchObject([{ type: 'abandoned', tMs: DAY, reason: 'download-timeout' }]);
  });

  it('a newer offer supersedes a deferred update', () => {
    const u = makeUpdater();
    const r = release('1.1.0', 2);
    u.offer(0, r.signed);
    sendRest(u, 0, r.image);
    step(u, WRITE_MS, true);
    step(u, WRITE_MS + MAX_WAIT_MS, true);
    expect(u.stage).toBe('deferred');
    expect(types(u.offer(WRITE_MS + MAX_WAIT_MS + 1, release('1.2.0', 3).signed))).toEqual(['abandoned', 'offer-accepted']);
    expect(u.status().job).toMatchObject({ version: '1.2.0', targetSlot: 'B' });
  });
});

describe('self-test failures and fallback', () => {
  it(`${MAX_BOOT_ATTEMPTS} failed boots fall back to the old slot, marked and reported`, () => {
    const u = makeUpdater();
    const r = release('1.2.0', 2, { profile: 'fails-self-test-on-lvp' });
    let t = toFirstBoot(u, r, 0);
    const attempts: number[] = [];
    const seen: FirmwareEvent[] = [];
    for (let i = 0; i < 10 && u.stage === 'first-boot'; i++) {
      expect(selfTestVerdict(u.runningProfile(), u.model)).toBe('fail');
      const e = u.selfTestResult(t, 'fail');
      attempts.push(e[0]?.type === 'self-test' ? e[0].attempt : -1);
      expect(u.stage).toBe('rebooting');
      expect(u.blocksInfusion()).toBe(true);
      t += REBOOT_MS;
      seen.push(...step(u, t, false));
    }
    expect(attempts).toEqual([1, 2, 3]);
    const back = seen.filter((e) => e.type === 'rolled-back');
    expect(back).toEqual([{ type: 'rolled-back', tMs: t, failedSlot: 'B', failedVersion: '1.2.0', slot: 'A', version: '1.0.0', attempts: 3 }]);
    expect(seen.at(-1)).toMatchObject({ type: 'boot', slot: 'A', version: '1.0.0', trial: false });
    const st = u.status();
    expect(st).toMatchObject({ stage: 'rolled-back', primary: 'A', running: 'A', trial: undefined, floorVersion: '1.0.0' });
    expect(st.slots.B).toMatchObject({ good: false, failed: true });
    expect(u.blocksInfusion()).toBe(false);
    // The failed release cannot be pushed again; a fixed one installs into the same slot.
    expect(u.offer(t, r.signed)).toMatchObject([{ type: 'refused', reason: 'replayed-manifest' }]);
    installGood(u, release('1.2.1', 3), t + 1);
    expect(u.status().slots.B).toMatchObject({ good: true, failed: false });
  });

  it('the bad patch for one model commits on the other', () => {
    const u = makeUpdater({ model: 'syringe' });
    const r = release('1.2.0', 2, { profile: 'fails-self-test-on-lvp', hardwareModel: 'syringe' });
    const t = toFirstBoot(u, r, 0);
    expect(selfTestVerdict(u.runningProfile(), 'syringe')).toBe('pass');
    u.selfTestResult(t, 'pass');
    expect(types(u.markGood(t))).toEqual(['committed']);
  });

  it('a self-test result or a mark-good outside the first boot is ignored', () => {
    const u = makeUpdater();
    expect(u.selfTestResult(0, 'pass')).toMatchObject([{ type: 'ignored', what: 'self-test' }]);
    expect(u.markGood(0)).toMatchObject([{ type: 'ignored', what: 'mark-good' }]);
    const t = toFirstBoot(u, release('1.1.0', 2), 0);
    expect(u.markGood(t)).toMatchObject([{ type: 'ignored', what: 'mark-good' }]); // not before the self-test
  });
});

describe('the weakness of accepting unsigned images (CVE-2014-5406, CVE-2019-10959)', () => {
  it('a weak firmware installs an unsigned image and reports it; the fixed version refuses the next', () => {
    const u = makeUpdater({ factoryProfile: 'accepts-unsigned-images' });
    expect(u.runningProfile().acceptUnsignedImages).toBe(true);
    const evil = buildUnsignedRelease({ version: '1.1.0', sequence: 2, hardwareModel: 'lvp', sizeBytes: IMAGE_BYTES, issuedMs: 0, expiresMs: DAY }, ROGUE.keyId);
    expect(u.offer(0, evil.signed)).toEqual([
      { type: 'offer-accepted', tMs: 0, version: '1.1.0', sequence: 2, resumeFromOffset: 0, signatureVerified: false },
      { type: 'unsigned-accepted', tMs: 0, version: '1.1.0', profile: 'accepts-unsigned-images' },
    ]);
    const t = installGood(u, evil, 0);
    expect(u.status().slots.B).toMatchObject({ good: true, signatureVerified: false, acceptedUnsignedBy: 'accepts-unsigned-images' });
    expectInvariants(u);
    // 1.1.0 runs the secure profile: unsigned images are refused from now on.
    expect(u.runningProfile().id).toBe('secure');
    const evil2 = buildUnsignedRelease({ version: '1.2.0', sequence: 3, hardwareModel: 'lvp', sizeBytes: IMAGE_BYTES, issuedMs: 0, expiresMs: DAY }, ROGUE.keyId);
    expect(u.offer(t + 1, evil2.signed)).toMatchObject([{ type: 'refused', reason: 'bad-signature' }]);
  });

  it('the weak firmware still checks integrity, model, floor, replay and expiry', () => {
    const u = makeUpdater({ factoryProfile: 'accepts-unsigned-images' });
    const spec = { hardwareModel: 'lvp' as const, sizeBytes: IMAGE_BYTES, issuedMs: 0, expiresMs: DAY };
    expect(u.offer(0, buildUnsignedRelease({ ...spec, version: '1.1.0', sequence: 1 }, ROGUE.keyId).signed)).toMatchObject([{ reason: 'replayed-manifest' }]);
    expect(u.offer(0, buildUnsignedRelease({ ...spec, version: '0.9.0', sequence: 5 }, ROGUE.keyId).signed)).toMatchObject([{ reason: 'below-floor' }]);
    expect(u.offer(0, buildUnsignedRelease({ ...spec, version: '1.1.0', sequence: 5, hardwareModel: 'syringe' }, ROGUE.keyId).signed)).toMatchObject([{ reason: 'wrong-model' }]);
    const r = buildUnsignedRelease({ ...spec, version: '1.1.0', sequence: 5 }, ROGUE.keyId);
    u.offer(0, r.signed);
    expect(sendRest(u, 0, new Uint8Array(IMAGE_BYTES))).toMatchObject([{ type: 'refused', reason: 'hash-mismatch' }]);
    expect(profileById('accepts-unsigned-images').acceptUnsignedLibraries).toBe(true);
  });
});

describe('determinism', () => {
  function script(): string[] {
    const u = makeUpdater();
    const out: FirmwareEvent[] = [];
    const r = release('1.1.0', 2);
    const bad = release('1.2.0', 3, { profile: 'fails-self-test-on-lvp' });
    let t = 0;
    out.push(...u.offer(t, r.signed));
    out.push(...u.receiveChunk(t, 0, r.image.subarray(0, 1500)));
    out.push(...u.powerLoss(t + 5));
    out.push(...u.powerOn(t + 10).events);
    out.push(...u.offer(t + 20, r.signed));
    out.push(...sendRest(u, t + 20, r.image));
    t += 20 + WRITE_MS;
    out.push(...u.advance(t, false));
    t += SWITCH_MS;
    out.push(...u.advance(t, false));
    t += REBOOT_MS;
    out.push(...u.advance(t, false));
    out.push(...u.selfTestResult(t, 'pass'));
    out.push(...u.markGood(t));
    t += HOUR;
    out.push(...u.offer(t, bad.signed));
    out.push(...sendRest(u, t, bad.image));
    for (let i = 0; i < 30; i++) {
      t += 400;
      out.push(...u.advance(t, i % 3 === 0));
      if (u.stage === 'first-boot') out.push(...u.selfTestResult(t, 'fail'));
    }
    return out.map(formatUpdateEvent);
  }

  it('the same inputs give the same events, line for line', () => {
    const a = script();
    expect(a.length).toBeGreaterThan(10);
    expect(script()).toEqual(a);
    expect(a.filter((l) => /^fw rolled-back t=\d+ failedSlot=A failedVersion=1\.2\.0 slot=B version=1\.1\.0 attempts=3$/.test(l))).toHaveLength(1);
  });

  it('formats one line per event, quoting texts with spaces', () => {
    expect(formatUpdateEvent({ type: 'refused', tMs: 12.4, reason: 'stale-manifest', detail: 'expired at 5 ms', version: '1.0.0', sequence: 3 })).toBe(
      'fw refused t=12 reason=stale-manifest detail="expired at 5 ms" version=1.0.0 sequence=3',
    );
  });
});

describe('advance is bounded and says so', () => {
  it('a phase that never changes (a broken step) throws at the pass bound instead of stopping quietly', () => {
    const u = makeUpdater();
    const r = release('1.1.0', 2);
    u.offer(10_000, r.signed);
    sendRest(u, 10_000, r.image);
    expect(u.stage).toBe('writing');
    // Break the write's end: the phase stays `writing` however often advance passes over it.
    (u as unknown as { finishWrite: () => void }).finishWrite = () => undefined;
    expect(() => u.advance(10_000 + WRITE_MS, false)).toThrow(/phase changes .* without settling \(phase writing\)/);
  });
});
