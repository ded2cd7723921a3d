import { describe, expect, it } from 'vitest';
import { buildImage, chunkImage, sha256Hex } from '../../../src/sim/firmware/image.js';
import { LIBRARY_SIGNING_TAG } from '../../../src/sim/firmware/libraryPackage.js';
import { firmwareManifestSchema, offerDigest, signManifest, verifyManifest } from '../../../src/sim/firmware/manifest.js';
import { buildUnsignedRelease } from '../../../src/sim/firmware/release.js';
import { canonicalJson, keyIdOf, signDetached } from '../../../src/sim/firmware/signing.js';
import { compareVersions, isVersion, maxVersion } from '../../../src/sim/firmware/version.js';
import { ROGUE, TRUSTED, VENDOR, VENDOR_PUBLIC, release } from './fixtures.js';

describe('versions', () => {
  it('compare numerically, part by part', () => {
    expect(compareVersions('1.10.0', '1.9.9')).toBe(1);
    expect(compareVersions('2.0.0', '2.0.0')).toBe(0);
    expect(compareVersions('0.9.12', '1.0.0')).toBe(-1);
    expect(maxVersion('1.2.3', '1.3.0')).toBe('1.3.0');
  });

  it('refuse texts that cannot be ordered safely', () => {
    for (const bad of ['1.0', '1.0.0-rc1', '01.0.0', 'v1.0.0', '1.0.0.0', '']) expect(isVersion(bad)).toBe(false);
    expect(() => compareVersions('1.0', '1.0.0')).toThrow(RangeError);
  });
});

describe('canonical JSON', () => {
  it('sorts keys at every level, drops undefined members and keeps array order', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, 1], c: 'x' }, u: undefined })).toBe('{"a":{"c":"x","d":[3,1]},"b":1}');
  });

  it('refuses what JSON cannot carry', () => {
    expect(() => canonicalJson({ a: Number.NaN })).toThrow(RangeError);
    expect(() => canonicalJson({ a: () => 1 })).toThrow(TypeError);
  });
});

describe('simulated images', () => {
  it('are deterministic, sized, and differ by model, version and variant', () => {
    const a = buildImage({ version: '1.0.0', hardwareModel: 'lvp', sizeBytes: 1000 });
    expect(a.length).toBe(1000);
    expect(sha256Hex(a)).toBe(sha256Hex(buildImage({ version: '1.0.0', hardwareModel: 'lvp', sizeBytes: 1000 })));
    expect(sha256Hex(a)).not.toBe(sha256Hex(buildImage({ version: '1.0.0', hardwareModel: 'syringe', sizeBytes: 1000 })));
    expect(sha256Hex(a)).not.toBe(sha256Hex(buildImage({ version: '1.0.1', hardwareModel: 'lvp', sizeBytes: 1000 })));
    expect(sha256Hex(a)).not.toBe(sha256Hex(buildImage({ version: '1.0.0', hardwareModel: 'lvp', sizeBytes: 1000, variant: 'x' })));
    expect(() => buildImage({ version: '1.0.0', hardwareModel: 'lvp', sizeBytes: 0 })).toThrow(RangeError);
  });

  it('chunk into views that cover the image exactly', () => {
    const img = buildImage({ version: '1.0.0', hardwareModel: 'lvp', sizeBytes: 2500 });
    const chunks = chunkImage(img, 1000);
    expect(chunks.map((c) => [c.offsetBytes, c.bytes.length])).toEqual([
      [0, 1000],
      [1000, 1000],
      [2000, 500],
    ]);
  });
});

