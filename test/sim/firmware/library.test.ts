/** Drug library packages: signed, versioned, queued, activated only when no infusion runs. */
import { describe, expect, it } from 'vitest';
import type { DrugLibrary } from '../../../src/sim/druglib/schema.js';
import { formatUpdateEvent } from '../../../src/sim/firmware/events.js';
import { LIBRARY_PACKAGE_FORMAT, LIBRARY_SIGNING_TAG, signLibraryPackage, verifyLibraryPackage, type LibraryPackage } from '../../../src/sim/firmware/libraryPackage.js';
import { LibraryUpdater } from '../../../src/sim/firmware/libraryUpdate.js';
import { FIRMWARE_SIGNING_TAG } from '../../../src/sim/firmware/manifest.js';
import { signDetached } from '../../../src/sim/firmware/signing.js';
import { library } from '../helpers.js';
import { DAY, HOUR, ROGUE, TRUSTED, VENDOR } from './fixtures.js';

const base = library();

function lib(version: string): DrugLibrary {
  return { ...structuredClone(base), version };
}

function pkg(version: string, sequence: number, over: Partial<LibraryPackage> = {}): LibraryPackage {
  return { format: LIBRARY_PACKAGE_FORMAT, library: lib(version), sequence, issuedMs: 0, expiresMs: 30 * DAY, hardwareModels: ['lvp', 'syringe'], keyId: VENDOR.keyId, ...over };
}

function makeLibUpdater(): LibraryUpdater {
  return new LibraryUpdater({ model: 'lvp', trustedKeys: TRUSTED, initial: { library: lib('2024.1'), sequence: 1 }, maxWaitMs: HOUR });
}

const NAME = base.name;

