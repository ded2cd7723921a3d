/**
 * The Pump with its update agents wired in: an update never interrupts an infusion, installs
 * after STOP, takes the pump OFF for the reboot and brings it back on the new version; a bad
 * patch falls back after 3 boots; power loss at each stage; libraries activate only when idle.
 */
import { describe, expect, it } from 'vitest';
import { chunkImage } from '../../../src/sim/firmware/image.js';
import { LibraryUpdater } from '../../../src/sim/firmware/libraryUpdate.js';
import { signLibraryPackage } from '../../../src/sim/firmware/libraryPackage.js';
import type { FirmwareEvent, LibraryEvent } from '../../../src/sim/firmware/events.js';
import { firmwareInvariantViolations } from '../../../src/sim/firmware/invariants.js';
import type { Pump } from '../../../src/sim/pump/pump.js';
import type { PumpEvent } from '../../../src/sim/trace/events.js';
import { library, makePump, okExec } from '../helpers.js';
import { HOUR, MIN, REBOOT_MS, SWITCH_MS, TRUSTED, VENDOR, WRITE_MS, makeUpdater, release } from './fixtures.js';

const GOOD = release('1.1.0', 2, { minVersion: '1.0.0' });
const BAD = release('1.1.0', 2, { minVersion: '1.0.0', profile: 'fails-self-test-on-lvp' });

function pumpWithUpdates(): Pump {
  return makePump({ firmware: makeUpdater(), libraryUpdates: new LibraryUpdater({ model: 'lvp', trustedKeys: TRUSTED, initial: { library: library(), sequence: 1 } }) });
}

function updates(events: readonly PumpEvent[]): (FirmwareEvent | LibraryEvent)[] {
  return events.flatMap((e) => (e.type === 'UPDATE' ? [e.event] : []));
}

function send(p: Pump, img: Uint8Array, from = 0): void {
  for (const c of chunkImage(img.subarray(from), 1000)) p.firmwareChunk(from + c.offsetBytes, c.bytes);
}

function startInfusion(p: Pump): void {
  okExec(p, { cmd: 'PROGRAM', rateMlPerH: 100, vtbiMl: 500 });
  okExec(p, { cmd: 'START' });
}

function checkInvariants(p: Pump): void {
  expect(firmwareInvariantViolations(p.firmwareStatus()!)).toEqual([]);
}

