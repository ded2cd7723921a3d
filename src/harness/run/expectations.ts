/** The scenario's named expectations, judged after the run. */
import type { PumpState } from '../../sim/trace/events.js';
import { RULES } from '../../sim/safety/invariants.js';
import { GLOBAL_RULES, type SafetyMonitor } from '../safety/monitor.js';
import { clockText, parseDurationMs, formatDurationMs } from '../scenario/duration.js';
import { resolveTarget, type FleetPump } from '../scenario/fleet.js';
import type { Expectation, Scenario } from '../scenario/schema.js';
import type { Trace, TraceRecord } from '../trace/trace.js';
import type { World } from '../world/world.js';
import type { RunState } from './buildResult.js';
import type { ExpectationResult } from './result.js';
import type { AdvisoryRun } from '../advisory/runtime.js';
import { judgeHl7, type Hl7RunInfo } from '../hl7/expectation.js';
import { judgeDetect, judgeFalseAlerts } from '../monitor/expectation.js';
import type { MonitorReport } from '../monitor/detection.js';
import { judgeContain, judgeEventsLost, judgeInterrupted } from '../playbook/expectation.js';
import type { PlaybookResult } from '../playbook/figures.js';

export interface ExpectationContext {
  fleet: FleetPump[];
  /** The whole fleet when this process runs one shard of it (the gateway's checks name pumps of other processes). */
  allPumps?: readonly FleetPump[] | undefined;
  world: World;
  trace: Trace;
  state: RunState;
  monitor: SafetyMonitor;
  durationMs: number;
  /** The advisory loop, when the scenario has an `advisory` action (src/harness/advisory). */
  advisory?: AdvisoryRun | undefined;
  /** --- hl7: what the gateway's HL7 queue reports (docs/hl7.md) --- */
  hl7?: Hl7RunInfo | undefined;
  /** --- monitor: the traffic monitor's figures (docs/monitoring.md) --- */
  traffic?: MonitorReport | undefined;
  /** --- playbooks: the incident figures (docs/playbooks.md) --- */
  playbooks?: PlaybookResult[] | undefined;
  /** The states the `state` expectations look at, taken while the trace was written. */
  states: ExpectedStates;
}

interface StateWatch {
  atMs: number;
  pumps: ReadonlySet<string>;
  /** Each pump's last STATE at atMs (absent: it never left IDLE). */
  states: Map<string, PumpState>;
  /** A record after atMs was seen: later ones no longer count. */
  done: boolean;
}

/**
 * The pumps' states at the instants the scenario's `state` expectations name ("at the end": at
 * the scenario's duration, before the settle period), read from the trace as it is written: one
 * look per record instead of a pass over the kept trace per pump (issue 20).
 */
export class ExpectedStates {
  private readonly watches = new Map<Expectation, StateWatch>();

  constructor(s: Scenario, fleet: readonly FleetPump[], durationMs: number, trace: Trace) {
    for (const e of s.expect) {
      if (e.check !== 'state') continue;
      const atMs = e.at !== undefined ? parseDurationMs(e.at) : durationMs;
      this.watches.set(e, { atMs, pumps: new Set(resolveTarget(e.target, fleet).map((p) => p.id)), states: new Map(), done: false });
    }
    if (this.watches.size > 0) trace.onRecord((r) => this.add(r));
  }

  /** A pump's state at the expectation's instant. */
  stateOf(e: Expectation, pumpId: string): PumpState {
    return this.watches.get(e)?.states.get(pumpId) ?? 'IDLE';
  }

  private add(r: TraceRecord): void {
    for (const w of this.watches.values()) {
      if (w.done) continue;
      if (r.tMs > w.atMs) w.done = true;
      else if (r.kind === 'pump' && r.event.type === 'STATE' && w.pumps.has(r.pumpId)) w.states.set(r.pumpId, r.event.state);
    }
  }
}

function ruleHeld(ctx: ExpectationContext, rule: string | readonly string[], label: string): ExpectationResult {
  const rules: readonly string[] = typeof rule === 'string' ? [rule] : rule;
  const n = ctx.monitor.violations.filter((v) => rules.includes(v.rule)).length;
  return { description: label, passed: n === 0, detail: n === 0 ? 'held' : `${n} violation(s)` };
}

