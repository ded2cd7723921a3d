/**
 * Run a scenario: build the fleet, the in-process network and the gateway, play the timeline of
 * actions and faults on the world's virtual clock, check the safety rules all along, and return
 * the RunResult that every report reads. At `speed: 'max'` the world jumps from event to event;
 * at a factor (1 = real time) it is paced against the wall clock.
 */
import { setImmediate as yieldToLoop, setTimeout as sleep } from 'node:timers/promises';
import { isAlarmId, type AlarmId } from '../../sim/alarms/alarmTable.js';
import { findCareArea } from '../../sim/druglib/load.js';
import { Pump } from '../../sim/pump/pump.js';
import { pumpTypeById } from '../../sim/pump/pumpTypes.js';
import { formatCommand } from '../../sim/protocol/lineCodec.js';
import { ed25519FromSeed, type RemoteEnvelope } from '../../sim/security/remoteCommand.js';
import { ackKeyFor, signedBy } from '../link/signedDown.js';
import { Prng } from '../../sim/time/prng.js';
import { Gateway } from '../gateway/gateway.js';
import { linkConditionsOf, Network } from '../link/network.js';
import { PumpAgent } from '../link/pumpAgent.js';
import { loadLibraryFile } from '../paths.js';
import { SafetyMonitor, type RawViolation } from '../safety/monitor.js';
import { parseDurationMs } from '../scenario/duration.js';
import { fleetPumps, resolveTarget, type FleetPump } from '../scenario/fleet.js';
import { scenarioLibraryPath, type LoadedScenario } from '../scenario/load.js';
import type { Scenario } from '../scenario/schema.js';
import { formatTraceRecord, Trace } from '../trace/trace.js';
import { WardActivity } from '../world/wardActivity.js';
import { World } from '../world/world.js';
import { evaluateExpectations } from './expectations.js';
import { buildResult, type RunState } from './buildResult.js';
import { startFault, reconnectStorm, rogueSend, type FaultContext } from '../faults/faults.js';
import { actionCommand } from './actions.js';
import type { RunResult } from './result.js';
import { hasUpdates, RolloutRuntime } from '../rollout/runtime.js';
import { ROLLOUT_ACTIONS, type RolloutPolicyYaml } from '../scenario/schema.js';
// --- mqtt transport (src/harness/mqtt) ---
import type { MqttRunInfo, TransportOption } from '../mqtt/transport.js';
// --- hl7 (src/harness/hl7, docs/hl7.md) ---
import type { Hl7Option, Hl7RunInfo } from '../hl7/runLink.js';

export type Speed = 'max' | number;

