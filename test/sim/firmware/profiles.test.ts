import { describe, expect, it } from 'vitest';
import { PROFILES, PROFILE_IDS, isProfileId, profileById, profileWeaknesses, selfTestVerdict } from '../../../src/sim/firmware/profiles.js';

describe('behaviour profiles', () => {
  it('secure has no weakness; every other profile differs from it in exactly one class', () => {
    expect(profileWeaknesses(PROFILES.secure)).toEqual([]);
    const classes = Object.fromEntries(PROFILE_IDS.filter((id) => id !== 'secure').map((id) => [id, profileWeaknesses(profileById(id))]));
    expect(classes).toEqual({
      'accepts-unsigned-images': ['acceptUnsignedImages', 'acceptUnsignedLibraries'],
      'default-credential': ['defaultCredential'],
      'unauthenticated-commands': ['acceptUnauthenticatedCommands'],
      'dosing-bug': ['rateErrorFactor'],
      'alarm-bug': ['occlusionAlarmDelayFactor'],
      'fails-self-test-on-lvp': ['selfTestFailsOn'],
      'fails-self-test-on-syringe': ['selfTestFailsOn'],
    });
  });

  it('carry the figures the pump reads', () => {
    expect(PROFILES['dosing-bug'].rateErrorFactor).toBe(1.1);
    expect(PROFILES['alarm-bug'].occlusionAlarmDelayFactor).toBe(4);
    expect(PROFILES['default-credential'].defaultCredential).toEqual({ username: 'service', password: 'service' });
    expect(PROFILES['accepts-unsigned-images'].advisories).toContain('CVE-2014-5406');
    expect(PROFILES['unauthenticated-commands'].advisories).toEqual(['CVE-2020-12040', 'CVE-2021-33883']);
  });

  it('name the self-test verdict per model', () => {
    expect(selfTestVerdict(PROFILES['fails-self-test-on-lvp'], 'lvp')).toBe('fail');
    expect(selfTestVerdict(PROFILES['fails-self-test-on-lvp'], 'syringe')).toBe('pass');
    expect(selfTestVerdict(PROFILES['fails-self-test-on-syringe'], 'syringe')).toBe('fail');
    expect(selfTestVerdict(PROFILES.secure, 'lvp')).toBe('pass');
  });

  it('are frozen data', () => {
    expect(Object.isFrozen(PROFILES['dosing-bug'])).toBe(true);
    expect(isProfileId('secure')).toBe(true);
    expect(isProfileId('insecure')).toBe(false);
  });
});
