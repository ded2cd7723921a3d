/**
 * The timeline scheduler: every entry of a scenario's `timeline:` put on the ward's world at its
 * time, the same for a run and a training session. What an entry does comes from the timeline
 * table (scenario/timelineTable.ts): a fault lasts until `end:` or happens once, repeats with
 * `every:` on the pumps picked at `at:`, or is armed for an update stage; an action goes to each
 * targeted pump as a protocol command (a nurse), through the gateway (`remote`), to the update
 * server, to the rollout orchestrator, or to the security team (the `advisory` hook). `fraction:`, `spread:` and `delay:` draw from the
 * timeline's own random source, in entry order.
 */
import type { PumpCommand, Reply } from '../../sim/protocol/commands.js';
import type { Prng } from '../../sim/time/prng.js';
import { repeatOf, type Args, type FaultContext } from '../faults/faults.js';
import type { Gateway } from '../gateway/gateway.js';
import type { RolloutRuntime } from '../rollout/runtime.js';
import { parseDurationMs } from '../scenario/duration.js';
import { fleetIndex, resolveTarget, type FleetPump } from '../scenario/fleet.js';
import type { Scenario, TimelineEntry } from '../scenario/schema.js';
import { actionSpec, booleanArg, faultSpec, isInstant, numberArg, textArg, type ActionName, type FaultName } from '../scenario/timelineTable.js';
import type { Trace } from '../trace/trace.js';
import type { World } from '../world/world.js';
import { actionCommand } from './actions.js';

/** What the scheduler needs of a ward (ward.ts). */
export interface TimelineWard {
  readonly scenario: Scenario;
  readonly world: World;
  readonly trace: Trace;
  readonly fleet: readonly FleetPump[];
  /** The whole fleet: targets and `fraction:` are drawn over it; only the pumps of `fleet` (this process's shard) are acted on. */
  readonly allPumps: readonly FleetPump[];
  /** This process runs the gateway (false in a pump shard, whose gateway is in another process). */
  readonly runsGateway: boolean;
  readonly gateway: Gateway;
  readonly rollout: RolloutRuntime | undefined;
  readonly faultCtx: FaultContext;
  startFault(fault: FaultName, target: string, pumps: readonly FleetPump[], args: Args, who: 'scenario'): () => void;
}

export interface TimelineHooks {
  /** A timeline action ran on a pump as a command. */
  onTimelineCommand?: ((pumpId: string, c: PumpCommand, r: Reply) => void) | undefined;
  /** The `advisory` action (via the security team, docs/advisories.md): the run's advisory loop acts now. */
  onAdvisory?: ((tMs: number) => void) | undefined;
}

/** The pumps an entry acts on: its target, and of those a `fraction:` drawn from `prng`, in fleet order. */
export function pickPumps(entry: Pick<TimelineEntry, 'target' | 'fraction'>, fleet: readonly FleetPump[], prng: Prng): FleetPump[] {
  const pumps = resolveTarget(entry.target, fleet);
  if (entry.fraction === undefined) return pumps;
  const n = Math.round(pumps.length * entry.fraction);
  const chosen = [...pumps];
  for (let i = chosen.length - 1; i > 0; i--) {
    const j = prng.int(0, i);
    [chosen[i], chosen[j]] = [chosen[j]!, chosen[i]!];
  }
  // Back in fleet order through the index, not a search of the fleet per comparison (issue 20).
  const ix = fleetIndex(fleet);
  return chosen.slice(0, n).sort((a, b) => ix.indexOf(a) - ix.indexOf(b));
}

/** pickPumps over the whole fleet, then only the pumps this process runs (all of them unless it runs one shard). */
function pickHere(ward: TimelineWard, entry: Pick<TimelineEntry, 'target' | 'fraction'>, prng: Prng): FleetPump[] {
  const picked = pickPumps(entry, ward.allPumps, prng);
  if (ward.fleet === ward.allPumps) return picked;
  const here = fleetIndex(ward.fleet);
  return picked.filter((p) => here.get(p.id) !== undefined);
}

/** The instants `at`, `at + every`, ... before `end` (just `at` without `every:`). */
function repeatTimes(atMs: number, everyMs: number | undefined, endMs: number | undefined): number[] {
  const times = [atMs];
  if (everyMs !== undefined && endMs !== undefined) for (let t = atMs + everyMs; t < endMs; t += everyMs) times.push(t);
  return times;
}

