/**
 * The quiescence barrier of the MQTT link (mqttNetwork.ts): virtual time over a real broker.
 * Every tracked publish increments an in-flight count (by topic and payload) that the receiving
 * side decrements once it has handled the message; connection changes run one after another on a
 * chain, each after the messages in flight have landed. `settle()` resolves when nothing is in
 * flight and no connection change is pending, and then hands over the messages of the instant in
 * a fixed order (`arrive`). A message that has not arrived after `barrierTimeoutMs` of wall time
 * is counted lost.
 */
import type { World } from '../world/world.js';
import type { Direction } from './messageShaping.js';

export interface QuiescenceOptions {
  barrierTimeoutMs?: number | undefined;
  /** Only the pumps (infusim fleet): nothing is tracked and there is no barrier to wait for. */
  externalGateway?: boolean | undefined;
  /** The barrier gave up on this many messages (counted before they leave the in-flight count). */
  onTimeout: (count: number) => void;
  note: (line: string) => void;
  /**
   * The run spans several processes (`infusim run --workers N`, run/stepProtocol.ts): what is
   * published and received is told to the run's coordinator, which keeps the in-flight count
   * for all of them; `settle()` then waits only for this process's connection changes, and the
   * instant's arrivals are handed over when the coordinator says so (`release()`).
   */
  shared?: SharedInFlight | undefined;
}

/** The in-flight count kept across processes (run/stepProtocol.ts). */
export interface SharedInFlight {
  published(key: string): void;
  received(key: string): void;
}

export class QuiescenceBarrier {
  private readonly inflight = new Map<string, number>();
  private inflightCount = 0;
  private readonly pending = new Set<Promise<void>>();
  private chain: Promise<void> = Promise.resolve();
  private waiters: (() => void)[] = [];
  /** Messages received in this instant, handled in a fixed order once the barrier is reached. */
  private arrivals: { dir: Direction; pumpId: string; index: number; handle: () => void }[] = [];

  constructor(
    private readonly w: World,
    private readonly o: QuiescenceOptions,
  ) {}

  get inFlight(): number {
    return this.inflightCount;
  }

  /** Connection changes run one after another, each after the messages in flight have landed. */
  op(f: () => Promise<void>): void {
    const p: Promise<void> = this.chain
      .then(() => this.drainInflight())
      .then(f)
      .catch((e: unknown) => this.o.note(`mqtt: ${(e as Error).message}`))
      .finally(() => this.pending.delete(p));
    this.chain = p;
    this.pending.add(p);
  }

  /** The quiescence barrier: nothing in flight and no connection change pending. */
  async settle(): Promise<void> {
    for (let round = 0; round < 1000; round++) {
      if (this.pending.size > 0) {
        await Promise.all([...this.pending]);
        continue;
      }
      if (this.inflightCount <= 0) {
        if (!this.o.shared) this.flushArrivals();
        return;
      }
      const timeoutMs = this.o.barrierTimeoutMs ?? 5000;
      let timer: NodeJS.Timeout | undefined;
      const timedOut = await new Promise<boolean>((resolve) => {
        this.waiters.push(() => resolve(false));
        timer = setTimeout(() => resolve(true), timeoutMs);
      });
      clearTimeout(timer);
      if (timedOut && this.inflightCount > 0) {
        this.o.onTimeout(this.inflightCount);
        this.o.note(`barrier: ${this.inflightCount} message(s) not delivered within ${timeoutMs} ms, counted lost`);
        this.inflight.clear();
        this.inflightCount = 0;
      }
    }
  }

  private async drainInflight(): Promise<void> {
    if (this.inflightCount <= 0) return;
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, this.o.barrierTimeoutMs ?? 5000);
      this.waiters.push(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }

  /** The key a message is tracked by: its topic and payload. */
  key(topic: string, payload: string): string {
    return `${topic}\n${payload}`;
  }

  isTracked(k: string): boolean {
    // A shared count (several processes): whether the publisher tracked it is not known here; every
    // PUBLISH counts as tracked (one that was not comes out below zero and the coordinator drops it).
    if (this.o.shared) return true;
    return this.inflight.has(k);
  }

  track(topic: string, payload: string): void {
    this.trackKey(this.key(topic, payload));
  }

  trackKey(k: string): void {
    if (this.o.shared) return this.o.shared.published(k);
    this.inflight.set(k, (this.inflight.get(k) ?? 0) + 1);
    this.inflightCount++;
  }

  untrack(topic: string, payload: Buffer): void {
    this.untrackKey(this.key(topic, payload.toString()));
  }

  untrackKey(k: string): void {
    if (this.o.shared) return this.o.shared.received(k);
    const n = this.inflight.get(k);
    if (n === undefined) return;
    if (n <= 1) this.inflight.delete(k);
    else this.inflight.set(k, n - 1);
    this.inflightCount--;
    if (this.inflightCount <= 0) {
      const ws = this.waiters;
      this.waiters = [];
      for (const w of ws) w();
    }
  }

  /**
   * A message that reached its receiver: handled at this instant, but only once the barrier has
   * seen every message of the instant land, and then in a fixed order (direction, pump, arrival
   * on that pump's connection) rather than the order the sockets delivered them in. With the
   * per-pump link streams (messageShaping.ts) this makes a run over MQTT replay from its seed.
   * Whoever drives the world calls `settle()` before running it (the transport's `advance` does).
   */
  arrive(dir: Direction, pumpId: string, handle: () => void): void {
    // Only the pumps (infusim fleet): nothing is tracked and there is no barrier to wait for.
    if (this.o.externalGateway && !this.o.shared) this.w.at(this.w.nowMs, handle);
    else this.arrivals.push({ dir, pumpId, index: this.arrivals.length, handle });
  }

  /** With a shared in-flight count: the coordinator saw every process quiet; hand over this instant's arrivals. */
  release(): void {
    this.flushArrivals();
  }

  private flushArrivals(): void {
    if (this.arrivals.length === 0) return;
    const due = this.arrivals;
    this.arrivals = [];
    due.sort((a, b) => (a.dir === b.dir ? 0 : a.dir === 'down' ? -1 : 1) || (a.pumpId < b.pumpId ? -1 : a.pumpId > b.pumpId ? 1 : 0) || a.index - b.index);
    for (const a of due) this.w.at(this.w.nowMs, a.handle);
  }
}
