/**
 * A discrete-event world: one virtual clock, many pumps, jumping from event to event. Pumps say
 * when they next need to wake; actions (a nurse, a fault, a sampler) are scheduled at instants.
 * The world itself never reads the wall clock; pacing against it is the runner's job.
 */
import type { Pump } from '../../sim/pump/pump.js';
import type { PumpCommand, Reply } from '../../sim/protocol/commands.js';
import type { PumpEvent } from '../../sim/trace/events.js';
import { EventQueue } from './eventQueue.js';

export interface WorldPump {
  id: string;
  pump: Pump;
  /** Bumped whenever the pump's next wake may have changed; stale queue entries are skipped. */
  version: number;
}

/**
 * One queue entry (issue 20: a pump's wake, or an action). Something that
 * happens often and carries data of its own (a message on its way) extends it and overrides
 * `fire`, so that it is its own entry: one object an event, no closure.
 */
export class Timer {
  seq = 0;
  constructor(
    /** When it fires (the world clamps it to now when it is scheduled). */
    public atMs: number,
    /** A wake of this pump at this version of its schedule; null for an action. */
    readonly slot: WorldPump | null,
    readonly version: number,
    readonly action: ((world: World) => void) | null,
  ) {}

  /** An action's turn (a wake is the world's own). */
  fire(world: World): void {
    this.action?.(world);
  }
}

export interface WorldStats {
  wakes: number;
  actions: number;
  commands: number;
  pumpEvents: number;
}

export type EventSink = (pumpId: string, e: PumpEvent) => void;
export type CommandSink = (pumpId: string, c: PumpCommand, r: Reply, source: string) => void;
/** Called after every step of a pump (a command or a wake), before its events are handed on. */
/** `sync`: the pump was brought to now right before a command (a checker must take a fresh look). */
export type StepHook = (slot: WorldPump, step: { cmd?: PumpCommand | undefined; reply?: Reply | undefined; sync?: boolean }) => PumpEvent[] | undefined;

/** The step of a wake or a touch: nothing but time (one object, never written to). */
const NO_STEP: Parameters<StepHook>[1] = Object.freeze({});

export class World {
  private nowMsValue = 0;
  private readonly queue = new EventQueue<Timer>();
  private readonly slots = new Map<string, WorldPump>();
  readonly stats: WorldStats = { wakes: 0, actions: 0, commands: 0, pumpEvents: 0 };
  private readonly sinks: EventSink[] = [];
  private readonly commandSinks: CommandSink[] = [];
  private stepHook: StepHook | undefined;

  /** The run's virtual now, the one owner of time: pumps are brought to it when touched or woken (docs/architecture.md, "Time"). */
  get nowMs(): number {
    return this.nowMsValue;
  }

  pumps(): IterableIterator<WorldPump> {
    return this.slots.values();
  }

  pump(id: string): WorldPump {
    const s = this.slots.get(id);
    if (!s) throw new RangeError(`no pump "${id}" in the world`);
    return s;
  }

  /** Every event every pump emits goes to the sinks, in time order. */
  onEvent(sink: EventSink): void {
    this.sinks.push(sink);
  }

  /** Every command run through the world, with its reply and who sent it. */
  onCommand(sink: CommandSink): void {
    this.commandSinks.push(sink);
  }

  /** One hook sees every step of every pump (the safety checkers). */
  setStepHook(hook: StepHook): void {
    this.stepHook = hook;
  }

  addPump(id: string, pump: Pump): WorldPump {
    if (this.slots.has(id)) throw new RangeError(`pump id "${id}" is used twice`);
    pump.advanceTo(Math.max(pump.nowMs, this.nowMsValue));
    const slot: WorldPump = { id, pump, version: 0 };
    this.slots.set(id, slot);
    this.reschedule(slot);
    return slot;
  }

  /** Schedule an action at an absolute instant (not before now). */
  at(atMs: number, run: (world: World) => void): void {
    this.queue.push(new Timer(Math.max(atMs, this.nowMsValue), null, 0, run));
  }

  /** Schedule an entry of its own (a Timer subclass) at its `atMs` (not before now). */
  schedule(timer: Timer): void {
    if (timer.atMs < this.nowMsValue) timer.atMs = this.nowMsValue;
    this.queue.push(timer);
  }

  /** Run a command on a pump now; its events reach the sinks and its wake is rescheduled. */
  command(id: string, c: PumpCommand, source = 'scenario'): Reply {
    return this.act(id, c, source, (pump) => pump.execute(c));
  }

  /** Run something on a pump now that yields a reply (a local or a remote command). */
  act(id: string, c: PumpCommand, source: string, run: (pump: Pump) => Reply): Reply {
    const slot = this.pump(id);
    if (slot.pump.nowMs < this.nowMsValue) slot.pump.advanceTo(this.nowMsValue);
    this.flush(slot, { sync: true });
    this.stats.commands++;
    const r = run(slot.pump);
    for (const s of this.commandSinks) s(id, c, r, source);
    this.flush(slot, { cmd: c, reply: r });
    this.reschedule(slot);
    return r;
  }

  /** Bring a pump to now (e.g. to read its status). */
  touch(slot: WorldPump): void {
    if (slot.pump.nowMs < this.nowMsValue) {
      slot.pump.advanceTo(this.nowMsValue);
      this.flush(slot, NO_STEP);
    }
  }

  /** The next instant anything happens, or Infinity. */
  nextEventMs(): number {
    return this.queue.peekMs();
  }

  /** Run every event up to and including untilMs, then set the clock to untilMs. */
  runUntil(untilMs: number): void {
    const queue = this.queue;
    while (queue.peekMs() <= untilMs) {
      const e = queue.pop()!;
      this.nowMsValue = e.atMs;
      const slot = e.slot;
      if (slot !== null) {
        if (e.version !== slot.version) continue;
        this.stats.wakes++;
        slot.pump.advanceTo(e.atMs);
        this.flush(slot, NO_STEP);
        this.reschedule(slot);
      } else {
        this.stats.actions++;
        e.fire(this);
      }
    }
    this.nowMsValue = Math.max(this.nowMsValue, untilMs);
  }

  private flush(slot: WorldPump, step: Parameters<StepHook>[1]): void {
    const events = this.stepHook?.(slot, step) ?? slot.pump.takeEvents();
    this.stats.pumpEvents += events.length;
    if (this.sinks.length === 0) return;
    for (const e of events) for (const s of this.sinks) s(slot.id, e);
  }

  private reschedule(slot: WorldPump): void {
    slot.version++;
    const next = slot.pump.nextWakeMs();
    if (next < Infinity) this.queue.push(new Timer(next, slot, slot.version, null));
  }
}
