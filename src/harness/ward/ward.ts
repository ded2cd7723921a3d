/**
 * One ward, built the same way for every way of running a scenario (`infusim run`, `--compare`,
 * `infusim fleet`, `infusim train`): the world and its trace, the fleet of pumps with their update
 * agents, the network (in process, or the MQTT network the caller started), the gateway, the pump
 * agents and ward activities, the safety monitor, and the timeline (timeline.ts). What differs
 * between them is only who drives time (the runner's loop, a paced clock) and who else issues
 * commands (a trainee, an instructor): they get hooks, and drive time with `stepsTo` and the end
 * with `stopActivity`, `settleSteps` and `finalChecks`.
 *
 * Every random draw comes from the scenario's seed in a fixed order (keys, network, one per pump,
 * one per activity, agent start times, the timeline), so one seed gives one trace.
 */
import type { KeyObject } from 'node:crypto';
import { findCareArea } from '../../sim/druglib/load.js';
import type { DrugLibrary } from '../../sim/druglib/schema.js';
import { formatCommand } from '../../sim/protocol/lineCodec.js';
import { Pump } from '../../sim/pump/pump.js';
import { pumpTypeById } from '../../sim/pump/pumpTypes.js';
import { ed25519FromSeed, type RemoteEnvelope } from '../../sim/security/remoteCommand.js';
import { Prng } from '../../sim/time/prng.js';
import type { PumpEvent } from '../../sim/trace/events.js';
import { startFault, type Args, type FaultContext } from '../faults/faults.js';
import { Gateway, type IngestedEvent } from '../gateway/gateway.js';
import { Network, type LinkConditions } from '../link/network.js';
import { linkConditionsOf } from '../scenario/linkConditions.js';
import { PumpAgent, type RemoteCommandRecord } from '../link/pumpAgent.js';
import { ackKeyFor, signedBy } from '../link/signedDown.js';
import { loadLibraryFile } from '../paths.js';
import { hasUpdates, RolloutRuntime } from '../rollout/runtime.js';
import { SafetyMonitor, type RawViolation } from '../safety/monitor.js';
import { parseDurationMs } from '../scenario/duration.js';
import { fleetPumps, type FleetPump } from '../scenario/fleet.js';
import { scenarioLibraryPath, type LoadedScenario } from '../scenario/load.js';
import type { RolloutPolicyYaml, Scenario } from '../scenario/schema.js';
import type { FaultName } from '../scenario/timelineTable.js';
import { Trace } from '../trace/trace.js';
import { WardActivity } from '../world/wardActivity.js';
import { World } from '../world/world.js';
import { answerAlarms, newRunState, trackAlarm, type RunState } from './state.js';
import { scheduleTimeline, type TimelineHooks } from './timeline.js';
import { scheduleParking } from './parking.js';
// --- monitor (docs/monitoring.md) ---
import { attachMonitor, type AttachedMonitor } from '../monitor/attach.js';
import { reachRulesOf } from '../link/reach.js';
import { BlastRecorder } from '../faults/blastRadius.js';
import type { Alert } from '../monitor/alert.js';
import { UnitSeries } from './unitSeries.js';

/** How long after the end the run goes on, links healed, so every outbox drains. */
export const SETTLE_MS = 10 * 60_000;

/** Who started a fault: the scenario's timeline or a training instructor. */
export type FaultSource = 'scenario' | 'instructor';

/** What the ward tells whoever drives it, after it has traced and checked it itself. */
export interface WardHooks extends TimelineHooks {
  /** A remote command reached a pump (with the ward's own verdict on who sent it). */
  onRemote?: (r: RemoteCommandRecord) => void;
  onPumpEvent?: (pumpId: string, e: PumpEvent) => void;
  onViolation?: (v: RawViolation) => void;
  onEscalate?: (pumpId: string, alarmId: string, level: number, tMs: number) => void;
  /** A network state change (a partition, a gateway outage, a storm). */
  onNet?: (what: NetChange, target: string) => void;
  onFault?: (phase: 'start' | 'end', fault: FaultName, target: string, args: Args, who: FaultSource) => void;
  /** The unit series were sampled (the advisory loop samples its exposure then). */
  onSample?: (tMs: number) => void;
  /** The gateway ingested a pump event (once per event; the HL7 link reports from it). */
  onIngest?: (rec: IngestedEvent) => void;
  /** The traffic monitor raised an alert (only with `monitor:`). */
  onAlert?: (a: Alert) => void;
}

