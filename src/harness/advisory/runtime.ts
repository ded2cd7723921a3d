/**
 * The advisory loop in a run (docs/advisories.md#scenario): at the `advisory` action the gateway
 * matches the advisory against its inventory; the patchable affected pumps become the rollout's
 * targets (the scenario's rollout policy: waves, window, gates; installs wait for idle pumps);
 * the affected pumps that cannot be patched get compensating controls (their broker ACL narrowed,
 * their segment isolated from everything but the gateway). Exposure (affected pumps neither
 * patched nor mitigated) is sampled by unit for the report, and `advisory-closed` judges it.
 */
import { formatDurationMs } from '../scenario/duration.js';

/** 78480000 → "21.8 h". */
function hoursText(ms: number): string {
  return `${(ms / 3_600_000).toFixed(1)} h`;
}
/** An expectation's verdict (the shape of run/result.ts's ExpectationResult; advisory/ sits below run/). */
interface ExpectationResult {
  description: string;
  passed: boolean;
  detail: string;
}
import type { RunInventory } from '../inventory/runInventory.js';
import type { Trace } from '../trace/trace.js';
import { COMPENSATING_CONTROLS, matchAdvisory, type MatchResult } from './match.js';
import type { Advisory } from './model.js';

export interface ExposurePoint {
  tMs: number;
  /** Affected pumps neither patched nor mitigated, by unit. */
  byUnit: Record<string, number>;
}

export interface AdvisoryRunResult {
  advisory: { id: string; title: string; file: string };
  atMs: number;
  affected: number;
  patchTargets: string[];
  mitigated: { pumpId: string; unit: string; controls: string[] }[];
  /** Per pump: when it stopped being exposed (patched or mitigated), or undefined if it never did. */
  closedMs: Record<string, number | null>;
  exposure: ExposurePoint[];
}

export interface AdvisoryHooks {
  /** Start the scenario's rollout over these pumps (RolloutRuntime.startFromAdvisory). */
  startRollout(pumpIds: readonly string[]): void;
  /** segment-isolated: only the gateway reaches the pump (Network.isolateToGateway). */
  isolate(pumpId: string): void;
  /** acl-narrowed: the pump takes commands from the gateway only (Network.narrowAcl; on the embedded broker too). */
  narrowAcl(pumpId: string): void;
}

export class AdvisoryRun {
  private atMs: number | undefined;
  private first: MatchResult | undefined;
  private readonly mitigatedMs = new Map<string, number>();
  private readonly closed = new Map<string, number>();
  private readonly exposure: ExposurePoint[] = [];

  constructor(
    private readonly advisory: Advisory,
    private readonly file: string,
    private readonly inventory: RunInventory,
    private readonly trace: Trace,
    private readonly hooks: AdvisoryHooks,
  ) {}

  /** The `advisory` action: match, start the rollout, apply compensating controls. */
  act(nowMs: number): void {
    if (this.atMs !== undefined) return;
    this.atMs = nowMs;
    const m = matchAdvisory(this.advisory, this.inventory.snapshot(nowMs).pumps);
    this.first = m;
    const affected = m.rows.filter((r) => r.vex === 'affected');
    const targets = affected.filter((r) => r.patchable).map((r) => r.pumpId);
    this.trace.add({ tMs: nowMs, kind: 'fault', fault: `advisory:${this.advisory.id} matched`, phase: 'start', target: `affected=${affected.length} patch=${targets.length}`, pumps: affected.length });
    for (const r of affected.filter((x) => !x.patchable)) {
      this.mitigatedMs.set(r.pumpId, nowMs);
      this.hooks.narrowAcl(r.pumpId);
      this.hooks.isolate(r.pumpId);
      this.trace.add({ tMs: nowMs, kind: 'fault', fault: `advisory:controls ${COMPENSATING_CONTROLS.map((c) => c.split(':')[0]).join(',')}`, phase: 'start', target: r.pumpId, pumps: 1 });
    }
    if (targets.length > 0) this.hooks.startRollout(targets);
    this.sample(nowMs);
  }

  /** Exposure now: re-match the affected pumps' running firmware. */
  sample(nowMs: number): void {
    if (this.atMs === undefined || !this.first) return;
    const now = new Map(matchAdvisory(this.advisory, this.inventory.snapshot(nowMs).pumps).rows.map((r) => [r.pumpId, r]));
    const byUnit: Record<string, number> = {};
    for (const r of this.first.rows) {
      if (r.vex !== 'affected') continue;
      byUnit[r.unit] ??= 0;
      const patched = now.get(r.pumpId)?.vex !== 'affected';
      if (patched || this.mitigatedMs.has(r.pumpId)) {
        if (!this.closed.has(r.pumpId)) this.closed.set(r.pumpId, patched ? nowMs : this.mitigatedMs.get(r.pumpId)!);
      } else byUnit[r.unit]!++;
    }
    this.exposure.push({ tMs: nowMs, byUnit });
  }

  /** `advisory-closed`: every affected pump patched or mitigated within `withinMs` of the advisory. */
  judgeClosed(withinMs: number): ExpectationResult {
    const label = `affected pumps patched or mitigated within ${formatDurationMs(withinMs)} of the advisory`;
    if (this.atMs === undefined || !this.first) return { description: label, passed: false, detail: 'no advisory action ran' };
    const deadline = this.atMs + withinMs;
    const affected = this.first.rows.filter((r) => r.vex === 'affected');
    const late = affected.filter((r) => (this.closed.get(r.pumpId) ?? Infinity) > deadline);
    const lastMs = Math.max(this.atMs, ...affected.map((r) => this.closed.get(r.pumpId) ?? this.atMs!));
    return {
      description: label,
      passed: late.length === 0,
      detail: late.length === 0 ? `${affected.length} closed, the last ${hoursText(lastMs - this.atMs)} after the advisory (${this.mitigatedMs.size} by compensating controls)` : `${late.length} of ${affected.length} still exposed at the deadline: ${late.slice(0, 5).map((r) => r.pumpId).join(', ')}${late.length > 5 ? ', …' : ''}`,
    };
  }

  result(): AdvisoryRunResult | undefined {
    if (this.atMs === undefined || !this.first) return undefined;
    const affected = this.first.rows.filter((r) => r.vex === 'affected');
    return {
      advisory: { id: this.advisory.id, title: this.advisory.title, file: this.file },
      atMs: this.atMs,
      affected: affected.length,
      patchTargets: affected.filter((r) => r.patchable).map((r) => r.pumpId),
      mitigated: affected.filter((r) => !r.patchable).map((r) => ({ pumpId: r.pumpId, unit: r.unit, controls: r.controls })),
      closedMs: Object.fromEntries(affected.map((r) => [r.pumpId, this.closed.get(r.pumpId) ?? null])),
      exposure: this.exposure,
    };
  }
}