describe('drug library packages', () => {
  it('a signed package is queued, waits while an infusion runs, and is activated when idle', () => {
    const u = makeLibUpdater();
    expect(u.report()).toMatchObject({ active: `${NAME}@2024.1`, queued: undefined });
    expect(u.offer(0, signLibraryPackage(pkg('2024.2', 2), VENDOR.privateKey))).toEqual([
      { type: 'library-queued', tMs: 0, library: `${NAME}@2024.2`, sequence: 2, signatureVerified: true },
    ]);
    expect(u.report()).toMatchObject({ active: `${NAME}@2024.1`, queued: `${NAME}@2024.2`, queuedSequence: 2 });
    expect(u.activateIfIdle(1000, true)).toEqual([]);
    expect(u.activeLibrary()?.version).toBe('2024.1');
    expect(u.activateIfIdle(2000, false)).toEqual([{ type: 'library-activated', tMs: 2000, library: `${NAME}@2024.2`, previous: `${NAME}@2024.1` }]);
    expect(u.report()).toMatchObject({ active: `${NAME}@2024.2`, activeSequence: 2, activeSignatureVerified: true, queued: undefined });
    expect(u.activeLibrary()?.version).toBe('2024.2');
    expect(u.activateIfIdle(3000, false)).toEqual([]);
  });

  it('a package queued behind a long infusion is reported deferred once, stays queued, and activates at the next idle moment', () => {
    const u = makeLibUpdater();
    u.offer(0, signLibraryPackage(pkg('2024.2', 2), VENDOR.privateKey));
    expect(u.nextWakeMs()).toBe(HOUR);
    expect(u.activateIfIdle(HOUR - 1, true)).toEqual([]);
    expect(u.activateIfIdle(HOUR, true)).toEqual([{ type: 'library-deferred', tMs: HOUR, library: `${NAME}@2024.2`, waitedMs: HOUR }]);
    expect(u.activateIfIdle(2 * HOUR, true)).toEqual([]);
    expect(u.nextWakeMs()).toBe(Infinity);
    expect(u.report()).toMatchObject({ queued: `${NAME}@2024.2`, deferred: true });
    expect(u.activateIfIdle(3 * HOUR, false)).toMatchObject([{ type: 'library-activated' }]);
  });

  it('a newer package supersedes the queued one; the same package again is a duplicate', () => {
    const u = makeLibUpdater();
    const a = signLibraryPackage(pkg('2024.2', 2), VENDOR.privateKey);
    u.offer(0, a);
    expect(u.offer(1, a)).toEqual([{ type: 'library-duplicate', tMs: 1, library: `${NAME}@2024.2`, sequence: 2 }]);
    expect(u.offer(2, signLibraryPackage(pkg('2024.3', 3), VENDOR.privateKey)).map((e) => e.type)).toEqual(['library-superseded', 'library-queued']);
    expect(u.report().queued).toBe(`${NAME}@2024.3`);
  });

  it('refusals: bad signature, unknown key, malformed, replayed, stale, wrong model; nothing refused is queued', () => {
    const u = makeLibUpdater();
    const good = signLibraryPackage(pkg('2024.2', 2), VENDOR.privateKey);
    const reason = (signed: unknown, nowMs = 0): string | undefined => {
      const e = u.offer(nowMs, signed)[0];
      return e?.type === 'library-refused' ? e.reason : e?.type;
    };
    // A dose limit raised after signing.
    const tampered = structuredClone(good);
    const drug = tampered.package.library.careAreas[0]!.drugs[0]!;
    drug.limits.doseRate.upperHard = (drug.limits.doseRate.upperHard ?? 1) * 10;
    expect(reason(tampered)).toBe('bad-signature');
    expect(reason({ package: good.package })).toBe('bad-signature');
    expect(reason(signLibraryPackage(pkg('2024.2', 2, { keyId: ROGUE.keyId }), ROGUE.privateKey))).toBe('unknown-key');
    // Signed, but the library inside is not valid (upper hard below upper soft).
    const broken = pkg('2024.2', 2) as unknown as { library: { careAreas: { drugs: { limits: { doseRate: Record<string, number> } }[] }[] } };
    broken.library.careAreas[0]!.drugs[0]!.limits.doseRate = { upperSoft: 10, upperHard: 5 };
    expect(reason({ package: broken, signature: signDetached(LIBRARY_SIGNING_TAG, broken, VENDOR.privateKey) })).toBe('malformed');
    expect(reason(signLibraryPackage(pkg('2024.0', 1), VENDOR.privateKey))).toBe('replayed-manifest');
    expect(reason(signLibraryPackage(pkg('2024.2', 2, { expiresMs: DAY }), VENDOR.privateKey), DAY + 1)).toBe('stale-manifest');
    expect(reason(signLibraryPackage(pkg('2024.2', 2, { hardwareModels: ['syringe'] }), VENDOR.privateKey), DAY + 2)).toBe('wrong-model');
    // A firmware-tag signature over a library package does not verify (domain separation).
    expect(reason({ package: good.package, signature: signDetached(FIRMWARE_SIGNING_TAG, good.package, VENDOR.privateKey) }, DAY + 3)).toBe('bad-signature');
    expect(u.report()).toMatchObject({ queued: undefined, lastSequence: 1, lastRefusal: { reason: 'bad-signature' } });
    // The genuine package still goes through.
    expect(reason(good, DAY + 4)).toBe('library-queued');
  });

  it('a firmware that accepts unsigned libraries queues a forged one and says so (CVE-2015-3956)', () => {
    const u = makeLibUpdater();
    const forged = { package: pkg('evil', 5, { keyId: ROGUE.keyId }) };
    const events = u.offer(0, forged, { acceptUnsigned: true, profile: 'accepts-unsigned-images' });
    expect(events.map(formatUpdateEvent)).toEqual([
      `lib library-queued t=0 library="${NAME}@evil" sequence=5 signatureVerified=0`,
      `lib library-unsigned-accepted t=0 library="${NAME}@evil" profile=accepts-unsigned-images`,
    ]);
    u.activateIfIdle(1, false);
    expect(u.report()).toMatchObject({ active: `${NAME}@evil`, activeSignatureVerified: false });
  });

  it('verification is deterministic and independent of key order in the JSON', () => {
    const a = signLibraryPackage(pkg('2024.2', 2), VENDOR.privateKey);
    const reordered = JSON.parse(JSON.stringify({ signature: a.signature, package: Object.fromEntries(Object.entries(a.package).reverse()) })) as unknown;
    expect(verifyLibraryPackage(reordered, TRUSTED)).toMatchObject({ ok: true, signatureVerified: true });
    expect(signLibraryPackage(pkg('2024.2', 2), VENDOR.privateKey).signature).toBe(a.signature);
  });
});