export type NetChange = 'link-down' | 'link-up' | 'gateway-down' | 'gateway-up';

/** The first part of a ward: what exists before its network (the MQTT network needs the world and its seed). */
export interface WardPlan {
  loaded: LoadedScenario;
  scenario: Scenario;
  durationMs: number;
  library: DrugLibrary;
  keys: { privateKey: KeyObject; publicKey: KeyObject };
  rollout: RolloutRuntime | undefined;
  world: World;
  trace: Trace;
  /** The pumps this process runs: the whole fleet, or one shard of it (scenario/shard.ts). */
  fleet: FleetPump[];
  /** The scenario's whole fleet: seeds are drawn and timeline targets picked over it, so a shard's pumps are those of the whole run. */
  allPumps: FleetPump[];
  linkDefaults: LinkConditions;
  networkSeed: number;
  /** The seed's draws after the network's: pumps, activities, agent starts, timeline. */
  seeds: Prng;
}

export interface PlanOptions {
  rolloutPolicy?: (RolloutPolicyYaml & { name: string }) | undefined;
  /**
   * Keep every trace record in memory and every event the gateway ingests (default true). Without,
   * the trace is still hashed, counted and handed to its listeners, and memory per pump stays flat
   * (issue 20).
   */
  keepTrace?: boolean | undefined;
  /**
   * Which pumps this process runs, by their index in fleet order (a shard: scenario/shard.ts);
   * default every one. The others' random draws are still made, so each pump gets the seeds it
   * has in the whole run.
   */
  runsPump?: ((index: number) => boolean) | undefined;
}

export function planWard(loaded: LoadedScenario, options: PlanOptions = {}): WardPlan {
  const s = loaded.scenario;
  const durationMs = parseDurationMs(s.duration);
  const library = loadLibraryFile(scenarioLibraryPath(loaded));
  const seeds = new Prng(s.seed);
  const keys = ed25519FromSeed(new Uint8Array(32).map(() => seeds.nextUint32() & 0xff));
  // Firmware and library updates: only for scenarios that declare them (others keep their traces).
  const rollout = hasUpdates(s) ? new RolloutRuntime(loaded, library, options.rolloutPolicy) : undefined;
  const world = new World();
  const trace = new Trace({ keep: options.keepTrace ?? true });
  const allPumps = fleetPumps(s);
  const runsPump = options.runsPump;
  const fleet = runsPump ? allPumps.filter((_, i) => runsPump(i)) : allPumps;
  const linkDefaults = linkConditionsOf(s.link);
  const networkSeed = seeds.nextUint32();
  return { loaded, scenario: s, durationMs, library, keys, rollout, world, trace, fleet, allPumps, linkDefaults, networkSeed, seeds };
}

export interface WardOptions {
  /** The network to use (the MQTT one, started on the plan's world and network seed); default in process. */
  network?: Network | undefined;
  /** The gateway on the network is someone else's (infusim fleet): a command is the gateway's when its signature is. */
  externalGateway?: boolean | undefined;
  hooks?: WardHooks | undefined;
  /** Starts a fault that acts outside the ward (the HL7 engine's, hl7/runLink.ts) and returns its end; undefined: the ward's own. */
  startFault?: ((fault: FaultName, args: Args) => (() => void) | undefined) | undefined;
}

