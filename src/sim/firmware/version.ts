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
  const pa = parseVersion(a);
  const pb = parseVersion(b);
  for (let i = 0; i < 3; i++) {
    const x = pa[i] ?? 0;
    const y = pb[i] ?? 0;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

export function maxVersion(a: string, b: string): string {
  return compareVersions(a, b) >= 0 ? a : b;
}
