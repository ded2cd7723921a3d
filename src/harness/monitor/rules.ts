/**
 * The monitor's configuration resolved once from the scenario's `monitor:` section: every
 * detector's rule with the table's defaults filled in (MONITOR_DETECTORS), durations in ms.
 */
import { parseDurationMs } from '../scenario/duration.js';
import { DETECTOR_KINDS, MONITOR_DETECTORS, type DetectorKind, type Severity } from '../scenario/monitorSchema.js';
import type { MonitorYaml } from '../scenario/schema.js';

export interface ResolvedRule {
  enabled: boolean;
  severity: Severity;
  count: number;
  windowMs: number;
  factor: number;
  cooldownMs: number;
}

export interface MonitorConfig {
  baselineMs: number;
  gatewaySegment: string;
  authorisedSources: ReadonlySet<string>;
  /** "a|b" for every pair that may talk: both orders for `allow:`, from → to for `site.reach:`. */
  allowedPairs: ReadonlySet<string>;
  approvedFirmware: ReadonlySet<string>;
  attributeWithinMs: number;
  rules: Readonly<Record<DetectorKind, ResolvedRule>>;
}

export function resolveMonitorConfig(m: MonitorYaml, extraApprovedFirmware: readonly string[] = [], reachPairs: readonly string[] = []): MonitorConfig {
  const rules = {} as Record<DetectorKind, ResolvedRule>;
  for (const kind of DETECTOR_KINDS) {
    const d: { severity: Severity; count?: number; window?: string; factor?: number; cooldown: string } = MONITOR_DETECTORS[kind];
    const r = m.rules[kind];
    rules[kind] = {
      enabled: r?.enabled ?? true,
      severity: r?.severity ?? d.severity,
      count: r?.count ?? d.count ?? 1,
      windowMs: parseDurationMs(r?.window ?? d.window ?? 0),
      factor: r?.factor ?? d.factor ?? 1,
      cooldownMs: parseDurationMs(r?.cooldown ?? d.cooldown),
    };
  }
  const pairs = new Set<string>(reachPairs);
  for (const p of m.allow) {
    pairs.add(`${p.from}|${p.to}`);
    pairs.add(`${p.to}|${p.from}`);
  }
  return {
    baselineMs: parseDurationMs(m.baseline),
    gatewaySegment: m.gatewaySegment,
    authorisedSources: new Set(m.authorisedSources),
    allowedPairs: pairs,
    approvedFirmware: new Set([...m.approvedFirmware, ...extraApprovedFirmware]),
    attributeWithinMs: parseDurationMs(m.attributeWithin),
    rules,
  };
}