export interface RunOptions {
  /** 'max' (default): as fast as possible; a number: that many virtual seconds per wall second. */
  speed?: Speed;
  /** Called now and then with the run's progress (virtual time, pumps, alarms, violations). */
  onProgress?: (p: { tMs: number; totalMs: number; pumps: number; activeAlarms: number; violations: number }) => void;
  /** Wall clock for pacing and wallMs (injected for tests); defaults to performance.now. */
  wallNowMs?: () => number;
  /** Keep the full trace in the result's run state (default true). */
  keepTrace?: boolean;
  /** In-process network (default) or a real MQTT broker (docs/mqtt.md). */
  transport?: TransportOption;
  /** Run the scenario's rollout under this policy instead of its own (what-if comparisons, docs/rollout.md). */
  rolloutPolicy?: RolloutPolicyYaml & { name: string };
  /** Send PCD-01 from the gateway to this HL7 engine (docs/hl7.md); a scenario with `hl7:` uses infusim's own listener without it. */
  hl7?: Hl7Option;
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

/** How long after the end the run goes on, links healed, so every outbox drains. */
export const SETTLE_MS = 10 * 60_000;

export async function runScenario(loaded: LoadedScenario, options: RunOptions = {}): Promise<ScenarioRun> {
  const wallNow = options.wallNowMs ?? (() => performance.now());
  const wallStart = wallNow();
  const s: Scenario = loaded.scenario;
  const durationMs = parseDurationMs(s.duration);
  const library = loadLibraryFile(scenarioLibraryPath(loaded));
  const seeds = new Prng(s.seed);
  const keySeed = new Uint8Array(32).map(() => seeds.nextUint32() & 0xff);
  const keys = ed25519FromSeed(keySeed);
  // Firmware and library updates: only for scenarios that declare them (others keep their traces).
  const rollout = hasUpdates(s) ? new RolloutRuntime(loaded, library, options.rolloutPolicy) : undefined;

  const world = new World();
  const trace = new Trace();
  const fleet = fleetPumps(s);
  const linkDefaults = linkConditionsOf(s.link);
  const networkSeed = seeds.nextUint32();
  // --- mqtt transport: the same Network surface over a real broker, advanced with a quiescence barrier ---
  // Loaded only when asked for, so an in-process run does not load the MQTT client and broker.
  // Pumps whose link can have conditions connect through the link proxy (docs/mqtt.md).
  const mqttRun = options.transport?.kind === 'mqtt' ? await (await import('../mqtt/transport.js')).startMqtt(world, networkSeed, linkDefaults, s.name, fleet, options.transport, (await import('../mqtt/linkPumps.js')).pumpsWithLinkConditions(s, fleet)) : undefined;
  const network = mqttRun?.network ?? new Network(world, networkSeed, linkDefaults);
  // --- hl7: loaded only when the scenario or the command asks for it ---
  const hl7 = (s.hl7 !== undefined || options.hl7 !== undefined) ? new (await import('../hl7/runLink.js')).Hl7RunLink(s, fleet, library, options.hl7) : undefined;
  await hl7?.start();
  const advance = async (untilMs: number): Promise<void> => {
    if (mqttRun) await mqttRun.advance(untilMs);
    else world.runUntil(untilMs);
    await hl7?.barrier();
  };
  // --- end mqtt transport ---

  const violations: RawViolation[] = [];
  const monitor = new SafetyMonitor((v) => {
    violations.push(v);
    trace.add({ tMs: v.tMs, kind: 'violation', rule: v.rule, pumpId: v.pumpId, detail: v.detail });
  });
  const state: RunState = { fleet, alarmsOpen: new Map(), alarms: [], series: {}, escalations: [], networkSpans: [], faultSpans: [], openNet: new Map() };
  if (mqttRun) {
    // An unplanned broker death is never silent: in the trace and the result (the run restarts the broker).
    mqttRun.network.onBrokerDeath = (tMs, detail) => {
      (state.brokerDeaths ??= []).push({ tMs, detail });
      trace.add({ tMs, kind: 'broker', what: 'died', detail });
    };
  }

  const gateway = new Gateway(world, network, keys.privateKey, {
    onDuplicate: () => undefined,
    ...(rollout ? { onIngest: (rec: { pumpId: string; event: Parameters<RolloutRuntime['onIngest']>[1] }) => rollout.onIngest(rec.pumpId, rec.event) } : {}),
    ...(hl7 ? { onIngest: (rec: Parameters<NonNullable<typeof hl7>['onIngest']>[0]) => (rollout?.onIngest(rec.pumpId, rec.event), hl7.onIngest(rec)) } : {}),
    onGap: (pumpId, fromSeq) => trace.add({ tMs: world.nowMs, kind: 'ingest', pumpId, seq: fromSeq, duplicate: false, gapFrom: fromSeq }),
    onEscalate: (pumpId, alarmId, level, tMs) => {
      state.escalations.push({ pumpId, alarmId, level, tMs });
      trace.add({ tMs, kind: 'escalation', pumpId, alarm: alarmId, level });
    },
  });

  // Who sent a command that reached a pump: the gateway's own record of what it sent (never the
  // sender's `from`). With someone else's gateway (infusim fleet) the run has no such record: a
  // command is the gateway's when it carries a valid signature of the gateway's key.
  const externalGateway = options.transport?.kind === 'mqtt' && options.transport.externalGateway === true;
  const provenance = (e: RemoteEnvelope): 'gateway' | 'rogue' => (externalGateway ? (signedBy(e, keys.publicKey) ? 'gateway' : 'rogue') : gateway.consumeSent(e) ? 'gateway' : 'rogue');
  const agents = new Map<string, PumpAgent>();
  const activities = new Map<string, WardActivity>();
  const telemetryEveryMs = parseDurationMs(s.telemetryEvery);
  for (const fp of fleet) {
    const unit = s.site.units.find((u) => u.id === fp.unit);
    const area = findCareArea(library, fp.careArea);
    if (!unit || !area) throw new RangeError(`unit ${fp.unit} or care area ${fp.careArea} missing`);
    const pump = new Pump({
      type: pumpTypeById(fp.type),
      seed: seeds.nextUint32(),
      library,
      areaId: area.id,
      firmwareVersion: fp.firmware,
      serial: fp.id,
      maxLogEntries: 20_000,
      remote: { trustedKey: keys.publicKey, pumpId: fp.id, acceptUnauthenticated: fp.profile === 'legacy-unauthenticated' },
      ...(rollout ? rollout.pumpOptions(fp) : {}),
    });
    gateway.register(fp.id);
    const agent = new PumpAgent(fp.id, fp.segment, world, network, { telemetryEveryMs, provenance, auth: { trustedKey: keys.publicKey, ackKey: ackKeyFor(keys.privateKey, fp.id), acceptUnauthenticated: fp.profile === 'legacy-unauthenticated', acceptUnsignedAcks: externalGateway } }, (r) => {
      monitor.remote(r);
      trace.add({ tMs: r.tMs, kind: 'command', pumpId: r.pumpId, source: r.source, ...(r.claimed !== undefined && r.claimed !== r.source ? { claimed: r.claimed } : {}), command: r.command, ok: r.reply.ok, code: r.reply.ok ? undefined : r.reply.code, auth: r.verdict === 'accepted' ? 'accepted' : r.verdict === 'bad-signature' ? 'bad-mac' : r.verdict === 'wrong-pump' ? 'unknown-key' : r.verdict });
    });
    agents.set(fp.id, agent);
    world.addPump(fp.id, pump);
    monitor.watch(fp.id, pump);
    const respond = unit.nurse.respond;
    const activity = new WardActivity(world, fp.id, seeds.nextUint32(), {
      area,
      generate: unit.patients !== undefined,
      respond,
      nurseResponseMs: [parseDurationMs(unit.nurse.responseTime.min), parseDurationMs(unit.nurse.responseTime.max)],
      ...(unit.patients ?? {}),
    });
    activities.set(fp.id, activity);
  }

  rollout?.attach({ world, gateway, trace, fleet, monitor, alarms: state.alarms });
  hl7?.attach(world, gateway, durationMs);
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
    rollout?.onPumpEvent(pumpId, e);
    agents.get(pumpId)?.onPumpEvent(e);
    activities.get(pumpId)?.onEvent(e);
    trackAlarm(state, pumpId, e);
  });

  const net = (what: 'link-down' | 'link-up' | 'gateway-down' | 'gateway-up', target: string): void => {
    trace.add({ tMs: world.nowMs, kind: 'net', what, target });
    if (what.endsWith('down')) state.openNet.set(target, world.nowMs);
    else {
      const start = state.openNet.get(target);
      state.openNet.delete(target);
      if (start !== undefined) state.networkSpans.push({ what: what === 'gateway-up' ? 'gateway down' : 'link down', target, startMs: start, endMs: world.nowMs });
    }
  };
  const faultCtx: FaultContext = { world, network, gateway, agents, monitor, net };

  // Start the fleet: agents and activities.
  const startPrng = new Prng(seeds.nextUint32());
  for (const fp of fleet) {
    agents.get(fp.id)?.start(Math.floor(startPrng.uniform(0, telemetryEveryMs)));
    activities.get(fp.id)?.start(durationMs);
  }

  // The timeline.
  const activeFaultEnds: (() => void)[] = [];
  const timelinePrng = new Prng(seeds.nextUint32());
  s.timeline.forEach((entry, index) => {
    const atMs = parseDurationMs(entry.at);
    const endMs = entry.end !== undefined ? parseDurationMs(entry.end) : undefined;
    const everyMs = entry.every !== undefined ? parseDurationMs(entry.every) : undefined;
    const spreadMs = entry.spread !== undefined ? parseDurationMs(entry.spread) : 0;
    const pick = (): FleetPump[] => {
      let pumps = resolveTarget(entry.target, fleet);
      if (entry.fraction !== undefined) {
        const n = Math.round(pumps.length * entry.fraction);
        const chosen = [...pumps];
        for (let i = chosen.length - 1; i > 0; i--) {
          const j = timelinePrng.int(0, i);
          [chosen[i], chosen[j]] = [chosen[j]!, chosen[i]!];
        }
        pumps = chosen.slice(0, n).sort((a, b) => fleet.indexOf(a) - fleet.indexOf(b));
      }
      return pumps;
    };
    if (entry.fault === 'update-power-loss') {
      world.at(atMs, () => {
        const pumps = pick();
        const forMs = typeof entry.args.for === 'number' ? entry.args.for * 1000 : 120_000;
        rollout?.armPowerLoss(pumps.map((p) => p.id), String(entry.args.stage ?? 'downloading'), forMs);
        trace.add({ tMs: world.nowMs, kind: 'fault', fault: `update-power-loss armed stage=${String(entry.args.stage ?? 'downloading')}`, phase: 'start', target: entry.target, pumps: pumps.length });
      });
    } else if (entry.fault !== undefined) {
      const fault = entry.fault;
      world.at(atMs, () => {
        const pumps = pick();
        trace.add({ tMs: world.nowMs, kind: 'fault', fault, phase: 'start', target: entry.target, pumps: pumps.length });
        const startedMs = world.nowMs;
        const end = fault.startsWith('hl7-') ? (hl7?.startFault(fault, entry.args) ?? (() => undefined)) : startFault(faultCtx, fault, entry.target, pumps, entry.args);
        let ended = false;
        const finish = (): void => {
          if (ended) return;
          ended = true;
          end();
          trace.add({ tMs: world.nowMs, kind: 'fault', fault, phase: 'end', target: entry.target, pumps: pumps.length });
          state.faultSpans.push({ what: fault, target: entry.target, startMs: startedMs, endMs: world.nowMs });
        };
        if (fault === 'rogue-client' && everyMs !== undefined && endMs !== undefined) {
          for (let t = atMs + everyMs; t < endMs; t += everyMs) world.at(t, () => rogueSend(faultCtx, pumps.map((p) => p.id), entry.args));
        }
        if (fault === 'reconnect-storm' && everyMs !== undefined && endMs !== undefined) {
          for (let t = atMs + everyMs; t < endMs; t += everyMs) world.at(t, () => reconnectStorm(faultCtx, entry.target, pumps.map((p) => p.id), entry.args));
        }
        if (endMs !== undefined) world.at(endMs, finish);
        else if (fault === 'rogue-client' || fault === 'air' || fault === 'reconnect-storm') finish();
        activeFaultEnds.push(finish);
      });
    } else if (entry.action !== undefined) {
      const action = entry.action;
      const times: number[] = [atMs];
      if (everyMs !== undefined && endMs !== undefined) for (let t = atMs + everyMs; t < endMs; t += everyMs) times.push(t);
      for (const t of times) {
        world.at(t, () => {
          if (ROLLOUT_ACTIONS.has(action)) {
            rollout?.action(action, entry.args, []);
            return;
          }
          for (const p of pick()) {
            let delayMs = spreadMs > 0 ? timelinePrng.uniform(0, spreadMs) : 0;
            if (entry.delay) delayMs += timelinePrng.uniform(parseDurationMs(entry.delay.min), parseDurationMs(entry.delay.max));
            world.at(world.nowMs + Math.floor(delayMs), () => {
              if (action === 'remote') {
                const text = typeof entry.args.command === 'string' ? entry.args.command : 'STATUS';
                gateway.sendCommand(p.id, text, { signed: !(entry.args.signed === false || entry.args.signed === 'false') });
                return;
              }
              if (rollout?.action(action, entry.args, [p.id])) return;
              const c = actionCommand(action, entry.args, `timeline[${index}]`);
              world.command(p.id, c, 'nurse');
            });
          }
        });
      }
    }
  });

  // Unit series, sampled.
  const seriesEveryMs = Math.max(60_000, Math.round(durationMs / 288 / 60_000) * 60_000);
  for (const u of s.site.units) state.series[u.id] = [];
  const sample = (): void => {
    const acc = new Map<string, { rate: number; vi: number; running: number; alarming: number }>();
    for (const slot of world.pumps()) {
      world.touch(slot);
      const fp = fleet.find((f) => f.id === slot.id);
      if (!fp) continue;
      const a = acc.get(fp.unit) ?? { rate: 0, vi: 0, running: 0, alarming: 0 };
      const st = slot.pump.status();
      a.rate += st.rateMlPerH;
      // All the volume the pump's motor moved this run, across programs.
      a.vi += slot.pump.telemetry().motorNominalMl;
      if (st.state === 'RUNNING' || st.state === 'KVO') a.running++;
      if (st.alarm !== '-') a.alarming++;
      acc.set(fp.unit, a);
    }
    for (const [unit, a] of acc) state.series[unit]?.push({ tMs: world.nowMs, rateMlPerH: a.rate, viMl: a.vi, running: a.running, alarming: a.alarming });
    rollout?.sampleVersions(world.nowMs);
  };

  // Run.
  if (mqttRun) await mqttRun.network.ready();
  const speed = options.speed ?? 'max';
  const chunkMs = speed === 'max' ? Math.max(60_000, Math.round(durationMs / 200)) : 0;
  let nextSample = 0;
  const activeAlarmCount = (): number => state.alarmsOpen.size;
  const progress = (): void => options.onProgress?.({ tMs: world.nowMs, totalMs: durationMs, pumps: fleet.length, activeAlarms: activeAlarmCount(), violations: violations.length });
  if (speed === 'max') {
    for (let t = 0; t < durationMs; ) {
      const next = Math.min(durationMs, t + chunkMs);
      while (nextSample <= next) {
        await advance(nextSample);
        sample();
        nextSample += seriesEveryMs;
      }
      await advance(next);
      t = next;
      progress();
      await yieldToLoop();
    }
  } else {
    const wallT0 = wallNow();
    const stepWallMs = 100;
    while (world.nowMs < durationMs) {
      const target = Math.min(durationMs, Math.floor((wallNow() - wallT0) * speed));
      while (nextSample <= target) {
        await advance(nextSample);
        sample();
        nextSample += seriesEveryMs;
      }
      await advance(target);
      progress();
      if (world.nowMs < durationMs) await sleep(stepWallMs);
    }
  }
  await advance(durationMs);
  if (nextSample <= durationMs) sample();

  // After the end: activities stop, every fault ends, links heal, outboxes drain.
  for (const a of activities.values()) a.stop();
  for (const finish of activeFaultEnds) finish();
  for (const a of agents.values()) a.flush();
  const settleEnd = durationMs + SETTLE_MS;
  for (let t = durationMs; t < settleEnd; t += 30_000) {
    await advance(t + 30_000);
    if ([...agents.values()].every((a) => a.outboxDepth === 0)) break;
    for (const a of agents.values()) if (a.outboxDepth > 0) a.flush();
  }
  for (const a of agents.values()) a.stop();
  const hl7Info = await hl7?.finish();
  const mqttInfo = mqttRun?.info();
  await mqttRun?.close();
  const endMs = world.nowMs;
  for (const fp of fleet) {
    const agent = agents.get(fp.id);
    const st = gateway.stats(fp.id);
    if (agent) monitor.exactlyOnce(fp.id, endMs, agent.eventsSent, st.ingested, st.contiguousUpTo, agent.overflowDropped);
    const slot = world.pump(fp.id);
    world.touch(slot);
    monitor.finish(fp.id, slot.pump);
  }
  for (const [target, start] of state.openNet) state.networkSpans.push({ what: 'link down', target, startMs: start, endMs });
  progress();

  const expectations = evaluateExpectations(s, { fleet, world, trace, state, monitor, durationMs, hl7: hl7Info });
  const result = buildResult({
    loaded,
    durationMs,
    trace,
    world,
    gateway,
    agents,
    network,
    monitor,
    state,
    violations: violations.map((v) => ({ ...v, context: contextLines(trace, v) })),
    expectations,
    seriesEveryMs,
    wallMs: wallNow() - wallStart,
    rollout: rollout?.result(),
  });
  return { result, trace, world, gateway, ...(mqttInfo ? { mqtt: mqttInfo } : {}), ...(hl7Info ? { hl7: hl7Info } : {}) };
}

