/**
 * `infusim run --workers N` (docs/scale.md, "Pump shards"): the scenario's pumps spread over N
 * worker processes on this machine, shard k running the pumps of shard k/N (scenario/shard.ts);
 * the gateway in this process, consuming from the run's broker (the embedded aedes, a cluster of
 * the run's own, or an external broker). The report merges the shards (mergeShards.ts).
 *
 * Time: at `--speed max` every process's virtual time goes through the step coordinator in this
 * process (mqttlink/stepProtocol.ts), so the quiescence barrier spans the processes; a paced run
 * (1x, 10x) needs no coordination: each process paces its own clock from the start signal.
 */
import { credentialsToJson } from '../broker/credentials.js';
import type { Gateway } from '../gateway/gateway.js';
import { SharedLedger, StepCoordinator, StepMember, type MemberPort } from '../mqttlink/stepProtocol.js';
import type { JournalEntry, MqttRunInfo, MqttTransport } from '../mqttlink/transport.js';
import { fleetPumps } from '../scenario/fleet.js';
import type { LoadedScenario } from '../scenario/load.js';
import { MAX_SHARDS } from '../scenario/shard.js';
import { mergeMqtt, mergeShards } from './mergeShards.js';
import type { RunResult } from './result.js';
import { runScenario, type RunOptions, type Speed } from './runScenario.js';
import { WorkerPort } from './workerPort.js';

export interface WorkersOptions {
  workers: number;
  speed?: Speed | undefined;
  /** The run's MQTT transport (broker, cluster, credentials); the gateway's process uses it as it is. */
  transport: MqttTransport;
  onProgress?: RunOptions['onProgress'];
  /** Kill shard `shard` (1..N) at virtual `atMs` (max speed only): SIGKILL, then a new process rebuilds it and rejoins (docs/scale.md, "A shard kill"). */
  shardKills?: readonly { shard: number; atMs: number }[] | undefined;
}

export interface WorkersRun {
  result: RunResult;
  mqtt: MqttRunInfo;
  gateway: Gateway;
  /** The worker processes' ids, by shard (1..N). */
  pids: (number | undefined)[];
  /** Rounds of the step protocol (max speed). */
  stepRounds: number;
  /** Each shard kill: the instant, the shard, the killed and the new process, the journal entries replayed. */
  kills: { atMs: number; shard: number; killedPid: number | undefined; newPid: number | undefined; replayed: number }[];
}

