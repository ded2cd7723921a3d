/**
 * The rollout orchestrator's vocabulary (docs/rollout.md): which pumps, in which waves, behind
 * which gates, and what each pump's update came to. Everything here is plain data so that the
 * orchestrator's state can be saved and restored (it survives its own restart).
 */

export type HardwareModel = 'lvp' | 'syringe';

/** Which pumps a rollout targets; every given list must match (empty or absent: any). */
export interface TargetFilter {
  units?: string[] | undefined;
  types?: HardwareModel[] | undefined;
  versions?: string[] | undefined;
  segments?: string[] | undefined;
  /** Exactly these pumps (the patchable pumps an advisory matched, docs/advisories.md). */
  pumpIds?: string[] | undefined;
}

/** One wave: a count, a percent of the targets (cumulative from the first wave), or a unit. */
export interface WaveSpec {
  name: string;
  count?: number | undefined;
  percent?: number | undefined;
  unit?: string | undefined;
  /** Not before this time (ms of virtual time). */
  startAtMs?: number | undefined;
}

export interface GateSpec {
  /** Fraction of a wave installed before the next wave may start (hawkBit default 0.5). */
  successThreshold: number;
  /** Fraction of a wave failed or timed out that trips the gate. */
  errorThreshold: number;
  onError: 'pause' | 'abort';
  /** A pump that has not finished this long after its offer counts as failed (timed out). */
  pumpTimeoutMs: number;
  /** After a wave passes its success threshold, its pumps run this long before the health check. */
  soakMs: number;
  /** Updated pumps' alarms per pump-hour may be at most this times the not-yet-updated pumps' (plus a slack of 0.5/h). */
  maxAlarmRatio: number;
  /** Updated pumps' share of silent pumps may exceed the others' by at most this. */
  maxTelemetryLoss: number;
}

export const DEFAULT_GATES: GateSpec = {
  successThreshold: 0.9,
  errorThreshold: 0.25,
  onError: 'pause',
  pumpTimeoutMs: 2 * 3_600_000,
  soakMs: 30 * 60_000,
  maxAlarmRatio: 3,
  maxTelemetryLoss: 0.2,
};

/** A daily maintenance window in ms since midnight of virtual time; `endMs` ≤ `startMs` wraps midnight. */
export interface MaintenanceWindow {
  startMs: number;
  endMs: number;
}

export interface RolloutPlan {
  /** The release id (scenario `releases[].id`) the rollout installs. */
  release: string;
  /** Its version (what an installed pump reports). */
  version: string;
  targets: TargetFilter;
  waves: WaveSpec[];
  gates: GateSpec;
  startAtMs: number;
  /** A person approves before the first wave; undefined: no approval step. */
  approvalAtMs?: number | undefined;
  requireApproval: boolean;
  window?: MaintenanceWindow | undefined;
  /** Policy name (for reports and comparisons). */
  policy: string;
}

export type PumpUpdateStatus = 'pending' | 'downloading' | 'deferred' | 'installing' | 'installed' | 'failed' | 'rolled-back' | 'timed-out';

export const PUMP_UPDATE_STATUSES: readonly PumpUpdateStatus[] = ['pending', 'downloading', 'deferred', 'installing', 'installed', 'failed', 'rolled-back', 'timed-out'];

export interface PumpUpdateRecord {
  pumpId: string;
  unit: string;
  segment: string;
  type: HardwareModel;
  wave: number;
  status: PumpUpdateStatus;
  /** The version the pump runs, as last reported. */
  version: string;
  offeredMs?: number | undefined;
  finishedMs?: number | undefined;
  /** Why it failed, was rolled back or timed out. */
  reason?: string | undefined;
  /** Times offered (retries after a lost chunk, a deferral or a power cycle). */
  offers: number;
  lastOfferMs?: number | undefined;
  /** Last update event heard from the pump (saved for a restart). */
  lastHeardMs?: number | undefined;
  /** A remediation (rollback or fix-forward) was offered to this pump. */
  remediation?: string | undefined;
}

export type RolloutPhase = 'scheduled' | 'awaiting-approval' | 'running' | 'soaking' | 'paused' | 'aborted' | 'completed';

export interface WaveState {
  name: string;
  pumpIds: string[];
  startedMs?: number | undefined;
  soakUntilMs?: number | undefined;
  passedMs?: number | undefined;
  /** Why the gate stopped the rollout at this wave. */
  gateReason?: string | undefined;
}

export interface RolloutLogEntry {
  tMs: number;
  what: string;
  detail: string;
  wave?: string | undefined;
  pumpId?: string | undefined;
}

/** Everything the orchestrator knows: saved and restored across its restart. */
export interface RolloutSnapshot {
  format: 'infusim-rollout-state/1';
  plan: RolloutPlan;
  phase: RolloutPhase;
  /** Phase to return to on resume. */
  pausedFrom?: RolloutPhase | undefined;
  approvedMs?: number | undefined;
  currentWave: number;
  waves: WaveState[];
  pumps: PumpUpdateRecord[];
  log: RolloutLogEntry[];
  fullCoverageMs?: number | undefined;
  remediation?: { release: string; version: string; startedMs: number } | undefined;
  restarts: number;
}

export interface WaveCounts {
  wave: string;
  size: number;
  counts: Record<PumpUpdateStatus, number>;
  startedMs?: number | undefined;
  passedMs?: number | undefined;
  gateReason?: string | undefined;
}

export function emptyCounts(): Record<PumpUpdateStatus, number> {
  return { pending: 0, downloading: 0, deferred: 0, installing: 0, installed: 0, failed: 0, 'rolled-back': 0, 'timed-out': 0 };
}