function contextLines(trace: Trace, v: RawViolation): string[] {
  const recs = trace.records;
  const i = recs.findIndex((r) => r.kind === 'violation' && r.tMs === v.tMs && r.rule === v.rule && r.pumpId === v.pumpId);
  if (i < 0) return [];
  const out: string[] = [];
  // Up to 6 records of the same pump (or any, for global rules) before, and 2 after.
  const related = (r: (typeof recs)[number]): boolean => !v.pumpId || ('pumpId' in r && r.pumpId === v.pumpId) || r.kind === 'fault' || r.kind === 'net';
  for (let j = i - 1, n = 0; j >= 0 && n < 6 && i - j < 5000; j--) {
    const r = recs[j];
    if (r && related(r)) {
      out.unshift(formatTraceRecord(r));
      n++;
    }
  }
  out.push(formatTraceRecord(recs[i]!));
  for (let j = i + 1, n = 0; j < recs.length && n < 2 && j - i < 5000; j++) {
    const r = recs[j];
    if (r && related(r)) {
      out.push(formatTraceRecord(r));
      n++;
    }
  }
  return out;
}

function trackAlarm(state: RunState, pumpId: string, e: Parameters<Parameters<World['onEvent']>[0]>[1]): void {
  if (e.type === 'ALARM') {
    const fp = state.fleet.find((f) => f.id === pumpId);
    const rec = { pumpId, unit: fp?.unit ?? '-', id: e.id, priority: e.prio, raisedMs: e.tMs };
    state.alarms.push(rec);
    state.alarmsOpen.set(`${pumpId}/${e.id}`, rec);
  } else if (e.type === 'ESCALATE') {
    const rec = state.alarmsOpen.get(`${pumpId}/${e.id}`);
    if (rec) rec.priority = e.prio;
  } else if (e.type === 'ALARM_END') {
    const key = `${pumpId}/${e.id}`;
    const rec = state.alarmsOpen.get(key);
    if (rec) rec.endedMs = e.tMs;
    state.alarmsOpen.delete(key);
  }
}

function answerAlarms(state: RunState, pumpId: string, tMs: number, only: string | undefined): void {
  for (const [key, rec] of state.alarmsOpen) {
    if (!key.startsWith(`${pumpId}/`)) continue;
    if (only !== undefined && rec.id !== only) continue;
    if (rec.answeredMs === undefined) rec.answeredMs = tMs;
  }
}

export function alarmIdOrThrow(id: string): AlarmId {
  if (!isAlarmId(id)) throw new RangeError(`unknown alarm "${id}"`);
  return id;
}
