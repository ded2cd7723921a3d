/**
 * Run a scenario: build the ward (src/harness/ward: fleet, network, gateway, agents, timeline),
 * drive it on the world's virtual clock, check the safety rules all along, and return
 * the RunResult that every report reads. At `speed: 'max'` the world jumps from event to event;
 * at a factor (1 = real time) it is paced against the wall clock.
 */
import { setImmediate as yieldToLoop, setTimeout as sleep } from 'node:timers/promises';
import { isAlarmId, type AlarmId } from '../../sim/alarms/alarmTable.js';
import type { Gateway, IngestedEvent } from '../gateway/gateway.js';
import type { LoadedScenario } from '../scenario/load.js';
import type { RolloutPolicyYaml } from '../scenario/schema.js';
import type { Trace } from '../trace/trace.js';
import { ViolationContexts } from '../trace/violationContext.js';
import { planWard, SETTLE_MS, Ward } from '../ward/ward.js';
import type { World } from '../world/world.js';
import { buildResult } from './buildResult.js';
import { evaluateExpectations, ExpectedStates } from './expectations.js';
import type { RunResult } from './result.js';
// --- inventory, advisory (src/harness/inventory, src/harness/advisory): read the ward; the advisory acts through its hooks ---
import { RunInventory } from '../inventory/runInventory.js';
import { advisoryRunFor } from '../advisory/scenario.js';
import type { AdvisoryRun } from '../advisory/runtime.js';
import { parseDurationMs } from '../scenario/duration.js';
// --- mqtt transport (src/harness/mqttlink) ---
import type { MqttRunInfo, TransportOption } from '../mqttlink/transport.js';
// --- monitor (src/harness/monitor, docs/monitoring.md) ---
import { monitorReport } from '../monitor/attach.js';
import type { Alert } from '../monitor/alert.js';
// --- playbooks (src/harness/playbook, docs/playbooks.md) ---
import { attachPlaybooks, incidentFigures } from '../playbook/attach.js';
import type { PlaybookRunner } from '../playbook/runtime.js';
// --- hl7 (src/harness/hl7, docs/hl7.md) ---
import type { Hl7Option, Hl7RunInfo } from '../hl7/runLink.js';
import type { RemoteCommandRecord } from '../link/pumpAgent.js';
import type { PumpEvent } from '../../sim/trace/events.js';

export { SETTLE_MS } from '../ward/ward.js';

export type Speed = 'max' | number;

export interface RunOptions {
  /** 'max' (default): as fast as possible; a number: that many virtual seconds per wall second. */
  speed?: Speed;
  /** Called now and then with the run's progress (virtual time, pumps, alarms, violations). */
  onProgress?: (p: { tMs: number; totalMs: number; pumps: number; activeAlarms: number; violations: number }) => void;
  /** Wall clock for pacing and wallMs (injected for tests); defaults to performance.now. */
  wallNowMs?: () => number;
  /**
   * Keep every trace record in memory (`trace.records`) and every event the gateway ingested
   * (`gateway.record`); default true. Without, memory per pump stays flat: the trace is hashed
   * and counted, and `onTraceLine` can write it as it goes (issue 20).
   */
  keepTrace?: boolean;
  /** Each trace line as it is written (a trace file streamed during the run). */
  onTraceLine?: (line: string) => void;
  /** In-process network (default) or a real MQTT broker (docs/mqtt.md). */
  transport?: TransportOption;
  /** Run the scenario's rollout under this policy instead of its own (what-if comparisons, docs/rollout.md). */
  rolloutPolicy?: RolloutPolicyYaml & { name: string };
  /** Send PCD-01 from the gateway to this HL7 engine (docs/hl7.md); a scenario with `hl7:` uses infusim's own listener without it. */
  hl7?: Hl7Option;
  /** Each alert of the traffic monitor as it is raised (a scenario with `monitor:`; `--alerts`, `--syslog`). */
  onAlert?: (a: Alert) => void;
  /** Run only these pumps of the fleet, by index in fleet order (a shard, scenario/shard.ts); default all. */
  runsPump?: (index: number) => boolean;
  /** Awaited once every connection is up, before the clock starts (`--workers N` paced: every process starts its clock on one signal). */
  beforeClock?: () => Promise<void>;
  /** After the ward's own settle, go on 30 s at a time while this holds, at most SETTLE_MS (the gateway's process while the pump shards drain their outboxes). */
  settleWhile?: () => boolean;
}

