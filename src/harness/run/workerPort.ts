/**
 * The parent's side of one worker process of `infusim run --workers N` (workers.ts): forks the
 * shard's entry (shardWorker.ts), starts it, and speaks the step protocol to it over IPC
 * (mqttlink/stepProtocol.ts: park, release, step, resume; the keys of what it published and
 * received go to the shared ledger). If the process dies, what was asked of it fails with
 * MemberGone and `onExit` is told.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { forkRaisingFdLimit } from '../broker/childProcessBroker.js';
import { MemberGone, type MemberPort, type SharedLedger } from '../mqttlink/stepProtocol.js';
import type { JournalEntry, MqttRunInfo } from '../mqttlink/transport.js';
import type { RunResult } from './result.js';
import type { FromWorker, ToWorker } from './shardWorker.js';

/** The worker's entry: the compiled .js next to this file, or the .ts source (run with tsx). */
function workerEntry(): { file: string; execArgv: string[] } {
  const js = fileURLToPath(new URL('./shardWorker.js', import.meta.url));
  if (existsSync(js)) return { file: js, execArgv: [] };
  return { file: fileURLToPath(new URL('./shardWorker.ts', import.meta.url)), execArgv: ['--import', 'tsx'] };
}

export interface ShardOutcome {
  result: RunResult;
  mqtt: MqttRunInfo | undefined;
}

export class WorkerPort implements MemberPort {
  readonly child: ChildProcess;
  private target: number | 'done' | undefined;
  private parkWaiters: ((t: number | 'done') => void)[] = [];
  private reply: { expect: 'released' | 'stepped'; resolve: (v: { nextMs: number; nowMs: number } | undefined) => void; reject: (e: Error) => void } | undefined;
  private gone: string | undefined;
  /** The shard's result, once it has sent it. */
  outcome: ShardOutcome | undefined;
  /** What the shard's pumps handled, in order (replayed by its successor after a kill). */
  readonly journal: JournalEntry[] = [];
  /** Killed by the run (a shard kill): its exit is no failure. */
  killedOnPurpose = false;
  /** Paced runs: resolves when the worker's pumps are connected and it waits for the start signal (go()). */
  readonly ready: Promise<void>;
  private readyResolve: () => void = () => undefined;
  /** Told once when the process has exited (with or without its result). */
  onExit: ((why: string | undefined) => void) | undefined;

  constructor(
    start: Extract<ToWorker, { type: 'start' }>,
    private readonly ledger: SharedLedger,
    private readonly note: (line: string) => void,
  ) {
    this.ready = new Promise<void>((resolve) => (this.readyResolve = resolve));
    const { file, execArgv } = workerEntry();
    this.child = forkRaisingFdLimit(file, [], execArgv);
    this.child.on('message', (m: FromWorker) => this.onMessage(m));
    this.child.on('exit', (code, signal) => {
      const why = this.outcome || this.killedOnPurpose ? undefined : `shard ${start.shard.k}/${start.shard.n} (pid ${this.child.pid}) exited ${signal ? `on ${signal}` : `with code ${code}`} before its result`;
      this.gone = why ?? 'exited';
      this.reply?.reject(new MemberGone(why ?? 'worker exited'));
      this.reply = undefined;
      if (!this.outcome) {
        // No more parks from it: the coordinator sees the slot's old port as gone (workers.ts replaces or drops it).
        for (const w of this.parkWaiters) w('done');
        this.parkWaiters = [];
      }
      this.onExit?.(why);
    });
    this.child.send(start);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get dead(): boolean {
    return this.gone !== undefined;
  }

  parked(): Promise<number | 'done'> {
    if (this.target !== undefined) return Promise.resolve(this.target);
    if (this.gone !== undefined) return Promise.resolve('done'); // a dead worker parks no more (workers.ts restarts its shard in its slot, or not)
    return new Promise((resolve) => this.parkWaiters.push(resolve));
  }

  async release(): Promise<{ nextMs: number; nowMs: number }> {
    return (await this.ask({ type: 'release' }, 'released')) as { nextMs: number; nowMs: number };
  }

  async step(tMs: number): Promise<void> {
    await this.ask({ type: 'step', tMs }, 'stepped');
  }

  /** Paced runs: start the clock. */
  go(): void {
    if (!this.gone) this.child.send({ type: 'go' } satisfies ToWorker);
  }

  resume(): void {
    this.target = undefined;
    if (!this.gone) this.child.send({ type: 'resume' } satisfies ToWorker);
  }

  kill(): void {
    this.child.kill('SIGKILL');
  }

  /** A shard kill (workers.ts): SIGKILL, not counted as a failure. */
  killOnPurpose(): void {
    this.killedOnPurpose = true;
    this.kill();
  }

  private ask(m: ToWorker, expect: 'released' | 'stepped'): Promise<{ nextMs: number; nowMs: number } | undefined> {
    if (this.gone !== undefined) return Promise.reject(new MemberGone(this.gone));
    return new Promise((resolve, reject) => {
      this.reply = { expect, resolve, reject };
      this.child.send(m);
    });
  }

  private onMessage(m: FromWorker): void {
    if (m.type === 'keys') {
      for (const k of m.pub) this.ledger.published(k);
      for (const k of m.recv) this.ledger.received(k);
      for (const e of m.journal) this.journal.push(e);
    } else if (m.type === 'parked') {
      this.target = m.target;
      const ws = this.parkWaiters;
      this.parkWaiters = [];
      for (const w of ws) w(m.target);
    } else if (m.type === 'released' || m.type === 'stepped') {
      const r = this.reply;
      this.reply = undefined;
      r?.resolve(m.type === 'released' ? { nextMs: m.nextMs, nowMs: m.nowMs } : undefined);
    } else if (m.type === 'ready') {
      this.readyResolve();
    } else if (m.type === 'result') {
      this.outcome = { result: m.result, mqtt: m.mqtt };
    } else {
      this.note(`worker ${this.child.pid}: ${m.error}`);
      this.reply?.reject(new Error(m.error));
      this.reply = undefined;
    }
  }
}