describe('manifest signatures (Ed25519 over canonical JSON)', () => {
  const r = release('1.1.0', 2);

  it('a manifest signed by a trusted key verifies; signatures are deterministic', () => {
    const v = verifyManifest(r.signed, TRUSTED);
    expect(v).toEqual({ ok: true, manifest: r.signed.manifest, signatureVerified: true });
    expect(release('1.1.0', 2).signed.signature).toBe(r.signed.signature);
    expect(r.signed.manifest.keyId).toBe(keyIdOf(VENDOR_PUBLIC));
  });

  it('any change to a signed field breaks the signature', () => {
    for (const change of [{ version: '9.9.9' }, { releaseNotes: 'changed' }, { profile: 'accepts-unsigned-images' }, { sequence: 99 }, { expiresMs: 1e12 }]) {
      const v = verifyManifest({ ...r.signed, manifest: { ...r.signed.manifest, ...change } }, TRUSTED);
      expect(v.ok ? 'accepted' : v.reason).toBe('bad-signature');
    }
  });

  it('unsigned, forged and unknown-key manifests are refused with their reason', () => {
    const unsigned = buildUnsignedRelease({ version: '1.1.0', sequence: 2, hardwareModel: 'lvp', sizeBytes: 100, issuedMs: 0, expiresMs: 1000 }, VENDOR.keyId);
    expect(verifyManifest(unsigned.signed, TRUSTED)).toMatchObject({ ok: false, reason: 'bad-signature', detail: 'no signature' });
    // Signed by the rogue key but claiming the vendor's key id.
    const forged = { manifest: r.signed.manifest, signature: signManifest(r.signed.manifest, ROGUE.privateKey).signature };
    expect(verifyManifest(forged, TRUSTED)).toMatchObject({ ok: false, reason: 'bad-signature' });
    const rogue = release('1.1.0', 2, {}, ROGUE);
    expect(verifyManifest(rogue.signed, TRUSTED)).toMatchObject({ ok: false, reason: 'unknown-key' });
    expect(verifyManifest({ ...r.signed, signature: 'not base64' }, TRUSTED)).toMatchObject({ ok: false, reason: 'bad-signature' });
  });

  it('a signature made for a drug library package is not valid for a manifest (domain separation)', () => {
    const crossSig = signDetached(LIBRARY_SIGNING_TAG, r.signed.manifest, VENDOR.privateKey);
    expect(verifyManifest({ manifest: r.signed.manifest, signature: crossSig }, TRUSTED)).toMatchObject({ ok: false, reason: 'bad-signature' });
  });

  it('malformed manifests are refused after the signature check, with the field named', () => {
    const { releaseNotes: _n, ...rest } = r.signed.manifest;
    const sig = signDetached('infusim-fw-manifest/1', rest, VENDOR.privateKey);
    expect(verifyManifest({ manifest: rest, signature: sig }, TRUSTED)).toMatchObject({ ok: false, reason: 'malformed', detail: expect.stringContaining('releaseNotes') });
    expect(verifyManifest(null, TRUSTED)).toMatchObject({ ok: false, reason: 'malformed' });
    expect(verifyManifest({ manifest: 'x', signature: r.signed.signature }, TRUSTED)).toMatchObject({ ok: false, reason: 'malformed' });
  });

  it('the schema refuses a floor above the version, an empty validity window and oversized images', () => {
    const m = r.signed.manifest;
    expect(firmwareManifestSchema.safeParse({ ...m, minVersion: '2.0.0' }).success).toBe(false);
    expect(firmwareManifestSchema.safeParse({ ...m, expiresMs: m.issuedMs }).success).toBe(false);
    expect(firmwareManifestSchema.safeParse({ ...m, sizeBytes: 1e9 }).success).toBe(false);
    expect(firmwareManifestSchema.safeParse({ ...m, extra: 1 }).success).toBe(false);
    expect(() => signManifest({ ...m, minVersion: '2.0.0' }, VENDOR.privateKey)).toThrow();
  });

  it('the weak verification accepts an unauthentic manifest and says it was not verified', () => {
    const rogue = release('1.1.0', 2, {}, ROGUE);
    expect(verifyManifest(rogue.signed, TRUSTED, { acceptUnsigned: true })).toMatchObject({ ok: true, signatureVerified: false });
    expect(verifyManifest(r.signed, TRUSTED, { acceptUnsigned: true })).toMatchObject({ ok: true, signatureVerified: true });
    expect(verifyManifest({ manifest: { format: 'nope' } }, TRUSTED, { acceptUnsigned: true })).toMatchObject({ ok: false, reason: 'malformed' });
  });

  it('the offer digest tells the same offer from another', () => {
    expect(offerDigest(r.signed)).toBe(offerDigest(release('1.1.0', 2).signed));
    expect(offerDigest(r.signed)).not.toBe(offerDigest(release('1.1.0', 3).signed));
  });
});