function judge(ctx: ExpectationContext, e: Expectation): ExpectationResult {
  switch (e.check) {
    case 'alarm': {
      const pumps = new Set(resolveTarget(e.target, ctx.fleet).map((p) => p.id));
      const afterMs = parseDurationMs(e.after);
      const withinMs = parseDurationMs(e.within);
      const hits = ctx.state.alarms.filter((a) => a.id === e.alarm && pumps.has(a.pumpId) && a.raisedMs >= afterMs && a.raisedMs <= afterMs + withinMs);
      const need = e.count ?? 1;
      const label = `alarm ${e.alarm} on ${e.target} within ${formatDurationMs(withinMs)} after ${formatDurationMs(afterMs)}${e.count ? ` (at least ${e.count})` : ''}`;
      const first = hits[0];
      return { description: label, passed: hits.length >= need, detail: first ? `${hits.length} raised, first on ${first.pumpId} at ${clockText(first.raisedMs)}` : 'not raised' };
    }
    case 'no-alarm': {
      const pumps = new Set(resolveTarget(e.target, ctx.fleet).map((p) => p.id));
      const hits = ctx.state.alarms.filter((a) => a.id === e.alarm && pumps.has(a.pumpId));
      return { description: `no ${e.alarm} on ${e.target}`, passed: hits.length === 0, detail: hits.length ? `${hits.length} raised, first on ${hits[0]?.pumpId}` : 'none' };
    }
    case 'escalation': {
      const pumps = new Set(resolveTarget(e.target, ctx.allPumps ?? ctx.fleet).map((p) => p.id));
      const afterMs = parseDurationMs(e.after);
      const withinMs = parseDurationMs(e.within);
      const hits = ctx.state.escalations.filter((x) => x.alarmId === e.alarm && x.level >= e.level && pumps.has(x.pumpId) && x.tMs >= afterMs && x.tMs <= afterMs + withinMs);
      const first = hits[0];
      return {
        description: `gateway escalates ${e.alarm} on ${e.target} to level ${e.level} within ${formatDurationMs(withinMs)} after ${formatDurationMs(afterMs)}`,
        passed: hits.length > 0,
        detail: first ? `level ${first.level} on ${first.pumpId} at ${clockText(first.tMs)}` : 'no escalation',
      };
    }
    case 'advisory-closed': {
      const withinMs = parseDurationMs(e.within);
      return ctx.advisory ? ctx.advisory.judgeClosed(withinMs) : { description: `affected pumps patched or mitigated within ${formatDurationMs(withinMs)}`, passed: false, detail: 'the scenario has no advisory action' };
    }
    case 'no-infusion-interrupted':
      return ruleHeld(ctx, GLOBAL_RULES.infusionInterrupted, 'no infusion interrupted');
    case 'events-exactly-once':
      return ruleHeld(ctx, GLOBAL_RULES.exactlyOnce, 'all events ingested exactly once');
    case 'within-hard-limits':
      // The dose rate, every bolus, loading dose and PCA demand, and every rounded rate (issue 12).
      return ruleHeld(ctx, [RULES.hardLimit, RULES.bolusLimit, RULES.rateLimit], 'no pump delivered outside its hard limits');
    case 'no-unauthorised-change':
      return ruleHeld(ctx, GLOBAL_RULES.unauthorised, 'no command from an unauthorised source changed a therapy');
    case 'commands-refused': {
      const n = ctx.monitor.counts.remoteRefused;
      return { description: `at least ${e.min} unauthorised command(s) refused`, passed: n >= e.min, detail: `${n} refused` };
    }
    case 'delivered': {
      const pumps = resolveTarget(e.target, ctx.fleet);
      const ml = pumps.reduce((sum, p) => sum + ctx.world.pump(p.id).pump.telemetry().motorNominalMl, 0);
      const ok = (e.minMl === undefined || ml >= e.minMl) && (e.maxMl === undefined || ml <= e.maxMl);
      return { description: `volume infused on ${e.target}${e.minMl !== undefined ? ` ≥ ${e.minMl} mL` : ''}${e.maxMl !== undefined ? ` ≤ ${e.maxMl} mL` : ''}`, passed: ok, detail: `${ml.toFixed(2)} mL` };
    }
    case 'hl7-exactly-once':
      return judgeHl7(ctx.hl7);
    case 'detect':
      return judgeDetect(ctx.traffic, e.attack, parseDurationMs(e.within));
    case 'false-alerts':
      return judgeFalseAlerts(ctx.traffic, e.max);
    case 'contain':
      return judgeContain(ctx.playbooks, parseDurationMs(e.within), e.playbook);
    case 'infusions-interrupted':
      return judgeInterrupted(ctx.playbooks, e.max);
    case 'events-lost':
      return judgeEventsLost(ctx.playbooks, e.max);
    case 'state': {
      const pumps = resolveTarget(e.target, ctx.fleet);
      const atMs = e.at !== undefined ? parseDurationMs(e.at) : undefined;
      // "At the end" is at the scenario's duration, before the settle period that drains outboxes.
      const states = pumps.map((p) => ctx.states.stateOf(e, p.id));
      const bad = states.filter((st) => st !== e.state).length;
      return { description: `${e.target} ${e.state}${atMs !== undefined ? ` at ${formatDurationMs(atMs)}` : ' at the end'}`, passed: pumps.length > 0 && bad === 0, detail: pumps.length === 0 ? 'no such pump' : bad ? `${bad} of ${pumps.length} in another state (${[...new Set(states)].join(', ')})` : `all ${pumps.length}` };
    }
  }
}

export function evaluateExpectations(s: Scenario, ctx: ExpectationContext): ExpectationResult[] {
  return s.expect.map((e) => judge(ctx, e));
}
