/**
 * Power loss at every update stage leaves a bootable pump running a good, correctly signed image,
 * and the update either resumes or ends cleanly (Mender/SWUpdate/RAUC;
 * docs/clinical.md#outage-rehearsal: power loss at every update stage).
 */
import { describe, expect, it } from 'vitest';
import type { UpdateStage } from '../../../src/sim/firmware/events.js';
import type { FirmwareUpdater } from '../../../src/sim/firmware/updater.js';
import { MAX_BOOT_ATTEMPTS } from '../../../src/sim/firmware/slots.js';
import { CHUNK_BYTES, REBOOT_MS, SWITCH_MS, WRITE_MS, expectInvariants, makeUpdater, release, sendRest, types } from './fixtures.js';

const r = release('1.1.0', 2);

/** Drive a fresh updater to `stage`; returns it and the time reached. */
function driveTo(stage: UpdateStage): { u: FirmwareUpdater; t: number } {
  const u = makeUpdater();
  let t = 0;
  u.offer(t, r.signed);
  if (stage === 'downloading') {
    u.receiveChunk(t, 0, r.image.subarray(0, 2 * CHUNK_BYTES));
    return { u, t };
  }
  sendRest(u, t, r.image);
  if (stage === 'writing') return { u, t: t + WRITE_MS / 2 };
  t += WRITE_MS;
  u.advance(t, true);
  if (stage === 'waiting-idle') return { u, t };
  t += 1;
  u.advance(t, false);
  if (stage === 'installing') return { u, t: t + SWITCH_MS / 2 };
  t += SWITCH_MS;
  u.advance(t, false);
  if (stage === 'rebooting') return { u, t: t + REBOOT_MS / 2 };
  t += REBOOT_MS;
  u.advance(t, false);
  if (stage === 'first-boot') return { u, t };
  u.selfTestResult(t, 'pass');
  if (stage === 'self-test-passed') return { u, t };
  u.markGood(t);
  return { u, t };
}

/** Finish the update from wherever it stands on an idle pump; returns the final stage. */
function finish(u: FirmwareUpdater, t0: number): UpdateStage {
  let t = t0;
  for (let i = 0; i < 20; i++) {
    const s = u.stage;
    if (s === 'committed' || s === 'rolled-back' || s === 'abandoned' || s === 'refused') break;
    if (s === 'downloading') {
      u.offer(t, r.signed);
      sendRest(u, t, r.image);
    } else if (s === 'first-boot') {
      u.selfTestResult(t, 'pass');
    } else if (s === 'self-test-passed') {
      u.markGood(t);
    } else {
      t = Math.max(t + 1, Math.min(u.nextWakeMs(), t + 60_000));
      u.advance(t, false);
    }
    expectInvariants(u);
  }
  return u.stage;
}

