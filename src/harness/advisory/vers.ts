/**
 * Version ranges in the `vers` syntax (package-url/purl-spec, VERSION-RANGE-SPEC.rst), as CSAF 2.0
 * recommends for a `product_version_range` branch (OASIS CSAF 2.0 §3.1.2.3.2, "Branches Type -
 * Category", and §6.1.31 "Version Range in Product Version" for the branch it belongs in):
 * `vers:<scheme>/<constraint>|<constraint>...`, each constraint a comparator (`=`, `!=`, `<`, `<=`,
 * `>`, `>=`; none means `=`) and a version, or the single constraint `*` (every version).
 *
 * infusim reads the `generic` and `semver` schemes, whose versions here are dot-separated numbers
 * (the SBOM's component and firmware versions, docs/inventory.md#sbom): they compare part by part,
 * numerically, a missing part counting as 0. Anything else is refused with the reason.
 */
import { compareDotted } from '../../sim/firmware/version.js';

export type Comparator = '=' | '!=' | '<' | '<=' | '>' | '>=';

export interface VersConstraint {
  comparator: Comparator;
  version: string;
}

export interface VersRange {
  /** The text as the advisory gave it. */
  text: string;
  scheme: string;
  /** Empty when the range is `*` (every version). */
  constraints: VersConstraint[];
  any: boolean;
}

export class VersError extends Error {}

const SCHEMES = ['generic', 'semver'] as const;
const VERSION = /^(0|[1-9]\d{0,8})(\.(0|[1-9]\d{0,8})){0,3}$/;
/** Longest comparators first, so that `<=` is not read as `<` and `=...`. */
const COMPARATORS: readonly Comparator[] = ['>=', '<=', '!=', '<', '>', '='];
const MAX_CONSTRAINTS = 64;

export function isVersRange(text: string): boolean {
  return text.startsWith('vers:');
}

/** Parse a `vers:` range; a malformed one throws VersError saying what was expected. */
export function parseVers(text: string): VersRange {
  const m = /^vers:([a-z0-9.+-]+)\/(.+)$/.exec(text.replace(/\s+/g, ''));
  if (!m) throw new VersError(`"${text}" is not a vers range: expected vers:<scheme>/<constraints>, such as vers:generic/>=2.0.0|<2.3.1`);
  const scheme = m[1] as string;
  if (!(SCHEMES as readonly string[]).includes(scheme)) throw new VersError(`"${text}": the vers scheme "${scheme}" is not one infusim reads (${SCHEMES.join(', ')}: dot-separated numeric versions)`);
  const body = m[2] as string;
  if (body === '*') return { text, scheme, constraints: [], any: true };
  const parts = body.split('|');
  if (parts.length > MAX_CONSTRAINTS) throw new VersError(`"${text}": more than ${MAX_CONSTRAINTS} constraints`);
  const constraints = parts.map((p): VersConstraint => {
    const comparator = COMPARATORS.find((c) => p.startsWith(c)) ?? '=';
    const version = p.slice(comparator === '=' && !p.startsWith('=') ? 0 : comparator.length);
    if (!VERSION.test(version)) throw new VersError(`"${text}": "${p}" is not a constraint: expected a comparator (=, !=, <, <=, >, >=) and a version of up to four dot-separated numbers`);
    return { comparator, version };
  });
  constraints.sort((a, b) => compareDotted(a.version, b.version));
  for (let i = 1; i < constraints.length; i++) {
    if (compareDotted((constraints[i - 1] as VersConstraint).version, (constraints[i] as VersConstraint).version) === 0) throw new VersError(`"${text}": the version ${(constraints[i] as VersConstraint).version} appears twice (vers: each version once)`);
  }
  return { text, scheme, constraints, any: false };
}

const below = (c: Comparator): boolean => c === '<' || c === '<=';
const above = (c: Comparator): boolean => c === '>' || c === '>=';

/** Does `c` hold for `v` on its own (for < <= > >=)? */
function holds(v: string, c: VersConstraint): boolean {
  const d = compareDotted(v, c.version);
  switch (c.comparator) {
    case '<':
      return d < 0;
    case '<=':
      return d <= 0;
    case '>':
      return d > 0;
    case '>=':
      return d >= 0;
    default:
      return d === 0;
  }
}

/**
 * Is `version` in the range? The spec's algorithm: `=` and `!=` decide first; the other
 * constraints, in version order, bound intervals: below the first `<`/`<=`, above the last
 * `>`/`>=`, or between a `>`/`>=` and the `<`/`<=` that follows it.
 */
export function inVersRange(version: string, range: VersRange): boolean {
  if (range.any) return true;
  if (!VERSION.test(version)) return false;
  for (const c of range.constraints) {
    if (c.comparator === '=' && compareDotted(version, c.version) === 0) return true;
    if (c.comparator === '!=' && compareDotted(version, c.version) === 0) return false;
  }
  const bounds = range.constraints.filter((c) => c.comparator !== '=' && c.comparator !== '!=');
  if (bounds.length === 0) return range.constraints.some((c) => c.comparator === '!=');
  const first = bounds[0] as VersConstraint;
  const last = bounds[bounds.length - 1] as VersConstraint;
  if (below(first.comparator) && holds(version, first)) return true;
  if (above(last.comparator) && holds(version, last)) return true;
  for (let i = 0; i + 1 < bounds.length; i++) {
    const cur = bounds[i] as VersConstraint;
    const next = bounds[i + 1] as VersConstraint;
    if (above(cur.comparator) && below(next.comparator) && holds(version, cur) && holds(version, next)) return true;
  }
  return false;
}
