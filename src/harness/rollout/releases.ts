/**
 * The vendor side of a rehearsal: signing keys derived from the run seed, factory images, the
 * releases a scenario declares (and their tampered variants, one per refusal case), drug library
 * packages, and the update server that offers them to pumps and streams the image in chunks once
 * a pump accepts. Updates travel as messages through the Network like any other down message.
 */
import { createHash, type KeyObject } from 'node:crypto';
import { buildImage, buildRelease, buildUnsignedRelease, keyIdOf, signLibraryPackage, type Release, type Signer } from '../../sim/firmware/index.js';
import type { FirmwareEvent } from '../../sim/firmware/events.js';
import type { SignedFirmwareManifest } from '../../sim/firmware/manifest.js';
import type { ProfileId } from '../../sim/firmware/profiles.js';
import type { SignedLibraryPackage } from '../../sim/firmware/libraryPackage.js';
import type { DrugLibrary } from '../../sim/druglib/schema.js';
import { ed25519FromSeed } from '../../sim/security/remoteCommand.js';
import type { UpdatePayload } from '../link/messages.js';
import type { HardwareModel } from './types.js';
import type { TamperKind } from '../scenario/tamperKinds.js';
import { buildSbomJson, sbomSha256 } from '../sbom/build.js';

/** The SHA-256 of the SBOM of an image (docs/inventory.md#sbom): every release's manifest carries it. */
function sbomHashOf(model: HardwareModel, version: string, profile: ProfileId): string {
  return sbomSha256(buildSbomJson({ model, version, profile }));
}

export { TAMPER_KINDS, type TamperKind } from '../scenario/tamperKinds.js';

/** A year: how long a release manifest stays fresh unless the scenario says otherwise. */
export const DEFAULT_EXPIRES_MS = 365 * 86_400_000;
export const FACTORY_IMAGE_BYTES = 4096;
export const CHUNK_BYTES = 8192;

export interface ReleaseDef {
  id: string;
  version: string;
  models: readonly HardwareModel[];
  profile: ProfileId;
  minVersion?: string | undefined;
  sizeBytes: number;
  notes: string;
  tamper: TamperKind;
  expiresMs?: number | undefined;
  /** Its place in the scenario's `releases:` (default: its place in the list given): its sequence is this + 1. */
  position?: number | undefined;
}

export interface BuiltImage {
  signed: SignedFirmwareManifest;
  image: Uint8Array;
  /** How many bytes the server sends before its end-of-image (fewer than the image when truncated). */
  sendBytes: number;
}

export interface BuiltRelease {
  def: ReleaseDef;
  sequence: number;
  byModel: Map<HardwareModel, BuiltImage>;
}

export interface VendorKeys {
  signer: Signer;
  publicKey: KeyObject;
  trusted: ReadonlyMap<string, KeyObject>;
  /** A key no pump trusts (the unknown-key case). */
  rogue: Signer;
}

function seeded(seed: number, label: string): Uint8Array {
  return new Uint8Array(createHash('sha256').update(`infusim-vendor-key/1|${seed >>> 0}|${label}`).digest());
}

/** The vendor's signing key and a rogue key, derived from the run seed (deterministic). */
export function vendorKeys(seed: number): VendorKeys {
  const v = ed25519FromSeed(seeded(seed, 'vendor'));
  const r = ed25519FromSeed(seeded(seed, 'rogue'));
  const signer = { keyId: keyIdOf(v.publicKey), privateKey: v.privateKey };
  return { signer, publicKey: v.publicKey, trusted: new Map([[signer.keyId, v.publicKey]]), rogue: { keyId: keyIdOf(r.publicKey), privateKey: r.privateKey } };
}

const factoryCache = new Map<string, SignedFirmwareManifest>();

/** The factory image's signed manifest (sequence 0, floor = its version). */
export function factoryManifest(keys: VendorKeys, version: string, model: HardwareModel, profile: ProfileId): SignedFirmwareManifest {
  const key = `${keys.signer.keyId}|${version}|${model}|${profile}`;
  let m = factoryCache.get(key);
  if (!m) {
    m = buildRelease({ version, hardwareModel: model, sizeBytes: FACTORY_IMAGE_BYTES, sequence: 0, issuedMs: 0, expiresMs: DEFAULT_EXPIRES_MS * 10, profile, variant: 'factory', sbomSha256: sbomHashOf(model, version, profile) }, keys.signer).signed;
    factoryCache.set(key, m);
  }
  return m;
}

/** Build every release: sequences follow the list order (1, 2, ...), a replayed manifest reuses 0. */
export function buildReleases(defs: readonly ReleaseDef[], keys: VendorKeys): Map<string, BuiltRelease> {
  const out = new Map<string, BuiltRelease>();
  defs.forEach((def, i) => {
    const sequence = def.tamper === 'replayed' ? 0 : (def.position ?? i) + 1;
    const byModel = new Map<HardwareModel, BuiltImage>();
    for (const model of def.models) byModel.set(model, buildOne(def, model, sequence, keys));
    out.set(def.id, { def, sequence, byModel });
  });
  return out;
}