export class Ward {
  readonly loaded: LoadedScenario;
  readonly scenario: Scenario;
  readonly durationMs: number;
  readonly library: DrugLibrary;
  readonly world: World;
  readonly trace: Trace;
  readonly fleet: FleetPump[];
  /** The scenario's whole fleet (the same as fleet unless this process runs one shard). */
  readonly allPumps: FleetPump[];
  /** The gateway is this process's (not someone else's, nor another process's: options.externalGateway). */
  readonly runsGateway: boolean;
  readonly network: Network;
  readonly gateway: Gateway;
  readonly monitor: SafetyMonitor;
  readonly rollout: RolloutRuntime | undefined;
  readonly agents = new Map<string, PumpAgent>();
  readonly activities = new Map<string, WardActivity>();
  readonly state: RunState;
  readonly violations: RawViolation[] = [];
  readonly faultCtx: FaultContext;
  /** Unit series are sampled this often (about 288 points a run, at least a minute apart). */
  readonly seriesEveryMs: number;
  private nextSampleMs = 0;
  private readonly unitSeries: UnitSeries;
  private readonly faultEnds: (() => void)[] = [];
  /** Heals the links of the pumps parked at the end of the run (parking.ts). */
  private readonly unparkLinks: () => void;
  /** The passive traffic monitor, when the scenario has `monitor:` (src/harness/monitor). */
  readonly traffic: AttachedMonitor | undefined;
  /** Each attack's blast radius (faults/blastRadius.ts). */
  readonly blast: BlastRecorder;

