/** Firmware and drug library updates on the pump side (docs/firmware.md). */
export { HARDWARE_MODELS, type HardwareModel } from './hardware.js';
export { compareVersions, isVersion, maxVersion, parseVersion } from './version.js';
export { canonicalJson, checkSignature, keyIdOf, signDetached, signingBytes, type SignatureVerdict } from './signing.js';
export { REFUSAL_REASONS, type Refusal, type RefusalReason } from './refusals.js';
export {
  FIRMWARE_MANIFEST_FORMAT,
  FIRMWARE_SIGNING_TAG,
  MAX_IMAGE_SIZE_BYTES,
  firmwareManifestSchema,
  manifestSigningBytes,
  offerDigest,
  signManifest,
  verifyManifest,
  type FirmwareManifest,
  type ManifestVerdict,
  type SignedFirmwareManifest,
  type VerifyManifestOptions,
} from './manifest.js';
export { buildImage, chunkImage, sha256Hex, type ImageChunk, type ImageSpec } from './image.js';
export { buildRelease, buildUnsignedRelease, releaseManifest, type Release, type ReleaseSpec, type Signer } from './release.js';
export { PROFILES, PROFILE_IDS, isProfileId, profileById, profileWeaknesses, selfTestVerdict, type BehaviourProfile, type Credential, type ProfileId } from './profiles.js';
export { checkFreshness, checkOfferPolicy, checkSequence, type OfferContext } from './policy.js';
export { EMPTY_SLOT, MAX_BOOT_ATTEMPTS, decideBoot, otherSlot, type BootDecision, type BootEnv, type SlotId, type SlotRecord } from './slots.js';
export { formatUpdateEvent, libraryLabel, type FirmwareEvent, type IgnoredWhat, type LibraryEvent, type UpdateStage } from './events.js';
export { FirmwareUpdater, type BootReport, type FirmwareUpdaterOptions, type UpdaterStatus } from './updater.js';
export {
  LIBRARY_PACKAGE_FORMAT,
  LIBRARY_SIGNING_TAG,
  libraryPackageSchema,
  packageDigest,
  signLibraryPackage,
  verifyLibraryPackage,
  type LibraryPackage,
  type PackageVerdict,
  type SignedLibraryPackage,
} from './libraryPackage.js';
export { LibraryUpdater, type LibraryOfferOptions, type LibraryReport, type LibraryUpdaterOptions } from './libraryUpdate.js';
export { firmwareInvariantViolations, firmwareStepViolations } from './invariants.js';
