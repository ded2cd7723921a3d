/**
 * Virtual time across processes (`infusim run --workers N --speed max`, docs/scale.md, "Time"):
 * the quiescence barrier of quiescenceBarrier.ts stretched over the gateway's process and the
 * pump shards' worker processes. One coordinator (in the gateway's process) and one member per
 * process (the gateway's own included). The protocol, one round at a time:
 *
 * 1. **park**: each member's runner calls `advance(target)` (the instant its loop runs to next) and
 *    waits; the member tells the coordinator its target, or that it is done (its run has ended).
 * 2. **quiet**: every process has run its connection changes (its local barrier), and every message
 *    published by one process has been received by another: each member reports the key (topic and
 *    payload) of every message it publishes and receives; the coordinator keeps the count. A
 *    message not received within the barrier timeout is counted lost, as in one process.
 * 3. **release**: each member hands its world the messages that arrived during the instant, in the
 *    fixed order of quiescenceBarrier.ts, and answers its next event instant.
 * 4. A member whose world stands at its target with nothing more due there is **resumed** (its
 *    runner goes on: samples, then parks again); otherwise **step**: T = the least of every member's
 *    next event and target, and each runs its world to T, then its connection changes, and reports
 *    what it published. Back to 1.
 *
 * Nobody's clock passes another's target, so the runners' samples are taken at the instants they
 * would be in one process. Receipts of what nobody tracked (retained status, last wills, a QoS 1
 * message delivered twice) count below zero; once every member has reported its step they are
 * dropped, as the local barrier ignores them.
 */
import type { SharedInFlight } from './quiescenceBarrier.js';

/** What the coordinator asks of a member (over IPC for a worker process, directly for its own). */
export interface MemberPort {
  /** Resolves with the member's target once its runner waits in advance(), or 'done'. */
  parked(): Promise<number | 'done'>;
  /** Hand over the instant's arrivals; answers the member's next event instant and its clock. */
  release(): Promise<{ nextMs: number; nowMs: number }>;
  /** Run the world to tMs, then its connection changes; resolves after its publishes were reported. */
  step(tMs: number): Promise<void>;
  /** Let the member's runner go on from its target. */
  resume(): void;
}

/** The world and network of one process, as a member drives them. */
export interface MemberWorld {
  nowMs(): number;
  nextEventMs(): number;
  runUntil(tMs: number): void;
  /** The local barrier: this process's connection changes done. */
  settle(): Promise<void>;
  release(): void;
}

/** The member side in each process: the runner's advance() parks here until the coordinator resumes it. */
export class StepMember {
  private target: number | undefined;
  private done = false;
  private resumeRunner: (() => void) | undefined;
  private parkedWaiters: ((t: number | 'done') => void)[] = [];
  private world: MemberWorld | undefined;

  constructor(readonly inFlight: SharedInFlight) {}

  attach(w: MemberWorld): void {
    this.world = w;
  }

  /** The runner's advance: resolves when the coordinator has brought this world to untilMs, every process quiet. */
  advance(untilMs: number): Promise<void> {
    return new Promise<void>((resolve) => {
      this.target = untilMs;
      this.resumeRunner = resolve;
      this.tellParked();
    });
  }

  /** The runner is done (its run ended): the coordinator no longer waits for it. */
  finish(): void {
    this.done = true;
    this.target = undefined;
    this.tellParked();
  }

  parked(): Promise<number | 'done'> {
    if (this.done) return Promise.resolve('done');
    if (this.target !== undefined) return Promise.resolve(this.target);
    return new Promise((resolve) => this.parkedWaiters.push(resolve));
  }

  release(): { nextMs: number; nowMs: number } {
    const w = this.mustWorld();
    w.release();
    return { nextMs: w.nextEventMs(), nowMs: w.nowMs() };
  }

  async step(tMs: number): Promise<void> {
    const w = this.mustWorld();
    if (tMs >= w.nowMs()) w.runUntil(tMs);
    await w.settle();
  }

  resume(): void {
    const r = this.resumeRunner;
    this.resumeRunner = undefined;
    this.target = undefined;
    r?.();
  }

  private tellParked(): void {
    const t = this.done ? 'done' : this.target;
    if (t === undefined) return;
    const ws = this.parkedWaiters;
    this.parkedWaiters = [];
    for (const f of ws) f(t);
  }

  private mustWorld(): MemberWorld {
    if (!this.world) throw new Error('step member: no world attached');
    return this.world;
  }
}

/** The count of messages in flight between the processes, by key. */
export class SharedLedger implements SharedInFlight {
  private readonly counts = new Map<string, number>();
  private positive = 0;
  private waiters: (() => void)[] = [];

  published(key: string): void {
    this.add(key, 1);
  }

  received(key: string): void {
    this.add(key, -1);
  }

  get inFlight(): number {
    return this.positive;
  }

  /** Every member has reported its step: receipts of untracked messages (below zero) are dropped. */
  dropUntracked(): void {
    for (const [k, n] of this.counts) if (n < 0) this.counts.delete(k);
  }