export function scheduleTimeline(ward: TimelineWard, prng: Prng, hooks: TimelineHooks): void {
  ward.scenario.timeline.forEach((entry, index) => {
    if (entry.fault !== undefined) scheduleFault(ward, prng, entry, entry.fault);
    else if (entry.action !== undefined) scheduleAction(ward, prng, hooks, entry, entry.action, index);
  });
}

function scheduleFault(ward: TimelineWard, prng: Prng, entry: TimelineEntry, fault: FaultName): void {
  const { world, trace } = ward;
  const spec = faultSpec(fault);
  const atMs = parseDurationMs(entry.at);
  const endMs = entry.end !== undefined ? parseDurationMs(entry.end) : undefined;
  const everyMs = entry.every !== undefined ? parseDurationMs(entry.every) : undefined;
  if (spec.end === 'armed') {
    // Armed now; each pump's update agent fires it when the pump next enters the stage.
    world.at(atMs, () => {
      const pumps = pickHere(ward, entry, prng);
      const stage = textArg(spec.args, entry.args, 'stage');
      ward.rollout?.armPowerLoss(
        pumps.map((p) => p.id),
        stage,
        numberArg(spec.args, entry.args, 'for') * 1000,
      );
      trace.add({ tMs: world.nowMs, kind: 'fault', fault: `${fault} armed stage=${stage}`, phase: 'start', target: entry.target, pumps: pumps.length });
    });
    return;
  }
  world.at(atMs, () => {
    // The pumps are picked once: a repeating fault repeats on the same pumps.
    const pumps = pickHere(ward, entry, prng);
    const finish = ward.startFault(fault, entry.target, pumps, entry.args, 'scenario');
    if (spec.repeats && everyMs !== undefined && endMs !== undefined) {
      const ids = pumps.map((p) => p.id);
      const again = repeatOf(ward.faultCtx, fault, entry.target, ids, entry.args);
      for (let t = atMs + everyMs; t < endMs; t += everyMs) world.at(t, again);
    }
    if (endMs !== undefined) world.at(endMs, finish);
    else if (isInstant(fault)) finish();
  });
}

function scheduleAction(ward: TimelineWard, prng: Prng, hooks: TimelineHooks, entry: TimelineEntry, action: ActionName, index: number): void {
  const { world } = ward;
  const spec = actionSpec(action);
  const atMs = parseDurationMs(entry.at);
  const endMs = entry.end !== undefined ? parseDurationMs(entry.end) : undefined;
  const everyMs = entry.every !== undefined ? parseDurationMs(entry.every) : undefined;
  const spreadMs = entry.spread !== undefined ? parseDurationMs(entry.spread) : 0;
  for (const t of repeatTimes(atMs, everyMs, endMs)) {
    world.at(t, () => {
      if (spec.via === 'orchestrator') {
        ward.rollout?.action(action, entry.args, []);
        return;
      }
      if (spec.via === 'security-team') {
        hooks.onAdvisory?.(world.nowMs);
        return;
      }
      const here = ward.fleet === ward.allPumps ? undefined : fleetIndex(ward.fleet);
      for (const p of pickPumps(entry, ward.allPumps, prng)) {
        let delayMs = spreadMs > 0 ? prng.uniform(0, spreadMs) : 0;
        if (entry.delay) delayMs += prng.uniform(parseDurationMs(entry.delay.min), parseDurationMs(entry.delay.max));
        // A shard (scenario/shard.ts): the draws are made for every pump; the gateway's commands go from the gateway's process, the others from the pump's.
        if (here !== undefined && (spec.via === 'gateway' ? !ward.runsGateway : here.get(p.id) === undefined)) continue;
        world.at(world.nowMs + Math.floor(delayMs), () => {
          if (spec.via === 'gateway') {
            ward.gateway.sendCommand(p.id, String(entry.args.command), { signed: booleanArg(spec.args, entry.args, 'signed') });
            return;
          }
          if (spec.via === 'update-server') {
            ward.rollout?.action(action, entry.args, [p.id]);
            return;
          }
          const c = actionCommand(action as Exclude<typeof action, 'remote'>, entry.args, `timeline[${index}]`);
          const r = world.command(p.id, c, 'nurse');
          hooks.onTimelineCommand?.(p.id, c, r);
        });
      }
    });
  }
}
