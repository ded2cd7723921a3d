/**
 * What the monitor learned of one unit during the baseline window (docs/monitoring.md, Baseline):
 * the report shows it so a team can see what "normal" was.
 */
export interface UnitBaseline {
  unit: string;
  segment: string;
  pumps: number;
  /** Messages the unit's pumps sent (status, events, command acknowledgements). */
  upMessages: number;
  /** Commands sent to the unit's pumps. */
  commands: number;
  commandSources: Set<string>;
  clientIds: Set<string>;
  firmware: Set<string>;
}

export function newUnitBaseline(unit: string, segment: string): UnitBaseline {
  return { unit, segment, pumps: 0, upMessages: 0, commands: 0, commandSources: new Set(), clientIds: new Set(), firmware: new Set() };
}

/** The baseline as plain data for the reports: per hour rates and sorted lists. */
export interface UnitBaselineReport {
  unit: string;
  segment: string;
  pumps: number;
  upMessagesPerPumpHour: number;
  commandsPerHour: number;
  commandSources: string[];
  clientIds: number;
  firmware: string[];
}

export function baselineReport(b: UnitBaseline, baselineMs: number): UnitBaselineReport {
  const hours = baselineMs / 3_600_000;
  const round = (x: number): number => Math.round(x * 100) / 100;
  return {
    unit: b.unit,
    segment: b.segment,
    pumps: b.pumps,
    upMessagesPerPumpHour: hours > 0 && b.pumps > 0 ? round(b.upMessages / b.pumps / hours) : 0,
    commandsPerHour: hours > 0 ? round(b.commands / hours) : 0,
    commandSources: [...b.commandSources].sort(),
    clientIds: b.clientIds.size,
    firmware: [...b.firmware].sort(),
  };
}