function buildOne(def: ReleaseDef, model: HardwareModel, sequence: number, keys: VendorKeys): BuiltImage {
  const other: HardwareModel = model === 'lvp' ? 'syringe' : 'lvp';
  const stale = def.tamper === 'stale';
  const spec = {
    version: def.version,
    hardwareModel: def.tamper === 'wrong-model' ? other : model,
    sizeBytes: def.sizeBytes,
    sequence,
    issuedMs: 0,
    expiresMs: stale ? 1_000 : (def.expiresMs ?? DEFAULT_EXPIRES_MS),
    minVersion: def.minVersion,
    releaseNotes: def.notes,
    profile: def.profile,
    sbomSha256: sbomHashOf(model, def.version, def.profile),
  };
  let r: Release;
  switch (def.tamper) {
    case 'unknown-key':
      r = buildRelease(spec, keys.rogue);
      break;
    case 'unsigned':
      r = buildUnsignedRelease(spec, keys.signer.keyId);
      break;
    case 'bad-signature': {
      const good = buildRelease(spec, keys.signer);
      // Changed after signing: the signature no longer covers what is sent.
      r = { ...good, signed: { ...good.signed, manifest: { ...good.signed.manifest, releaseNotes: `${good.signed.manifest.releaseNotes} (edited after signing)` } } };
      break;
    }
    case 'hash-mismatch': {
      const good = buildRelease(spec, keys.signer);
      r = { signed: good.signed, image: buildImage({ ...spec, variant: 'tampered' }) };
      break;
    }
    default:
      r = buildRelease(spec, keys.signer);
  }
  const sendBytes = def.tamper === 'truncated' ? Math.floor(r.image.length / 2) : r.image.length;
  return { signed: r.signed, image: r.image, sendBytes };
}

/**
 * A release made beforehand with `infusim firmware build|sign` and checked when the scenario loaded
 * (src/harness/releaseFiles): its one image, for the model, version, profile and sequence its
 * signed manifest names, sent as it is.
 */
export function fileRelease(id: string, signed: SignedFirmwareManifest, image: Uint8Array): BuiltRelease {
  const m = signed.manifest;
  const def: ReleaseDef = { id, version: m.version, models: [m.hardwareModel], profile: m.profile, minVersion: m.minVersion, sizeBytes: m.sizeBytes, notes: m.releaseNotes, tamper: 'none', expiresMs: m.expiresMs };
  return { def, sequence: m.sequence, byModel: new Map([[m.hardwareModel, { signed, image, sendBytes: image.length }]]) };
}

export interface LibraryDef {
  id: string;
  library: DrugLibrary;
  models: readonly HardwareModel[];
  tamper: 'none' | 'bad-signature' | 'unknown-key';
}

export function buildLibraryPackages(defs: readonly LibraryDef[], keys: VendorKeys): Map<string, SignedLibraryPackage> {
  const out = new Map<string, SignedLibraryPackage>();
  defs.forEach((d, i) => {
    const signer = d.tamper === 'unknown-key' ? keys.rogue : keys.signer;
    const pkg = { format: 'infusim-druglib-pkg/1' as const, library: d.library, sequence: i + 1, issuedMs: 0, expiresMs: DEFAULT_EXPIRES_MS, hardwareModels: [...d.models], keyId: signer.keyId };
    const signed = signLibraryPackage(pkg, signer.privateKey);
    out.set(d.id, d.tamper === 'bad-signature' ? { ...signed, package: { ...signed.package, sequence: signed.package.sequence + 100 } } : signed);
  });
  return out;
}

/**
 * The update server: offers a release's manifest for a pump's model, and when the pump accepts
 * (`offer-accepted` with its resume offset) streams the image from there in chunks, then an
 * end-of-image when it sends less than the whole (a truncated transfer).
 */
export class UpdateServer {
  private readonly current = new Map<string, string>();
  /** Offers, chunks and libraries sent (for the report). */
  readonly stats = { offers: 0, chunks: 0, bytes: 0, libraryOffers: 0 };

  constructor(
    private readonly releases: ReadonlyMap<string, BuiltRelease>,
    private readonly libraries: ReadonlyMap<string, SignedLibraryPackage>,
    private readonly modelOf: (pumpId: string) => HardwareModel,
    private readonly send: (pumpId: string, payload: UpdatePayload) => void,
    private readonly chunkBytes = CHUNK_BYTES,
  ) {}

  offer(pumpId: string, releaseId: string): void {
    const img = this.image(pumpId, releaseId);
    if (!img) return;
    this.current.set(pumpId, releaseId);
    this.stats.offers++;
    this.send(pumpId, { op: 'fw-offer', signed: img.signed });
  }

  cancel(pumpId: string): void {
    this.send(pumpId, { op: 'fw-cancel' });
  }

  offerLibrary(pumpId: string, libraryId: string): void {
    const pkg = this.libraries.get(libraryId);
    if (!pkg) return;
    this.stats.libraryOffers++;
    this.send(pumpId, { op: 'lib-offer', signed: pkg });
  }

  /** A pump's update event: stream the image once it accepts an offer. */
  onUpdate(pumpId: string, e: FirmwareEvent): void {
    if (e.type !== 'offer-accepted') return;
    const releaseId = this.current.get(pumpId);
    const img = releaseId !== undefined ? this.image(pumpId, releaseId) : undefined;
    if (!img || img.signed.manifest.version !== e.version) return;
    for (let off = e.resumeFromOffset; off < img.sendBytes; off += this.chunkBytes) {
      const bytes = img.image.subarray(off, Math.min(img.sendBytes, off + this.chunkBytes));
      this.stats.chunks++;
      this.stats.bytes += bytes.length;
      this.send(pumpId, { op: 'fw-chunk', offsetBytes: off, dataB64: Buffer.from(bytes).toString('base64') });
    }
    if (img.sendBytes < img.image.length) this.send(pumpId, { op: 'fw-end' });
  }

  private image(pumpId: string, releaseId: string): BuiltImage | undefined {
    const r = this.releases.get(releaseId);
    if (!r) return undefined;
    return r.byModel.get(this.modelOf(pumpId));
  }
}
