/**
 * Behaviour profiles: what a firmware version does, as data, so that a rehearsal can run a fleet
 * on a version with a known weakness from the published advisories and watch a later version fix
 * it. A manifest names the profile its version runs; the pump reads the fields below. Each
 * weakness profile differs from `secure` in exactly one class. docs/firmware.md lists them.
 */
import type { HardwareModel } from './hardware.js';

export const PROFILE_IDS = [
  'secure',
  'accepts-unsigned-images',
  'default-credential',
  'unauthenticated-commands',
  'dosing-bug',
  'alarm-bug',
  'fails-self-test-on-lvp',
  'fails-self-test-on-syringe',
] as const;

export type ProfileId = (typeof PROFILE_IDS)[number];

export interface Credential {
  readonly username: string;
  readonly password: string;
}

export interface BehaviourProfile {
  readonly id: ProfileId;
  /** The weakness class the profile models ('none' for secure). */
  readonly weaknessClass: string;
  readonly summary: string;
  /** Advisories (CVE ids) of the class; illustrative, not a claim about a product. */
  readonly advisories: readonly string[];
  /** Firmware images are installed without checking their signature (integrity is still checked). */
  readonly acceptUnsignedImages: boolean;
  /** Drug library packages are activated without checking their signature. */
  readonly acceptUnsignedLibraries: boolean;
  /** Remote commands run without signature, counter or expiry checks (RemoteGuard acceptUnauthenticated). */
  readonly acceptUnauthenticatedCommands: boolean;
  /** A credential that ships in every unit and logs in to the pump's network service; undefined if none. */
  readonly defaultCredential: Credential | undefined;
  /** Volume actually moved ÷ volume displayed (1 = correct). */
  readonly rateErrorFactor: number;
  /** Multiplies the line volume (hence the time) to the downstream occlusion alarm (1 = correct). */
  readonly occlusionAlarmDelayFactor: number;
  /** The self-test at first boot fails on these models (a bad patch). */
  readonly selfTestFailsOn: readonly HardwareModel[];
}

const SECURE: BehaviourProfile = {
  id: 'secure',
  weaknessClass: 'none',
  summary: 'Signed images and libraries only, authenticated commands, no default credential, no known dosing or alarm defect.',
  advisories: [],
  acceptUnsignedImages: false,
  acceptUnsignedLibraries: false,
  acceptUnauthenticatedCommands: false,
  defaultCredential: undefined,
  rateErrorFactor: 1,
  occlusionAlarmDelayFactor: 1,
  selfTestFailsOn: [],
};

function weak(id: ProfileId, weaknessClass: string, summary: string, advisories: string[], change: Partial<BehaviourProfile>): BehaviourProfile {
  return Object.freeze({ ...SECURE, id, weaknessClass, summary, advisories: Object.freeze(advisories), ...change });
}

export const PROFILES: Readonly<Record<ProfileId, BehaviourProfile>> = Object.freeze({
  secure: Object.freeze(SECURE),
  // CISA advisories: Hospira (CVE-2014-5406, CVE-2015-3956), BD Alaris Gateway (CVE-2019-10959).
  'accepts-unsigned-images': weak(
    'accepts-unsigned-images',
    'unsigned firmware and drug libraries accepted from the network',
    'Installs any image and activates any library whose size and hash match its manifest, without checking who signed it.',
    ['CVE-2014-5406', 'CVE-2015-3956', 'CVE-2019-10959'],
    { acceptUnsignedImages: true, acceptUnsignedLibraries: true },
  ),
  // CISA advisories: Medfusion 4000 (CVE-2017-12725), Sigma Spectrum battery module (CVE-2020-12047).
  'default-credential': weak(
    'default-credential',
    'hard-coded or default credentials',
    'Ships a service account with the same password in every unit; it logs in to the pump network service.',
    ['CVE-2017-12725', 'CVE-2020-12047'],
    { defaultCredential: Object.freeze({ username: 'service', password: 'service' }) },
  ),
  // CISA advisories: Sigma Spectrum (CVE-2020-12040), B. Braun (CVE-2021-33883).
  'unauthenticated-commands': weak(
    'unauthenticated-commands',
    'cleartext, unauthenticated network commands',
    'Runs remote commands without checking signature, counter or expiry: any host on the network can program the pump.',
    ['CVE-2020-12040', 'CVE-2021-33883'],
    { acceptUnauthenticatedCommands: true },
  ),
  // The over-infusion software defects of FDA Class I pump recalls; the figure is illustrative.
  'dosing-bug': weak(
    'dosing-bug',
    'dose delivery error',
    'A wrong pumping-segment calibration constant: the motor moves 10% more than commanded while the display shows the programmed rate and volume.',
    [],
    { rateErrorFactor: 1.1 },
  ),
  // IEC 60601-2-24 requires the time to a downstream occlusion alarm to be stated and met.
  'alarm-bug': weak(
    'alarm-bug',
    'delayed alarm',
    'The downstream occlusion check compares against four times the line volume: the alarm comes four times later and the bolus on clearing is larger.',
    [],
    { occlusionAlarmDelayFactor: 4 },
  ),
  'fails-self-test-on-lvp': weak(
    'fails-self-test-on-lvp',
    'bad patch',
    'A patch that fails its power-on self-test on large-volume pumps (a driver for another motor revision); syringe pumps run it normally.',
    [],
    { selfTestFailsOn: Object.freeze(['lvp'] as HardwareModel[]) },
  ),
  'fails-self-test-on-syringe': weak(
    'fails-self-test-on-syringe',
    'bad patch',
    'A patch that fails its power-on self-test on syringe pumps; large-volume pumps run it normally.',
    [],
    { selfTestFailsOn: Object.freeze(['syringe'] as HardwareModel[]) },
  ),
});

export function isProfileId(text: string): text is ProfileId {
  return (PROFILE_IDS as readonly string[]).includes(text);
}

export function profileById(id: ProfileId): BehaviourProfile {
  return PROFILES[id];
}

/** What the first-boot self-test of this profile reports on this model. */
export function selfTestVerdict(profile: BehaviourProfile, model: HardwareModel): 'pass' | 'fail' {
  return profile.selfTestFailsOn.includes(model) ? 'fail' : 'pass';
}

/** The fields in which a profile differs from `secure` (empty for secure): for reports. */
export function profileWeaknesses(profile: BehaviourProfile): string[] {
  const out: string[] = [];
  if (profile.acceptUnsignedImages) out.push('acceptUnsignedImages');
  if (profile.acceptUnsignedLibraries) out.push('acceptUnsignedLibraries');
  if (profile.acceptUnauthenticatedCommands) out.push('acceptUnauthenticatedCommands');
  if (profile.defaultCredential) out.push('defaultCredential');
  if (profile.rateErrorFactor !== 1) out.push('rateErrorFactor');
  if (profile.occlusionAlarmDelayFactor !== 1) out.push('occlusionAlarmDelayFactor');
  if (profile.selfTestFailsOn.length > 0) out.push('selfTestFailsOn');
  return out;
}
