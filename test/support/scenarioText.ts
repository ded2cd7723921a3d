/** Pieces of scenario YAML that several tests write the same way. */

/**
 * A `site:` section with one segment and one unit on it; `unitLines` are the unit's other keys
 * (`pumps: [...]`, `nurse: ...`), one a line, indented under the unit by this function.
 */
export function oneUnitSite(unit: { id: string; careArea: string; segment: string }, unitLines: readonly string[]): string {
  return ['site:', `  segments: [{ id: ${unit.segment} }]`, '  units:', `    - id: ${unit.id}`, `      careArea: ${unit.careArea}`, `      segment: ${unit.segment}`, ...unitLines.map((l) => `      ${l}`)].join('\n');
}

/**
 * A site with one segment, `seg-ward`, and one medsurg unit, `ward`, holding these pump groups
 * (each a YAML flow map, such as `{ type: lvp, count: 2 }`), one line a group.
 */
export function oneWardSite(pumpGroups: readonly string[]): string {
  return oneUnitSite({ id: 'ward', careArea: 'medsurg', segment: 'seg-ward' }, ['pumps:', ...pumpGroups.map((g) => `  - ${g}`)]);
}
