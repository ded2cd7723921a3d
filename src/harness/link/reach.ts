/**
 * Segments as security boundaries (docs/scenarios.md#segments-as-security-boundaries): the
 * scenario's `site.reach:` says which segments a host on each segment may reach. With the table,
 * a host that is not the gateway (a rogue client, a stolen credential, a scanner, a flooder) gets a
 * message to a pump only when the pump sits on its own segment or on one its entry lists; the
 * gateway's segment reaches every pump (the gateway must). Without the table every host reaches
 * every pump, as before.
 */
export interface ReachEntry {
  from: string;
  to: readonly string[];
}

export class ReachRules {
  private readonly to = new Map<string, Set<string>>();

  constructor(
    entries: readonly ReachEntry[],
    readonly gatewaySegment: string,
  ) {
    for (const e of entries) {
      const set = this.to.get(e.from) ?? new Set<string>([e.from]);
      for (const t of e.to) set.add(t);
      this.to.set(e.from, set);
    }
  }

  /** May a host on segment `from` reach a pump on segment `to`? */
  mayReach(from: string, to: string): boolean {
    if (from === to || from === this.gatewaySegment) return true;
    return this.to.get(from)?.has(to) ?? false;
  }

  /** Every (from, to) pair of different segments the table lets through, as "from|to" (the monitor's cross-segment detector takes them as allowed). */
  pairs(): string[] {
    const out: string[] = [];
    for (const [from, set] of this.to) for (const t of set) if (t !== from) out.push(`${from}|${t}`);
    return out;
  }
}

/** The rules of a scenario's site, or undefined when it has no `reach:` (every host reaches every pump). */
export function reachRulesOf(site: { reach?: readonly ReachEntry[] | undefined }, gatewaySegment: string): ReachRules | undefined {
  return site.reach ? new ReachRules(site.reach, gatewaySegment) : undefined;
}