  constructor(
    plan: WardPlan,
    private readonly options: WardOptions = {},
  ) {
    const hooks = options.hooks ?? {};
    const { world, trace, fleet, keys, seeds, rollout } = plan;
    const s = plan.scenario;
    this.loaded = plan.loaded;
    this.scenario = s;
    this.durationMs = plan.durationMs;
    this.library = plan.library;
    this.world = world;
    this.trace = trace;
    this.fleet = fleet;
    this.allPumps = plan.allPumps;
    const runs = new Set(fleet);
    this.rollout = rollout;
    this.runsGateway = options.externalGateway !== true;
    this.network = options.network ?? new Network(world, plan.networkSeed, plan.linkDefaults);
    this.network.reach = reachRulesOf(s.site, s.monitor?.gatewaySegment ?? 'core'); // segments as security boundaries
    this.blast = new BlastRecorder(fleet, this.network);
    this.traffic = attachMonitor(s, fleet, this.network, world, hooks.onAlert); // --- monitor ---
    this.seriesEveryMs = Math.max(60_000, Math.round(this.durationMs / 288 / 60_000) * 60_000);
    const state = (this.state = newRunState(fleet));
    this.monitor = new SafetyMonitor((v) => {
      this.violations.push(v);
      trace.add({ tMs: v.tMs, kind: 'violation', rule: v.rule, pumpId: v.pumpId, detail: v.detail });
      hooks.onViolation?.(v);
    });
    const monitor = this.monitor;
    const gateway = (this.gateway = new Gateway(world, this.network, keys.privateKey, {
      keepRecord: trace.kept,
      onDuplicate: () => undefined,
      ...(rollout || hooks.onIngest
        ? {
            onIngest: (rec: IngestedEvent) => {
              rollout?.onIngest(rec.pumpId, rec.event);
              hooks.onIngest?.(rec);
            },
          }
        : {}),
      onGap: (pumpId, fromSeq) => trace.add({ tMs: world.nowMs, kind: 'ingest', pumpId, seq: fromSeq, duplicate: false, gapFrom: fromSeq }),
      onEscalate: (pumpId, alarmId, level, tMs) => {
        state.escalations.push({ pumpId, alarmId, level, tMs });
        trace.add({ tMs, kind: 'escalation', pumpId, alarm: alarmId, level });
        hooks.onEscalate?.(pumpId, alarmId, level, tMs);
      },
    }));

    // Who sent a command that reached a pump: the gateway's own record of what it sent (never the
    // sender's `from`). With someone else's gateway (infusim fleet) the run has no such record: a
    // command is the gateway's when it carries a valid signature of the gateway's key.
    const external = options.externalGateway === true;
    const provenance = (e: RemoteEnvelope): 'gateway' | 'rogue' => (external ? (signedBy(e, keys.publicKey) ? 'gateway' : 'rogue') : gateway.consumeSent(e) ? 'gateway' : 'rogue');
    const telemetryEveryMs = parseDurationMs(s.telemetryEvery);
    for (const fp of plan.allPumps) {
      gateway.register(fp.id);
      if (!runs.has(fp)) {
        // Another process's pump (a shard): the gateway's link state for it, and its two draws (pump, activity), so the next pump gets its own.
        if (this.runsGateway) this.network.attachRemotePump(fp.id, fp.segment);
        seeds.nextUint32();
        seeds.nextUint32();
        continue;
      }
      const unit = s.site.units.find((u) => u.id === fp.unit);
      const area = findCareArea(plan.library, fp.careArea);
      if (!unit || !area) throw new RangeError(`unit ${fp.unit} or care area ${fp.careArea} missing`);
      const legacy = fp.profile === 'legacy-unauthenticated';
      const pump = new Pump({
        type: pumpTypeById(fp.type),
        seed: seeds.nextUint32(),
        library: plan.library,
        areaId: area.id,
        firmwareVersion: fp.firmware,
        serial: fp.id,
        maxLogEntries: 20_000,
        remote: { trustedKey: keys.publicKey, pumpId: fp.id, acceptUnauthenticated: legacy },
        ...(rollout ? rollout.pumpOptions(fp) : {}),
      });
      const auth = { trustedKey: keys.publicKey, ackKey: ackKeyFor(keys.privateKey, fp.id), acceptUnauthenticated: legacy, acceptUnsignedAcks: external };
      const agent = new PumpAgent(fp.id, fp.segment, world, this.network, { telemetryEveryMs, provenance, auth }, (r) => {
        monitor.remote(r);
        this.blast.remote(r);
        trace.add({ tMs: r.tMs, kind: 'command', pumpId: r.pumpId, source: r.source, ...(r.claimed !== undefined && r.claimed !== r.source ? { claimed: r.claimed } : {}), command: r.command, ok: r.reply.ok, code: r.reply.ok ? undefined : r.reply.code, auth: r.verdict === 'accepted' ? 'accepted' : r.verdict === 'bad-signature' ? 'bad-mac' : r.verdict === 'wrong-pump' ? 'unknown-key' : r.verdict });
        hooks.onRemote?.(r);
      });
      this.agents.set(fp.id, agent);
      world.addPump(fp.id, pump);
      monitor.watch(fp.id, pump);
      const activity = new WardActivity(world, fp.id, seeds.nextUint32(), {
        area,
        generate: unit.patients !== undefined,
        respond: unit.nurse.respond,
        nurseResponseMs: [parseDurationMs(unit.nurse.responseTime.min), parseDurationMs(unit.nurse.responseTime.max)],
        ...(unit.patients ?? {}),
      });
      this.activities.set(fp.id, activity);
    }

    rollout?.attach({ world, gateway, trace, fleet, monitor, alarms: state.alarms });
    world.setStepHook((slot, step) => monitor.step(slot.id, slot.pump, step));
    world.onCommand((pumpId, c, r, source) => {
      monitor.noteCommand(pumpId, world.nowMs, source, c, r);
      if (source === 'gateway' || source === 'rogue') return; // the agent records remote commands with their verdict
      trace.add({ tMs: world.nowMs, kind: 'command', pumpId, source: source === 'nurse' || source === 'comms' ? source : 'scenario', command: formatCommand(c), ok: r.ok, code: r.ok ? undefined : r.code, auth: 'local' });
      if (r.ok && (c.cmd === 'ACK' || c.cmd === 'SILENCE')) answerAlarms(state, pumpId, world.nowMs, c.cmd === 'ACK' ? c.alarm : undefined);
    });
    world.onEvent((pumpId, e) => {
      trace.add({ tMs: e.tMs, kind: 'pump', pumpId, event: e });
      monitor.event(pumpId, e);
      this.blast.pumpEvent(pumpId, e);
      rollout?.onPumpEvent(pumpId, e);
      this.agents.get(pumpId)?.onPumpEvent(e);
      this.activities.get(pumpId)?.onEvent(e);
      trackAlarm(state, pumpId, e);
      hooks.onPumpEvent?.(pumpId, e);
    });

    const net = (what: NetChange, target: string): void => {
      trace.add({ tMs: world.nowMs, kind: 'net', what, target });
      if (what.endsWith('down')) state.openNet.set(target, world.nowMs);
      else {
        const start = state.openNet.get(target);
        state.openNet.delete(target);
        if (start !== undefined) state.networkSpans.push({ what: what === 'gateway-up' ? 'gateway down' : 'link down', target, startMs: start, endMs: world.nowMs });
      }
      hooks.onNet?.(what, target);
    };
    this.faultCtx = { world, network: this.network, gateway, agents: this.agents, monitor, net, blast: this.blast };

    // Start the fleet: agents and activities; then the timeline.
    const startPrng = new Prng(seeds.nextUint32());
    for (const fp of plan.allPumps) {
      const startMs = Math.floor(startPrng.uniform(0, telemetryEveryMs)); // drawn for every pump of the fleet, run here or not
      this.agents.get(fp.id)?.start(startMs);
      this.activities.get(fp.id)?.start(this.durationMs);
    }
    scheduleTimeline(this, new Prng(seeds.nextUint32()), hooks);
    this.unparkLinks = scheduleParking(this, s.inventory);
    for (const u of s.site.units) state.series[u.id] = [];
    this.unitSeries = new UnitSeries(world, fleet, state.series);
  }

