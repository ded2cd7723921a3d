/**
 * `infusim run --workers N [--kill-shard k@time]` (docs/scale.md, "Pump shards"): the scenario's
 * pumps spread over N worker processes, the gateway in the run's process (run/workers.ts).
 */
import { InvalidArgumentError, type Command } from 'commander';
import { MAX_SHARDS } from '../scenario/shard.js';
import { parseIndexAtTime } from './indexAtTime.js';

export interface WorkerFlags {
  workers?: number;
  killShard?: { shard: number; atMs: number }[];
}

export function parseWorkers(text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1 || n > MAX_SHARDS) throw new InvalidArgumentError(`--workers is a whole number of worker processes, 1..${MAX_SHARDS} (got "${text}")`);
  return n;
}

/** `k@time`: shard k (from 1) at a virtual time; repeatable. */
export function parseShardKill(text: string, before: { shard: number; atMs: number }[] = []): { shard: number; atMs: number }[] {
  const { index, atMs } = parseIndexAtTime('--kill-shard', 'shard@time, shards counted from 1, e.g. 2@30m', 1, text);
  return [...before, { shard: index, atMs }];
}

export function addWorkerFlags(cmd: Command): Command {
  return cmd
    .option('--workers <n>', "spread the pumps over n worker processes (shard k runs pump i of the scenario's order when i mod n = k - 1), the gateway in this process; implies --transport mqtt (docs/scale.md)", parseWorkers)
    .option('--kill-shard <shard@time>', 'SIGKILL one worker at a virtual time, e.g. 2@30m (repeatable; --workers, --speed max): its pumps\' last wills fire, a new worker rebuilds the shard and rejoins', parseShardKill);
}

/** Why these flags cannot go together, or undefined. */
export function workerFlagsProblem(f: WorkerFlags & { speed: unknown; transport?: string; compare?: unknown; hl7?: unknown; hl7Listen?: unknown; alerts?: unknown; syslog?: unknown; trace?: unknown; html?: unknown }): string | undefined {
  if (f.workers === undefined) return f.killShard !== undefined ? '--kill-shard kills a worker of --workers N' : undefined;
  if (f.transport === 'inproc') return '--workers runs the pumps in other processes: it needs --transport mqtt';
  for (const [flag, v] of [['--compare', f.compare], ['--hl7', f.hl7], ['--hl7-listen', f.hl7Listen], ['--alerts', f.alerts], ['--syslog', f.syslog], ['--trace', f.trace], ['--html', f.html]] as const) {
    if (v !== undefined) return `${flag} is not supported with --workers (each process keeps its own trace; docs/scale.md)`;
  }
  for (const k of f.killShard ?? []) if (k.shard > f.workers) return `--kill-shard ${k.shard}@...: the run has shards 1..${f.workers}`;
  if (f.killShard !== undefined && f.speed !== 'max') return '--kill-shard needs --speed max (the shard is rebuilt to the instant of the kill through the step protocol)';
  return undefined;
}