export interface ScenarioRun {
  result: RunResult;
  trace: Trace;
  world: World;
  gateway: Gateway;
  /** With the MQTT transport: broker, counters (malformed, coalesced telemetry, reconnects) and log. */
  mqtt?: MqttRunInfo;
  /** With HL7: the gateway's queue and the engine's answers. */
  hl7?: Hl7RunInfo;
}

export async function runScenario(loaded: LoadedScenario, options: RunOptions = {}): Promise<ScenarioRun> {
  const wallNow = options.wallNowMs ?? (() => performance.now());
  const wallStart = wallNow();
  const plan = planWard(loaded, { rolloutPolicy: options.rolloutPolicy, keepTrace: options.keepTrace, runsPump: options.runsPump });
  const { world, trace, fleet, durationMs } = plan;
  // Gathered as the trace is written (before the ward adds a record), so neither reads a kept trace.
  if (options.onTraceLine) trace.onLine(options.onTraceLine);
  const contexts = new ViolationContexts(trace);
  const expectedStates = new ExpectedStates(plan.scenario, fleet, durationMs, trace);
  // --- mqtt transport: the same Network surface over a real broker, advanced with a quiescence barrier ---
  // Loaded only when asked for, so an in-process run does not load the MQTT client and broker.
  // Pumps whose link can have conditions connect through the link proxy (docs/mqtt.md).
  const mqttRun = options.transport?.kind === 'mqtt' ? await (await import('../mqttlink/transport.js')).startMqtt(world, plan.networkSeed, plan.linkDefaults, plan.scenario.name, plan.allPumps, options.transport, (await import('../mqttlink/shapedPumps.js')).pumpsWithLinkConditions(plan.scenario, fleet)) : undefined;
  // --- hl7: loaded only when the scenario or the command asks for it ---
  const hl7 = plan.scenario.hl7 !== undefined || options.hl7 !== undefined ? new (await import('../hl7/runLink.js')).Hl7RunLink(plan.scenario, fleet, plan.library, options.hl7) : undefined;
  await hl7?.start();
  const advance = async (untilMs: number): Promise<void> => {
    if (mqttRun) await mqttRun.advance(untilMs);
    else world.runUntil(untilMs);
    await hl7?.barrier();
  };
  // --- end mqtt transport ---
  const externalGateway = options.transport?.kind === 'mqtt' && options.transport.externalGateway === true;
  const advisory: { run?: AdvisoryRun | undefined } = {}; // --- advisory: set below, before the world runs ---
  const playbooks: { runner?: PlaybookRunner | undefined } = {}; // --- playbooks: set below, before the world runs ---
  const onAlert = (a: Alert): void => {
    options.onAlert?.(a);
    playbooks.runner?.onAlert(a);
  };
  const hooks = { onAdvisory: (tMs: number) => advisory.run?.act(tMs), onSample: (tMs: number) => advisory.run?.sample(tMs), ...(options.onAlert || plan.scenario.playbooks ? { onAlert } : {}) };
  const ward = new Ward(plan, {
    network: mqttRun?.network,
    externalGateway,
    hooks: { ...hooks, ...(hl7 ? { onIngest: (rec: IngestedEvent) => hl7.onIngest(rec), onRemote: (r: RemoteCommandRecord) => hl7.onRemote(r), onPumpEvent: (pumpId: string, e: PumpEvent) => hl7.onPumpEvent(pumpId, e), onEscalate: (pumpId: string, alarmId: string, level: number) => hl7.onEscalate(pumpId, alarmId, level) } : {}) },
    ...(hl7 ? { startFault: (fault, args) => hl7.startFault(fault, args) } : {}),
  });
  hl7?.attach(world, ward.gateway, durationMs);
  playbooks.runner = attachPlaybooks(ward); // --- playbooks ---
  const { state, violations } = ward;
  // --- inventory, advisory: the advisory file is read and validated before anything runs ---
  const inventory = new RunInventory(loaded, fleet, world, ward.gateway, parseDurationMs(plan.scenario.telemetryEvery));
  const advisoryRun = (advisory.run = await advisoryRunFor(loaded, inventory, trace, { startRollout: (ids) => ward.rollout?.startFromAdvisory(ids), isolate: (id) => ward.network.isolateToGateway(id), narrowAcl: (id) => ward.network.narrowAcl(id) }));
  if (mqttRun) {
    // An unplanned broker death is never silent: in the trace and the result (the run restarts the broker).
    mqttRun.network.onBrokerDeath = (tMs, detail) => {
      (state.brokerDeaths ??= []).push({ tMs, detail });
      trace.add({ tMs, kind: 'broker', what: 'died', detail });
    };
  }

  // Run: the world goes from event to event, sampled on the way (ward.stepsTo).
  if (mqttRun) await mqttRun.network.ready();
  await options.beforeClock?.();
  const speed = options.speed ?? 'max';
  const progress = (): void => options.onProgress?.({ tMs: world.nowMs, totalMs: durationMs, pumps: fleet.length, activeAlarms: state.alarmsOpen.size, violations: violations.length });
  if (speed === 'max') {
    const chunkMs = Math.max(60_000, Math.round(durationMs / 200));
    for (let t = 0; t < durationMs; ) {
      const next = Math.min(durationMs, t + chunkMs);
      for (const step of ward.stepsTo(next)) await advance(step);
      t = next;
      progress();
      await yieldToLoop();
    }
  } else {
    const wallT0 = wallNow();
    const stepWallMs = 100;
    while (world.nowMs < durationMs) {
      const target = Math.min(durationMs, Math.floor((wallNow() - wallT0) * speed));
      for (const step of ward.stepsTo(target)) await advance(step);
      progress();
      if (world.nowMs < durationMs) await sleep(stepWallMs);
    }
  }
  for (const step of ward.stepsTo(durationMs)) await advance(step);
  const inventoryReport = inventory.report(durationMs); // --- inventory: at the end, before the settle ---

  // After the end: activities stop, every fault ends, links heal, outboxes drain.
  ward.stopActivity();
  for (const step of ward.settleSteps()) await advance(step);
  for (const endMs = world.nowMs + SETTLE_MS; options.settleWhile?.() === true && world.nowMs < endMs; ) await advance(world.nowMs + 30_000);
  const hl7Info = await hl7?.finish();
  const mqttInfo = mqttRun?.info();
  await mqttRun?.close();
  ward.finalChecks();
  progress();

  const { gateway, monitor } = ward;
  const traffic = ward.traffic ? monitorReport(ward.traffic, state.faultSpans, fleet.length, durationMs) : undefined; // --- monitor ---
  const incidents = playbooks.runner ? incidentFigures(playbooks.runner, ward) : undefined; // --- playbooks ---
  const expectations = evaluateExpectations(plan.scenario, { fleet, allPumps: plan.allPumps, world, trace, state, monitor, durationMs, states: expectedStates, advisory: advisoryRun, hl7: hl7Info, traffic, playbooks: incidents });
  const result = buildResult({
    loaded,
    durationMs,
    trace,
    world,
    gateway,
    agents: ward.agents,
    network: ward.network,
    monitor,
    state,
    violations: violations.map((v) => ({ ...v, context: contexts.of(v) })),
    expectations,
    seriesEveryMs: ward.seriesEveryMs,
    wallMs: wallNow() - wallStart,
    rollout: ward.rollout?.result(),
  });
  result.inventory = inventoryReport; // --- inventory ---
  result.advisory = advisoryRun?.result(); // --- advisory ---
  if (traffic) result.monitor = traffic; // --- monitor ---
  if (incidents) result.playbooks = incidents; // --- playbooks ---
  const blast = ward.blast.report();
  if (blast.length > 0) result.blastRadius = blast;
  return { result, trace, world, gateway, ...(mqttInfo ? { mqtt: mqttInfo } : {}), ...(hl7Info ? { hl7: hl7Info } : {}) };
}

export function alarmIdOrThrow(id: string): AlarmId {
  if (!isAlarmId(id)) throw new RangeError(`unknown alarm "${id}"`);
  return id;
}