describe('a firmware update on a pump', () => {
  it('waits while infusing; after STOP it installs, goes OFF for the reboot and comes back on the new version', () => {
    const p = pumpWithUpdates();
    startInfusion(p);
    p.firmwareOffer(GOOD.signed);
    send(p, GOOD.image);
    p.advanceTo(p.nowMs + 30 * MIN);
    expect(p.state).toBe('RUNNING');
    expect(p.firmwareStatus()!.stage).toBe('waiting-idle');
    expect(updates(p.takeEvents()).map((e) => e.type)).not.toContain('install-started');
    okExec(p, { cmd: 'STOP' });
    const stopEvents = updates(p.takeEvents()).map((e) => e.type);
    expect(stopEvents).toContain('install-started');
    p.advanceTo(p.nowMs + SWITCH_MS);
    expect(p.state).toBe('OFF');
    const r = p.execute({ cmd: 'PROGRAM', rateMlPerH: 50, vtbiMl: 100 });
    expect(r.ok).toBe(false);
    p.advanceTo(p.nowMs + REBOOT_MS + 1);
    expect(p.state).toBe('IDLE');
    const info = okExec(p, { cmd: 'INFO' });
    expect(info.fw).toBe('1.1.0');
    expect(info.fwstage).toBe('committed');
    const ev = updates(p.takeEvents()).map((e) => e.type);
    expect(ev).toEqual(expect.arrayContaining(['switched', 'boot', 'self-test', 'committed']));
    checkInvariants(p);
  });

  it('a self-test-failing profile boots 3 times, then the bootloader falls back to the old version', () => {
    const p = pumpWithUpdates();
    p.firmwareOffer(BAD.signed);
    send(p, BAD.image);
    p.advanceTo(p.nowMs + WRITE_MS + SWITCH_MS + 10 * REBOOT_MS);
    const ev = updates(p.takeEvents());
    expect(ev.filter((e) => e.type === 'self-test').map((e) => (e as { result: string }).result)).toEqual(['fail', 'fail', 'fail']);
    expect(ev.find((e) => e.type === 'rolled-back')).toMatchObject({ failedVersion: '1.1.0', version: '1.0.0', attempts: 3 });
    expect(p.state).toBe('IDLE');
    expect(okExec(p, { cmd: 'INFO' }).fw).toBe('1.0.0');
    checkInvariants(p);
  });

  it('refuses a tampered image and keeps running the old one', () => {
    const p = pumpWithUpdates();
    p.firmwareOffer({ ...GOOD.signed, manifest: { ...GOOD.signed.manifest, releaseNotes: 'edited' } });
    expect(updates(p.takeEvents())).toMatchObject([{ type: 'refused', reason: 'bad-signature' }]);
    expect(p.firmwareVersion).toBe('1.0.0');
  });

  describe('power loss at each stage leaves the pump bootable with its program kept', () => {
    const stages: { name: string; reach: (p: Pump) => void }[] = [
      { name: 'downloading', reach: (p) => { p.firmwareOffer(GOOD.signed); p.firmwareChunk(0, GOOD.image.subarray(0, 1000)); } },
      { name: 'writing', reach: (p) => { p.firmwareOffer(GOOD.signed); send(p, GOOD.image); p.advanceTo(p.nowMs + WRITE_MS / 2); } },
      { name: 'waiting-idle', reach: (p) => { p.firmwareOffer(GOOD.signed); send(p, GOOD.image); p.advanceTo(p.nowMs + WRITE_MS + 1); } },
      { name: 'installing', reach: (p) => { p.firmwareOffer(GOOD.signed); send(p, GOOD.image); p.advanceTo(p.nowMs + WRITE_MS + 1); okExec(p, { cmd: 'STOP' }); } },
      { name: 'rebooting', reach: (p) => { p.firmwareOffer(GOOD.signed); send(p, GOOD.image); p.advanceTo(p.nowMs + WRITE_MS + 1); okExec(p, { cmd: 'STOP' }); p.advanceTo(p.nowMs + SWITCH_MS + 1); } },
    ];
    it.each(stages)('$name', ({ name, reach }) => {
      const p = pumpWithUpdates();
      startInfusion(p);
      reach(p);
      expect(p.firmwareStatus()!.stage).toBe(name);
      const programmed = p.status().vtbiMl;
      okExec(p, { cmd: 'INJECT', input: { sensor: 'power', value: 'off' } });
      expect(p.state).toBe('OFF');
      checkInvariants(p);
      p.advanceTo(p.nowMs + MIN);
      okExec(p, { cmd: 'INJECT', input: { sensor: 'power', value: 'on' } });
      p.advanceTo(p.nowMs + 2 * REBOOT_MS);
      checkInvariants(p);
      const boots = updates(p.takeEvents()).filter((e) => e.type === 'boot');
      expect(boots.length).toBeGreaterThan(0);
      for (const b of boots) expect(b).toMatchObject({ programMustBeKept: true });
      // The program survived (if the pump had one when the power went).
      if (p.state !== 'IDLE') expect(p.status().vtbiMl).toBe(programmed);
      // Finish: re-offer (resumes), send the rest, stop any infusion: the update commits.
      if (p.firmwareStatus()!.stage === 'downloading') {
        p.firmwareOffer(GOOD.signed);
        send(p, GOOD.image, p.firmwareStatus()!.job?.receivedBytes ?? 0);
      }
      if (p.state !== 'IDLE' && p.state !== 'OFF') p.execute({ cmd: 'STOP' });
      p.advanceTo(p.nowMs + WRITE_MS + SWITCH_MS + 3 * REBOOT_MS);
      expect(p.firmwareVersion).toBe('1.1.0');
      expect(p.firmwareStatus()!.stage).toBe('committed');
      checkInvariants(p);
    });
  });
});

describe('a drug library update on a pump', () => {
  it('activates only when no infusion runs', () => {
    const p = pumpWithUpdates();
    const next = { ...library(), version: '2099.1' };
    const pkg = signLibraryPackage({ format: 'infusim-druglib-pkg/1', library: next, sequence: 2, issuedMs: 0, expiresMs: 30 * 86_400_000, hardwareModels: ['lvp'], keyId: VENDOR.keyId }, VENDOR.privateKey);
    startInfusion(p);
    p.libraryOffer(pkg);
    p.advanceTo(p.nowMs + HOUR);
    expect(updates(p.takeEvents()).map((e) => e.type)).toEqual(['library-queued']);
    expect(okExec(p, { cmd: 'INFO' }).lib).not.toContain('2099.1');
    expect(okExec(p, { cmd: 'INFO' }).libq).toContain('2099.1');
    okExec(p, { cmd: 'STOP' });
    expect(updates(p.takeEvents()).map((e) => e.type)).toContain('library-activated');
    expect(okExec(p, { cmd: 'INFO' }).lib).toContain('2099.1');
  });
});
