/**
 * What a scenario run returns: the input to every report (terminal summary, JSON, HTML) and to
 * the library API. Everything here is deterministic for a seed except `wallMs`.
 */
import type { PumpState } from '../../sim/trace/events.js';
import type { RolloutResult } from '../rollout/runtime.js';
import type { InventoryReport } from '../inventory/runInventory.js';
import type { AdvisoryRunResult } from '../advisory/runtime.js';
import type { MonitorReport } from '../monitor/detection.js';
import type { PlaybookResult } from '../playbook/figures.js';
import type { BlastRadius } from '../faults/blastRadius.js';

export type { RolloutResult, VersionPoint } from '../rollout/runtime.js';
import type { AlarmRecord, NetworkSpan, SeriesPoint } from '../ward/state.js';
export type { AlarmRecord, NetworkSpan, SeriesPoint } from '../ward/state.js';

export interface PumpSummary {
  id: string;
  unit: string;
  segment: string;
  type: 'lvp' | 'syringe';
  firmware: string;
  finalState: PumpState;
  /** Volume infused as counted by the pump (mL). */
  viMl: number;
  /** Physical output of the mechanism (mL). */
  deliveredMl: number;
  /** (delivered − counted) / counted, percent; 0 when nothing was infused. */
  deliveredErrorPct: number;
  alarms: number;
  eventsSent: number;
  eventsIngested: number;
}

export interface Violation {
  tMs: number;
  rule: string;
  pumpId?: string | undefined;
  detail: string;
  /** Trace lines around the violation. */
  context: string[];
}

export interface ExpectationResult {
  description: string;
  passed: boolean;
  detail: string;
}


export interface NetworkStats {
  messagesSent: number;
  messagesDelivered: number;
  messagesLost: number;
  duplicatesDelivered: number;
  eventsSent: number;
  eventsIngested: number;
  duplicatesDropped: number;
  gapsDetected: number;
  eventsMissing: number;
  commandsSent: number;
  /** Remote commands and update messages that pumps refused (unsigned, bad signature, replay, stale). */
  commandsRefused: number;
  /** Acknowledgements that pumps ignored for want of the gateway's signature, a fresh counter or time. */
  acksRefused?: number | undefined;
}

export interface RunResult {
  scenario: { name: string; description: string; file: string; seed: number; durationMs: number; expectedOutcome: 'pass' | 'violation' };
  seed: number;
  traceHash: string;
  traceRecords: number;
  pumps: PumpSummary[];
  units: { id: string; careArea: string; segment: string; pumps: number }[];
  alarms: AlarmRecord[];
  violations: Violation[];
  expectations: ExpectationResult[];
  network: NetworkStats;
  /** Per unit, sampled every `seriesEveryMs`. */
  series: Record<string, SeriesPoint[]>;
  seriesEveryMs: number;
  networkSpans: NetworkSpan[];
  faultSpans: NetworkSpan[];
  /** "pass" when every check holds; "violation" otherwise. */
  outcome: 'pass' | 'violation';
  /** 0 when every check holds, 1 on a violation (whatever the scenario expected). */
  exitCode: 0 | 1;
  wallMs: number;
  /** Firmware and library updates: per-wave counts, versions over time, refusals (only when the scenario has them). */
  rollout?: RolloutResult | undefined;
  /** Unplanned deaths of the run's MQTT broker (each restarted by the run); absent when there were none. */
  brokerDeaths?: { tMs: number; detail: string }[] | undefined;
  /** The gateway's asset inventory at the end of the run, and drift against the hospital's records (docs/inventory.md). */
  inventory?: InventoryReport | undefined;
  /** The advisory loop: match, patch targets, compensating controls, exposure by unit over time (docs/advisories.md). */
  advisory?: AdvisoryRunResult | undefined;
  /** The traffic monitor: alerts, per attack detected or not and its time to detect, false alerts (docs/monitoring.md). */
  monitor?: MonitorReport | undefined;
  /** Incident response: per playbook its trigger, steps, time to detect and to contain, infusions interrupted, events lost, pumps affected (docs/playbooks.md). */
  playbooks?: PlaybookResult[] | undefined;
  /** Per injected attack: pumps reachable from where it stood and pumps it affected (docs/monitoring.md, Blast radius). */
  blastRadius?: BlastRadius[] | undefined;
}
