/** Every refusal of a firmware update, each reported with its reason and changing nothing it should not. */
import { describe, expect, it } from 'vitest';
import type { FirmwareEvent } from '../../../src/sim/firmware/events.js';
import { buildImage } from '../../../src/sim/firmware/image.js';
import { buildUnsignedRelease } from '../../../src/sim/firmware/release.js';
import { CHUNK_BYTES, DAY, IMAGE_BYTES, ROGUE, VENDOR, expectInvariants, installGood, makeUpdater, release, sendRest, types } from './fixtures.js';

function refusal(events: readonly FirmwareEvent[]): string | undefined {
  const r = events.find((e) => e.type === 'refused');
  return r?.type === 'refused' ? r.reason : undefined;
}

describe('firmware offers refused before a byte is downloaded', () => {
  it('bad signature: tampered, unsigned or forged', () => {
    const u = makeUpdater();
    const r = release('1.1.0', 2);
    const before = u.status();
    expect(refusal(u.offer(0, { ...r.signed, manifest: { ...r.signed.manifest, profile: 'accepts-unsigned-images' } }))).toBe('bad-signature');
    expect(refusal(u.offer(0, buildUnsignedRelease({ version: '1.1.0', sequence: 2, hardwareModel: 'lvp', sizeBytes: 100, issuedMs: 0, expiresMs: DAY }, VENDOR.keyId).signed))).toBe('bad-signature');
    expect(u.stage).toBe('refused');
    expect(u.status().lastRefusal?.reason).toBe('bad-signature');
    // Nothing consumed: the genuine offer is still accepted afterwards.
    expect(u.status().lastSequence).toBe(before.lastSequence);
    expect(types(u.offer(0, r.signed))).toEqual(['offer-accepted']);
  });

  it('unknown key', () => {
    const u = makeUpdater();
    const e = u.offer(0, release('1.1.0', 2, {}, ROGUE).signed);
    expect(e).toMatchObject([{ type: 'refused', reason: 'unknown-key', version: undefined }]);
  });

  it('malformed manifest', () => {
    const u = makeUpdater();
    expect(refusal(u.offer(0, { manifest: { hello: 1 }, signature: 'x' }))).toBe('malformed'); // no keyId to check against
    expect(refusal(u.offer(0, 'not a manifest'))).toBe('malformed');
  });

  it('wrong hardware model (mix-and-match)', () => {
    const u = makeUpdater({ model: 'syringe' });
    const e = u.offer(0, release('1.1.0', 2).signed);
    expect(e).toMatchObject([{ type: 'refused', reason: 'wrong-model', version: '1.1.0', sequence: 2 }]);
  });

  it('version below the floor (anti-rollback)', () => {
    const u = makeUpdater({ factoryVersion: '3.0.0' });
    expect(refusal(u.offer(0, release('2.9.9', 2).signed))).toBe('below-floor');
  });

  it('replayed manifest: a sequence not above the last accepted', () => {
    const u = makeUpdater();
    expect(refusal(u.offer(0, release('1.1.0', 1).signed))).toBe('replayed-manifest');
    expect(refusal(u.offer(0, release('1.1.0', 0).signed))).toBe('replayed-manifest');
  });

  it('stale manifest: past its expiry (freeze)', () => {
    const u = makeUpdater();
    const r = release('1.1.0', 2, { issuedMs: 0, expiresMs: DAY });
    expect(refusal(u.offer(DAY + 1, r.signed))).toBe('stale-manifest');
  });

  it('busy: another update is in progress; nothing is consumed and the download goes on', () => {
    const u = makeUpdater();
    const a = release('1.1.0', 2);
    u.offer(0, a.signed);
    u.receiveChunk(0, 0, a.image.subarray(0, CHUNK_BYTES));
    expect(refusal(u.offer(0, release('1.2.0', 3).signed))).toBe('busy');
    expect(u.status().lastSequence).toBe(2);
    expect(u.status().job).toMatchObject({ version: '1.1.0', receivedBytes: CHUNK_BYTES, sessionOpen: true });
    // A forged offer during a download is refused and does not disturb it either.
    expect(refusal(u.offer(0, release('9.0.0', 9, {}, ROGUE).signed))).toBe('unknown-key');
    expect(u.stage).toBe('downloading');
  });
});

describe('firmware images refused after the download', () => {
  it('hash mismatch: the bytes are not the manifest image (tampered or corrupted)', () => {
    const u = makeUpdater();
    const r = release('1.1.0', 2);
    const other = buildImage({ version: '1.1.0', hardwareModel: 'lvp', sizeBytes: IMAGE_BYTES, variant: 'tampered' });
    u.offer(0, r.signed);
    const e = sendRest(u, 0, other);
    expect(refusal(e)).toBe('hash-mismatch');
    expect(u.stage).toBe('refused');
    expect(u.status().slots.B.content).toBe('empty'); // the inactive slot was never touched
    expectInvariants(u);
    // The same authentic offer starts the download again from 0, and the right bytes go through.
    expect(u.offer(1, r.signed)).toMatchObject([{ type: 'offer-accepted', resumeFromOffset: 0 }]);
    expect(types(sendRest(u, 1, r.image))).toEqual(['verified', 'write-started']);
  });

  it('truncated image: the transfer ends short of the manifest size', () => {
    const u = makeUpdater();
    const r = release('1.1.0', 2);
    u.offer(0, r.signed);
    u.receiveChunk(0, 0, r.image.subarray(0, 3000));
    expect(u.endOfImage(0)).toMatchObject([{ type: 'refused', reason: 'truncated-image', detail: '3000 of 4096 bytes' }]);
    expectInvariants(u);
  });

  it('oversized image: more bytes than the manifest says (endless data)', () => {
    const u = makeUpdater();
    const r = release('1.1.0', 2);
    u.offer(0, r.signed);
    u.receiveChunk(0, 0, r.image.subarray(0, 4000));
    expect(refusal(u.receiveChunk(0, 4000, new Uint8Array(200)))).toBe('oversized-image');
  });

  it('an image never installs over the floor raised by a committed release', () => {
    const u = makeUpdater();
    const t = installGood(u, release('2.0.0', 2, { minVersion: '2.0.0' }), 0);
    expect(u.status().floorVersion).toBe('2.0.0');
    expect(refusal(u.offer(t, release('1.9.0', 3).signed))).toBe('below-floor');
  });
});
