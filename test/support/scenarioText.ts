/** Pieces of scenario YAML that several tests write the same way. */

/**
 * A site with one segment, `seg-ward`, and one medsurg unit, `ward`, holding these pump groups
 * (each a YAML flow map, such as `{ type: lvp, count: 2 }`): the `site:` section, one line a group.
 */
export function oneWardSite(pumpGroups: readonly string[]): string {
  return ['site:', '  segments: [{ id: seg-ward }]', '  units:', '    - id: ward', '      careArea: medsurg', '      segment: seg-ward', '      pumps:', ...pumpGroups.map((g) => `        - ${g}`)].join('\n');
}
