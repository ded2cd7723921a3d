/** Assemble the RunResult from what the run kept. */
import type { Gateway } from '../gateway/gateway.js';
import type { Network } from '../link/network.js';
import type { PumpAgent } from '../link/pumpAgent.js';
import type { SafetyMonitor } from '../safety/monitor.js';
import type { LoadedScenario } from '../scenario/load.js';
import type { Trace } from '../trace/trace.js';
import type { World } from '../world/world.js';
import type { RolloutResult } from '../rollout/runtime.js';
import type { RunState } from '../ward/state.js';
import type { ExpectationResult, PumpSummary, RunResult, Violation } from './result.js';

export type { RunState } from '../ward/state.js';

export interface BuildInput {
  loaded: LoadedScenario;
  durationMs: number;
  trace: Trace;
  world: World;
  gateway: Gateway;
  agents: Map<string, PumpAgent>;
  network: Network;
  monitor: SafetyMonitor;
  state: RunState;
  violations: Violation[];
  expectations: ExpectationResult[];
  seriesEveryMs: number;
  wallMs: number;
  /** The rollout section, for scenarios with releases, libraries or a rollout. */
  rollout?: RolloutResult | undefined;
}

export function buildResult(b: BuildInput): RunResult {
  const s = b.loaded.scenario;
  // Alarms per pump and pumps per unit counted in one pass each (not a pass over all for every one).
  const alarmsOf = new Map<string, number>();
  for (const a of b.state.alarms) alarmsOf.set(a.pumpId, (alarmsOf.get(a.pumpId) ?? 0) + 1);
  const unitSize = new Map<string, number>();
  for (const f of b.state.fleet) unitSize.set(f.unit, (unitSize.get(f.unit) ?? 0) + 1);
  const pumps: PumpSummary[] = b.state.fleet.map((fp) => {
    const pump = b.world.pump(fp.id).pump;
    const t = pump.telemetry();
    const counted = t.motorNominalMl;
    const st = b.gateway.stats(fp.id);
    return {
      id: fp.id,
      unit: fp.unit,
      segment: fp.segment,
      type: fp.type,
      firmware: b.rollout ? pump.firmwareVersion : fp.firmware,
      finalState: pump.state,
      viMl: round(counted),
      deliveredMl: round(t.mechanismOutputMl),
      deliveredErrorPct: counted > 0 ? round((100 * (t.mechanismOutputMl - counted)) / counted) : 0,
      alarms: alarmsOf.get(fp.id) ?? 0,
      eventsSent: b.agents.get(fp.id)?.eventsSent ?? 0,
      eventsIngested: st.ingested,
    };
  });
  let eventsSent = 0;
  let eventsIngested = 0;
  let duplicatesDropped = 0;
  let gaps = 0;
  let missing = 0;
  for (const p of pumps) {
    const st = b.gateway.stats(p.id);
    eventsSent += p.eventsSent;
    eventsIngested += st.ingested;
    duplicatesDropped += st.duplicates;
    gaps += st.gaps;
    missing += Math.max(0, p.eventsSent - st.ingested);
  }
  const passedAll = b.violations.length === 0 && b.expectations.every((e) => e.passed);
  const outcome = passedAll ? 'pass' : 'violation';
  const units = s.site.units.map((u) => ({ id: u.id, careArea: u.careArea, segment: u.segment, pumps: unitSize.get(u.id) ?? 0 }));
  return {
    scenario: { name: s.name, description: s.description, file: b.loaded.file, seed: s.seed, durationMs: b.durationMs, expectedOutcome: s.outcome },
    seed: s.seed,
    traceHash: b.trace.digest(),
    traceRecords: b.trace.size,
    pumps,
    units,
    alarms: b.state.alarms,
    violations: b.violations,
    expectations: b.expectations,
    network: {
      messagesSent: b.network.stats.sent,
      messagesDelivered: b.network.stats.delivered,
      messagesLost: b.network.stats.lost,
      duplicatesDelivered: b.network.stats.duplicated,
      eventsSent,
      eventsIngested,
      duplicatesDropped,
      gapsDetected: gaps,
      eventsMissing: missing,
      commandsSent: b.gateway.commandsSent,
      commandsRefused: b.monitor.counts.remoteRefused,
      acksRefused: [...b.agents.values()].reduce((n, a) => n + a.acksRefusedTotal, 0),
    },
    series: b.state.series,
    seriesEveryMs: b.seriesEveryMs,
    networkSpans: b.state.networkSpans,
    faultSpans: b.state.faultSpans,
    outcome,
    exitCode: outcome === 'pass' ? 0 : 1,
    wallMs: Math.round(b.wallMs),
    ...(b.rollout ? { rollout: b.rollout } : {}),
    ...(b.state.brokerDeaths?.length ? { brokerDeaths: b.state.brokerDeaths } : {}),
  };
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}
