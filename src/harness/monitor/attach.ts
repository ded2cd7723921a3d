/**
 * Put the traffic monitor on a ward's network, when the scenario has a `monitor:` section; and
 * its figures at the end of a run. The ward calls attachMonitor; the runner calls monitorReport.
 */
import type { Network } from '../link/network.js';
import type { FleetPump } from '../scenario/fleet.js';
import type { Scenario } from '../scenario/schema.js';
import type { World } from '../world/world.js';
import type { Alert } from './alert.js';
import { baselineReport } from './baseline.js';
import { detectionFigures, type AttackSpan, type MonitorReport } from './detection.js';
import { resolveMonitorConfig, type MonitorConfig } from './rules.js';
import { TrafficMonitor } from './trafficMonitor.js';

export interface AttachedMonitor {
  monitor: TrafficMonitor;
  config: MonitorConfig;
}

export function attachMonitor(s: Scenario, fleet: readonly FleetPump[], network: Network, world: World, onAlert?: (a: Alert) => void): AttachedMonitor | undefined {
  if (!s.monitor) return undefined;
  // The release the scenario rolls out is approved: its version booting is no alert.
  const rolled = s.rollout ? s.releases?.find((r) => r.id === s.rollout?.release)?.version : undefined;
  // Segment pairs that site.reach: lets talk are not cross-segment traffic.
  const config = resolveMonitorConfig(s.monitor, rolled !== undefined ? [rolled] : [], network.reach?.pairs() ?? []);
  const monitor = new TrafficMonitor(config, fleet.map((p) => ({ id: p.id, unit: p.unit, segment: p.segment, firmware: p.firmware })), () => world.nowMs, onAlert);
  network.tap = monitor;
  return { monitor, config };
}

export function monitorReport(m: AttachedMonitor, spans: readonly AttackSpan[], pumps: number, durationMs: number): MonitorReport {
  return detectionFigures({
    alerts: m.monitor.alerts,
    spans,
    pumps,
    durationMs,
    baselineMs: m.config.baselineMs,
    attributeWithinMs: m.config.attributeWithinMs,
    baseline: [...m.monitor.baseline.values()].map((b) => baselineReport(b, Math.min(m.config.baselineMs, durationMs))),
  });
}