describe('power loss at every update stage', () => {
  const cases: { stage: UpdateStage; bootsSlot: 'A' | 'B'; trial: boolean; after: UpdateStage }[] = [
    { stage: 'downloading', bootsSlot: 'A', trial: false, after: 'downloading' },
    { stage: 'writing', bootsSlot: 'A', trial: false, after: 'writing' },
    { stage: 'waiting-idle', bootsSlot: 'A', trial: false, after: 'waiting-idle' },
    { stage: 'installing', bootsSlot: 'A', trial: false, after: 'waiting-idle' },
    { stage: 'rebooting', bootsSlot: 'B', trial: true, after: 'first-boot' },
    { stage: 'first-boot', bootsSlot: 'B', trial: true, after: 'first-boot' },
    { stage: 'self-test-passed', bootsSlot: 'B', trial: true, after: 'first-boot' },
    { stage: 'committed', bootsSlot: 'B', trial: false, after: 'committed' },
  ];

  for (const c of cases) {
    it(`during ${c.stage}: boots slot ${c.bootsSlot}${c.trial ? ' (trial)' : ''}, keeps the program, and the update ${c.stage === 'committed' ? 'stays committed' : 'resumes to commit'}`, () => {
      const { u, t } = driveTo(c.stage);
      expect(u.stage).toBe(c.stage);
      expectInvariants(u);
      const lost = u.powerLoss(t);
      expect(lost[0]).toEqual({ type: 'power-loss', tMs: t, stage: c.stage });
      expect(u.status()).toMatchObject({ powered: false, running: undefined });
      expect(u.blocksInfusion()).toBe(true);
      expectInvariants(u);
      // Nothing reaches a pump without power.
      expect(u.offer(t + 1, r.signed)).toMatchObject([{ type: 'ignored', reason: 'powered-off' }]);
      expect(u.advance(t + 1, false)).toEqual([]);

      const on = u.powerOn(t + 2);
      expect(on.boot).toMatchObject({ slot: c.bootsSlot, trial: c.trial, programMustBeKept: true });
      const boot = on.events.find((e) => e.type === 'boot');
      expect(boot).toMatchObject({ slot: c.bootsSlot, trial: c.trial, programMustBeKept: true });
      expect(u.stage).toBe(c.after);
      expectInvariants(u);
      const running = u.status().slots[c.bootsSlot];
      // Whatever booted is a complete image whose manifest verified; it is committed unless on trial.
      expect(running).toMatchObject({ content: 'complete', signatureVerified: true, good: !c.trial });
      expect(finish(u, t + 3)).toBe('committed');
      expect(u.status()).toMatchObject({ primary: 'B', runningVersion: '1.1.0', floorVersion: '1.1.0' });
    });
  }

  it('during download: the download resumes from the stored offset, not from 0', () => {
    const { u, t } = driveTo('downloading');
    u.powerLoss(t);
    u.powerOn(t + 1);
    expect(u.receiveChunk(t + 2, 2000, r.image.subarray(2000, 3000))).toMatchObject([{ reason: 'no-download-session' }]);
    expect(u.offer(t + 2, r.signed)).toMatchObject([{ type: 'offer-accepted', resumeFromOffset: 2 * CHUNK_BYTES }]);
  });

  it('during write: the half-written slot is never booted and the write starts again', () => {
    const { u, t } = driveTo('writing');
    u.powerLoss(t);
    expect(u.status().slots.B.content).toBe('partial');
    const on = u.powerOn(t + 1);
    expect(types(on.events)).toEqual(['boot', 'write-started']);
    expect(u.nextWakeMs()).toBe(t + 1 + WRITE_MS);
  });

  it('during the switch: the switch is undone, the install waits for the next idle moment', () => {
    const { u, t } = driveTo('installing');
    expect(types(u.powerLoss(t))).toEqual(['power-loss', 'install-aborted']);
    u.powerOn(t + 1);
    expect(u.status().trial).toBeUndefined();
    expect(u.advance(t + 2, true)).toEqual([]); // an infusion started after power came back: wait
    expect(types(u.advance(t + 3, false))).toEqual(['install-started']);
  });

  it(`repeated power loss during the first boot counts as failed boots: after ${MAX_BOOT_ATTEMPTS} the old slot boots`, () => {
    const { u, t: t0 } = driveTo('first-boot');
    let t = t0;
    const boots: string[] = [];
    for (let i = 0; i < MAX_BOOT_ATTEMPTS; i++) {
      t += 10;
      u.powerLoss(t);
      t += 10;
      const on = u.powerOn(t);
      boots.push(`${on.boot.slot}${on.boot.trial ? '*' : ''}`);
      expectInvariants(u);
    }
    expect(boots).toEqual(['B*', 'B*', 'A']);
    expect(u.stage).toBe('rolled-back');
    expect(u.status()).toMatchObject({ primary: 'A', running: 'A', runningVersion: '1.0.0', floorVersion: '1.0.0' });
  });

  it('power on while on, and power loss while off, change nothing', () => {
    const u = makeUpdater();
    expect(u.powerOn(0)).toMatchObject({ events: [{ type: 'ignored', what: 'power-on' }], boot: { slot: 'A', trial: false } });
    u.powerLoss(1);
    expect(u.powerLoss(2)).toEqual([]);
  });
});