  /**
   * Start a fault now on `pumps` (selected by `target`); traced, and its span kept. Returns its end,
   * which runs once (the timeline's `end:`, the instructor's `for`, or the end of the run).
   */
  startFault(fault: FaultName, target: string, pumps: readonly FleetPump[], args: Args, who: FaultSource): () => void {
    const { world, trace } = this;
    trace.add({ tMs: world.nowMs, kind: 'fault', fault, phase: 'start', target, pumps: pumps.length });
    this.options.hooks?.onFault?.('start', fault, target, args, who);
    const startedMs = world.nowMs;
    const end = this.options.startFault?.(fault, args) ?? startFault(this.faultCtx, fault, target, pumps, args);
    let ended = false;
    const finish = (): void => {
      if (ended) return;
      ended = true;
      end();
      trace.add({ tMs: world.nowMs, kind: 'fault', fault, phase: 'end', target, pumps: pumps.length });
      this.state.faultSpans.push({ what: fault, target, startMs: startedMs, endMs: world.nowMs });
      this.options.hooks?.onFault?.('end', fault, target, args, who);
    };
    this.faultEnds.push(finish);
    return finish;
  }

  /**
   * The instants to run the world to, in order, to reach `untilMs`: each unit-series sample time
   * on the way (the ward samples once the caller has run the world there), then `untilMs`. The
   * runner and a training session step through the same instants, so they touch pumps alike.
   */
  *stepsTo(untilMs: number): Generator<number, void, void> {
    while (this.nextSampleMs <= untilMs) {
      yield this.nextSampleMs;
      this.sample();
      this.nextSampleMs += this.seriesEveryMs;
    }
    yield untilMs;
  }

  private sample(): void {
    const { world } = this;
    this.unitSeries.sample();
    this.rollout?.sampleVersions(world.nowMs);
    this.options.hooks?.onSample?.(world.nowMs);
  }

  /** The end of the run: activities stop, every fault ends (links heal), agents flush their outboxes. */
  stopActivity(): void {
    for (const a of this.activities.values()) a.stop();
    for (const finish of this.faultEnds) finish();
    this.unparkLinks();
    for (const a of this.agents.values()) a.flush();
  }

  /** After stopActivity: the instants to run the world to until every outbox drained (at most SETTLE_MS); then the agents stop. */
  *settleSteps(): Generator<number, void, void> {
    const fromMs = this.world.nowMs;
    const settleEnd = fromMs + SETTLE_MS;
    const agents = [...this.agents.values()];
    for (let t = fromMs; t < settleEnd; t += 30_000) {
      yield t + 30_000;
      if (agents.every((a) => a.outboxDepth === 0)) break;
      for (const a of agents) if (a.outboxDepth > 0) a.flush();
    }
    for (const a of agents) a.stop();
  }

  /** After settling: every pump's events ingested exactly once, the final safety checks, the spans still open. */
  finalChecks(): void {
    const { world, monitor, state } = this;
    const endMs = world.nowMs;
    for (const fp of this.fleet) {
      const agent = this.agents.get(fp.id);
      const st = this.gateway.stats(fp.id);
      if (agent) monitor.exactlyOnce(fp.id, endMs, agent.eventsSent, st.ingested, st.contiguousUpTo, agent.overflowDropped);
      const slot = world.pump(fp.id);
      world.touch(slot);
      monitor.finish(fp.id, slot.pump);
    }
    for (const [target, start] of state.openNet) state.networkSpans.push({ what: 'link down', target, startMs: start, endMs });
  }
}