  /** Resolves true once nothing is in flight, false after timeoutMs (what is left is then dropped). */
  async quiet(timeoutMs: number): Promise<{ lost: number }> {
    if (this.positive === 0) return { lost: 0 };
    let timer: NodeJS.Timeout | undefined;
    const ok = await new Promise<boolean>((resolve) => {
      this.waiters.push(() => resolve(true));
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    clearTimeout(timer);
    if (ok || this.positive === 0) return { lost: 0 };
    let lost = 0;
    for (const [k, n] of this.counts) {
      if (n > 0) lost += n;
      this.counts.delete(k);
    }
    this.positive = 0;
    return { lost };
  }

  private add(key: string, d: number): void {
    const before = this.counts.get(key) ?? 0;
    const after = before + d;
    if (after === 0) this.counts.delete(key);
    else this.counts.set(key, after);
    this.positive += Math.max(0, after) - Math.max(0, before);
    if (this.positive === 0 && this.waiters.length > 0) {
      const ws = this.waiters;
      this.waiters = [];
      for (const w of ws) w();
    }
  }
}

/** A member's process died: what it was asked fails with this (the coordinator runs the round again). */
export class MemberGone extends Error {}

export interface CoordinatorOptions {
  barrierTimeoutMs?: number | undefined;
  /** Stop at these instants (time does not pass them before `atStop` has run), in order: a shard kill (run/workers.ts). */
  stops?: readonly number[] | undefined;
  /** Every member is quiet at a stop's instant; it may replace members (replace()) before the next round. */
  atStop?: ((tMs: number) => void) | undefined;
  /** Messages between processes the barrier gave up on (counted lost). */
  onLost?: ((count: number) => void) | undefined;
  note?: ((line: string) => void) | undefined;
}

/**
 * The coordinator: runs rounds until every member is done. `members` may grow while it runs
 * (a restarted shard, run/workers.ts, replaces its dead predecessor through `replace`).
 */
export class StepCoordinator {
  private readonly members: (MemberPort | undefined)[];
  private rounds = 0;
  private readonly stops: number[];

  constructor(
    members: readonly MemberPort[],
    readonly ledger: SharedLedger,
    private readonly o: CoordinatorOptions = {},
  ) {
    this.members = [...members];
    this.stops = [...(o.stops ?? [])].sort((a, b) => a - b);
  }

  get roundCount(): number {
    return this.rounds;
  }

  /** A member that died is left out until replace() gives its slot a new port. */
  remove(i: number): void {
    this.members[i] = undefined;
  }

  replace(i: number, m: MemberPort): void {
    this.members[i] = m;
  }

  /** Run until every member is done. A member slot left empty (a dead worker) is waited for. */
  async run(): Promise<void> {
    for (;;) {
      try {
        if (await this.round()) return;
      } catch (e) {
        // A member's process died mid-round (its port rejects): the round is run again without it, then with its replacement.
        if (!(e instanceof MemberGone)) throw e;
        this.o.note?.(`step barrier: ${e.message}`);
      }
    }
  }

  /** One round; true when every member is done. */
  private async round(): Promise<boolean> {
    {
      const parked = await this.allParked();
      const active = parked.filter((p): p is { m: MemberPort; target: number } => p.target !== 'done');
      if (active.length === 0) return true;
      this.ledger.dropUntracked();
      await this.quiet();
      const released = await Promise.all(active.map(async (a) => ({ ...a, ...(await a.m.release()) })));
      const atTarget = released.filter((r) => r.nowMs >= r.target && r.nextMs > r.target);
      if (atTarget.length > 0) {
        for (const r of atTarget) r.m.resume();
        return false;
      }
      const nowMs = Math.max(...released.map((r) => r.nowMs));
      const stop = this.stops[0];
      if (stop !== undefined && stop <= nowMs && released.every((r) => r.nextMs > nowMs)) {
        // Everyone is quiet at the stop's instant, with nothing more due there (what arrived has been handled).
        this.stops.shift();
        this.o.atStop?.(nowMs);
        return false;
      }
      const t = Math.min(...released.map((r) => Math.min(r.nextMs, r.target)), stop ?? Infinity);
      this.rounds++;
      await Promise.all(active.map((a) => a.m.step(t)));
      return false;
    }
  }

  private async quiet(): Promise<void> {
    const { lost } = await this.ledger.quiet(this.o.barrierTimeoutMs ?? 5000);
    if (lost > 0) {
      this.o.onLost?.(lost);
      this.o.note?.(`step barrier: ${lost} message(s) between processes not delivered within ${this.o.barrierTimeoutMs ?? 5000} ms, counted lost`);
    }
  }

  /** Every slot's member parked (or done); an empty slot (a worker being restarted) is polled until filled. */
  private async allParked(): Promise<{ m: MemberPort; target: number | 'done' }[]> {
    for (;;) {
      const snapshot = [...this.members];
      if (snapshot.every((m) => m !== undefined)) {
        const ms = snapshot as MemberPort[];
        const targets = await Promise.all(ms.map((m) => m.parked()));
        // A slot replaced while we waited: ask again.
        if (ms.every((m, i) => this.members[i] === m)) return ms.map((m, i) => ({ m, target: targets[i] as number | 'done' }));
        continue;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}