export async function runWithWorkers(loaded: LoadedScenario, o: WorkersOptions): Promise<WorkersRun> {
  const n = o.workers;
  if (!Number.isInteger(n) || n < 1 || n > MAX_SHARDS) throw new RangeError(`--workers is 1..${MAX_SHARDS} (got ${n})`);
  const speed = o.speed ?? 'max';
  const pendingKills = [...(o.shardKills ?? [])].sort((a, b) => a.atMs - b.atMs);
  for (const k of pendingKills) {
    if (!Number.isInteger(k.shard) || k.shard < 1 || k.shard > n) throw new RangeError(`shard kill: the run has shards 1..${n} (got ${k.shard})`);
  }
  if (pendingKills.length > 0 && speed !== 'max') throw new RangeError('a shard kill needs --speed max (the step protocol rebuilds the shard to the instant of the kill)');
  const kills: WorkersRun['kills'] = [];
  const log = (line: string): void => o.transport.log?.(line);
  const ledger = new SharedLedger();
  const member = speed === 'max' ? new StepMember(ledger) : undefined;
  const ports: WorkerPort[] = [];
  let coordinator: StepCoordinator | undefined;
  let coordinated: Promise<void> = Promise.resolve();
  let lostBetween = 0;
  const failures: string[] = [];
  const onBrokerUp = async (b: { url: string; nodeUrls: readonly string[] | undefined; credentials: import('../broker/credentials.js').Credentials }): Promise<void> => {
    await o.transport.onBrokerUp?.(b);
    const startShard = (k: number, replay?: { untilMs: number; journal: JournalEntry[] }): WorkerPort => {
      const port = new WorkerPort({ type: 'start', loaded, shard: { k, n }, speed, url: b.url, nodeUrls: b.nodeUrls, credentials: credentialsToJson(b.credentials), barrierTimeoutMs: o.transport.barrierTimeoutMs, replay }, ledger, log);
      port.onExit = (why) => {
        if (why) failures.push(why);
      };
      return port;
    };
    for (let k = 1; k <= n; k++) ports.push(startShard(k));
    // A shard kill, at its instant with every process quiet: SIGKILL (its pumps' connections drop
    // without DISCONNECT: the broker publishes their last wills), then a new process rebuilds the
    // shard from the seed and the journal to this instant and takes its slot.
    const atStop = (tMs: number): void => {
      while (pendingKills.length > 0 && (pendingKills[0] as { atMs: number }).atMs <= tMs) {
        const k = (pendingKills.shift() as { shard: number }).shard;
        const old = ports[k - 1] as WorkerPort;
        old.killOnPurpose();
        const fresh = startShard(k, { untilMs: tMs, journal: [...old.journal] });
        ports[k - 1] = fresh;
        coordinator?.replace(k, fresh);
        kills.push({ atMs: tMs, shard: k, killedPid: old.pid, newPid: fresh.pid, replayed: old.journal.length });
        log(`shard ${k}/${n} (pid ${old.pid}) killed at t=${tMs}; restarted as pid ${fresh.pid}, rebuilding its pumps from the seed and ${old.journal.length} journal entries`);
      }
    };
    if (member) {
      const local: MemberPort = { parked: () => member.parked(), release: () => Promise.resolve(member.release()), step: (t) => member.step(t), resume: () => member.resume() };
      coordinator = new StepCoordinator([local, ...ports], ledger, { barrierTimeoutMs: o.transport.barrierTimeoutMs, onLost: (c) => (lostBetween += c), note: log, stops: pendingKills.map((k) => k.atMs), atStop });
      coordinated = coordinator.run();
    }
  };
  const allDone = (): boolean => ports.every((p) => p.outcome !== undefined || p.dead);
  let run;
  try {
    run = await runScenario(loaded, {
      speed,
      keepTrace: true,
      runsPump: () => false,
      settleWhile: () => !allDone(),
      // Paced: every process starts its clock on one signal, once every worker's pumps are connected (a worker that died does not hold it).
      ...(member ? {} : { beforeClock: async () => {
        await Promise.all(ports.map((p) => Promise.race([p.ready, new Promise<void>((r) => p.child.once('exit', () => r()))])));
        for (const p of ports) p.go();
      } }),
      ...(o.onProgress ? { onProgress: o.onProgress } : {}),
      transport: { ...o.transport, remotePumps: true, onBrokerUp, ...(member ? { steps: member } : {}) },
    });
    await coordinated;
    await Promise.all(ports.map((p) => new Promise<void>((r) => (p.dead ? r() : p.child.once('exit', () => r())))));
  } finally {
    for (const p of ports) if (!p.dead) p.kill();
  }
  if (failures.length > 0) throw new Error(`infusim run --workers: ${failures.join('; ')}`);
  const parts = ports.map((p) => p.outcome as NonNullable<WorkerPort['outcome']>);
  const result = mergeShards(run.result, run.gateway, fleetPumps(loaded.scenario), parts, loaded.scenario.expect);
  const mqtt = mergeMqtt(run.mqtt as MqttRunInfo, parts.map((p) => p.mqtt));
  mqtt.stats.barrierTimeouts += lostBetween;
  result.network.messagesLost += lostBetween;
  return { result, mqtt, gateway: run.gateway, pids: ports.map((p) => p.pid), stepRounds: coordinator?.roundCount ?? 0, kills };
}
