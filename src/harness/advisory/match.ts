/**
 * Which pumps an advisory affects (docs/advisories.md#matching): each pump's identities are the
 * CPEs in its running firmware's SBOM (the firmware itself and its components), named by an
 * advisory's product either exactly or by a vers version range of that product; a vulnerability's
 * product status gives a VEX status per pump (affected, fixed, not affected), its remediations
 * say whether a vendor fix exists or none is planned, and which compensating controls apply.
 */
import { buildSbomJson } from '../sbom/build.js';
import { parseSbom } from '../sbom/parse.js';
import type { InventoryRow } from '../inventory/inventory.js';
import type { Advisory, ProductRef } from './model.js';
import { inVersRange } from './vers.js';

export type Vex = 'affected' | 'fixed' | 'not-affected';

/** infusim's own compensating controls for a pump that cannot be patched (docs/advisories.md#controls). */
export const COMPENSATING_CONTROLS = ['acl-narrowed: the broker lets the pump publish and read only its own topics', 'segment-isolated: the pump segment reaches the gateway only'] as const;

export interface MatchRow {
  pumpId: string;
  unit: string;
  segment: string;
  type: string;
  firmware: string;
  use: InventoryRow['use'];
  drug: string;
  vex: Vex;
  /** Ids of the vulnerabilities that affect the pump. */
  vulnerabilities: string[];
  /** The pump's SBOM entries the advisory names as affected (name@version). */
  components: string[];
  legacy: boolean;
  patchable: boolean;
  /** The vendor fix that applies (its details), or ''. */
  fix: string;
  controls: string[];
}

export interface UnitSummary {
  unit: string;
  pumps: number;
  affected: number;
  infusing: number;
  drugs: string[];
  unpatchable: number;
  offNetwork: number;
  fixed: number;
  notAffected: number;
}

export interface MatchResult {
  advisory: { id: string; title: string; publisher: string };
  rows: MatchRow[];
  units: UnitSummary[];
}

const sbomCache = new Map<string, { cpes: Map<string, string> }>();

/** The pump's identities from its SBOM: CPE → name@version. */
function identities(r: Pick<InventoryRow, 'type' | 'firmware' | 'profile'>): Map<string, string> {
  const key = `${r.type}|${r.firmware}|${r.profile}`;
  let hit = sbomCache.get(key);
  if (!hit) {
    const sbom = parseSbom(JSON.parse(buildSbomJson({ model: r.type, version: r.firmware, profile: r.profile })), `sbom of ${r.type} ${r.firmware}`);
    hit = { cpes: new Map([sbom.firmware, ...sbom.components].map((c) => [c.cpe, `${c.name}@${c.version}`])) };
    sbomCache.set(key, hit);
  }
  return hit.cpes;
}

/** CPE 2.3 formatted string → part:vendor:product, and the version (fields 3 to 6; no escaped colons in infusim's CPEs). */
function cpeParts(cpe: string): { product: string; version: string } {
  const f = cpe.split(':');
  return { product: f.slice(2, 5).join(':'), version: f[5] ?? '' };
}

/** Does the product name this identity: the same CPE, or (a range) the same product at a version in the range? */
function names(ref: ProductRef, cpe: string): boolean {
  if (!ref.range) return ref.cpe === cpe;
  const want = cpeParts(ref.cpe);
  const got = cpeParts(cpe);
  return want.product === got.product && inVersRange(got.version, ref.range);
}

export function matchAdvisory(a: Advisory, inventory: readonly InventoryRow[]): MatchResult {
  const rows = inventory.map((r): MatchRow => {
    const ids = identities(r);
    const has = (refs: readonly ProductRef[]): string[] => [...ids.keys()].filter((c) => refs.some((ref) => names(ref, c)));
    const hitVulns = a.vulnerabilities.filter((v) => has(v.affected).length > 0);
    const affectedCpes = new Set(hitVulns.flatMap((v) => has(v.affected)));
    const vex: Vex = hitVulns.length > 0 ? 'affected' : a.vulnerabilities.some((v) => has(v.fixed).length > 0) ? 'fixed' : 'not-affected';
    const rems = hitVulns.flatMap((v) => v.remediations).filter((m) => has(m.products).some((c) => affectedCpes.has(c)));
    const fix = rems.find((m) => m.category === 'vendor_fix');
    const noFix = rems.some((m) => m.category === 'no_fix_planned' || m.category === 'none_available');
    const patchable = vex === 'affected' && fix !== undefined && !noFix;
    const legacy = vex === 'affected' && (!patchable || r.credentials === 'legacy' || r.supportStatus === 'end-of-support');
    const advised = rems.filter((m) => m.category === 'mitigation' || m.category === 'workaround').map((m) => m.details);
    return {
      pumpId: r.pumpId,
      unit: r.unit,
      segment: r.segment,
      type: r.type,
      firmware: r.firmware,
      use: r.use,
      drug: r.drug,
      vex,
      vulnerabilities: hitVulns.map((v) => v.id),
      components: [...affectedCpes].map((c) => ids.get(c)!).sort(),
      legacy,
      patchable,
      fix: patchable && fix ? fix.details : '',
      controls: vex !== 'affected' ? [] : [...new Set(advised), ...(patchable ? [] : COMPENSATING_CONTROLS)],
    };
  });
  const units = [...new Set(rows.map((r) => r.unit))].map((unit): UnitSummary => {
    const u = rows.filter((r) => r.unit === unit);
    const aff = u.filter((r) => r.vex === 'affected');
    return {
      unit,
      pumps: u.length,
      affected: aff.length,
      infusing: aff.filter((r) => r.use === 'in-use').length,
      drugs: [...new Set(aff.filter((r) => r.use === 'in-use' && r.drug !== '-').map((r) => r.drug))].sort(),
      unpatchable: aff.filter((r) => !r.patchable).length,
      offNetwork: aff.filter((r) => r.use === 'off-network').length,
      fixed: u.filter((r) => r.vex === 'fixed').length,
      notAffected: u.filter((r) => r.vex === 'not-affected').length,
    };
  });
  return { advisory: { id: a.id, title: a.title, publisher: a.publisher }, rows, units };
}
