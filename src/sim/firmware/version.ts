/**
 * Firmware versions: MAJOR.MINOR.PATCH, numeric and comparable (the ordering of SemVer 2.0.0
 * §11 without pre-release or build parts, which an anti-rollback floor cannot order safely).
 */

/** Each part is 0 or 1 to 6 digits without a leading zero. */
const VERSION_RE = /^(0|[1-9]\d{0,5})\.(0|[1-9]\d{0,5})\.(0|[1-9]\d{0,5})$/;

export const VERSION_PATTERN = VERSION_RE;

export function isVersion(text: string): boolean {
  return VERSION_RE.test(text);
}

export function parseVersion(text: string): [major: number, minor: number, patch: number] {
  const m = VERSION_RE.exec(text);
  if (!m) throw new RangeError(`"${text}" is not a version (MAJOR.MINOR.PATCH, e.g. 2.1.0)`);
  return [Number(m[1]), Number(m[2]), Number(m[3])];
}

/** -1 if a < b, 0 if equal, 1 if a > b. Throws on a text that is not a version. */
export function compareVersions(a: string, b: string): -1 | 0 | 1 {
  parseVersion(a);
  parseVersion(b);
  return compareDotted(a, b);
}

/**
 * -1, 0 or 1: dotted numeric versions of any length compared part by part, numerically, a missing
 * part counting as 0 (2.1 = 2.1.0 < 2.10). For versions that are not checked as MAJOR.MINOR.PATCH
 * (release names, CSAF and vers ranges).
 */
export function compareDotted(a: string, b: string): -1 | 0 | 1 {
  const x = a.split('.').map(Number);
  const y = b.split('.').map(Number);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return 0;
}

export function maxVersion(a: string, b: string): string {
  return compareVersions(a, b) >= 0 ? a : b;
}
