/**
 * The run's safety checkers. They read what happens (pump steps, events with who caused them,
 * remote commands, faults) and report each violation with time, pump, rule and detail; the runner
 * adds the trace lines around it. Global rules on every run:
 * - the pump invariants of the model (src/sim/safety/invariants.ts), after every step;
 * - no infusion stopped by a network or gateway fault (only local causes may stop flow);
 * - every pump event reaches the gateway exactly once after links heal;
 * - alarms raised within their time bound after their cause (IEC 60601-1-8: alarm condition delay);
 * - no unacknowledged latching high-priority alarm silently cleared;
 * - no command from an unauthorised source changed a therapy (FDA premarket cybersecurity guidance 2023).
 * Rules on runs with firmware or library updates (checked on each update event):
 * - no infusion interrupted by an update (no install or switch while a program runs or waits);
 * - every pump boots a correctly signed image (unless a weak profile let it in: counted, reported);
 * - no version below the anti-rollback floor ever runs; the firmware invariants hold;
 * - a drug library never changes under a running infusion.
 */
import { ALARM_TABLE, type AlarmId } from '../../sim/alarms/alarmTable.js';
import type { Pump } from '../../sim/pump/pump.js';
import type { PumpCommand, Reply } from '../../sim/protocol/commands.js';
import { checkPumpInvariants, finalCheck, InvariantObserver } from '../../sim/safety/invariants.js';
import type { PumpEvent, PumpState } from '../../sim/trace/events.js';
import type { RemoteCommandRecord } from '../link/pumpAgent.js';
import { compareVersions, firmwareInvariantViolations, type FirmwareEvent, type LibraryEvent } from '../../sim/firmware/index.js';

export const GLOBAL_RULES = {
  infusionInterrupted: 'no-infusion-interrupted',
  exactlyOnce: 'events-exactly-once',
  alarmBound: 'alarm-within-time-bound',
  silentClear: 'no-silent-clear-of-high-alarm',
  unauthorised: 'no-unauthorised-change',
  updateInterrupted: 'no-infusion-interrupted-by-update',
  signedBoot: 'boots-signed-image',
  belowFloor: 'no-version-below-floor',
  firmwareInvariant: 'firmware-invariant',
  libraryUnderInfusion: 'no-library-change-under-infusion',
} as const;

/** A program is loaded and running or waiting: an update must not touch it. */
const PROGRAM_HELD: ReadonlySet<PumpState> = new Set(['RUNNING', 'KVO', 'PAUSED', 'PROGRAMMED']);

export interface RawViolation {
  tMs: number;
  rule: string;
  pumpId?: string | undefined;
  detail: string;
}

const FLOWING: ReadonlySet<PumpState> = new Set(['RUNNING', 'KVO']);
const THERAPY_COMMANDS: ReadonlySet<string> = new Set(['PROGRAM', 'START', 'PAUSE', 'RESUME', 'STOP', 'TITRATE', 'BOLUS', 'DEMAND', 'AREA']);
/** Sources allowed to stop a therapy: people at the pump and the scenario's own faults (and the authenticated gateway). Never the comms module. */
const LOCAL_SOURCES: ReadonlySet<string> = new Set(['nurse', 'scenario']);

interface PumpWatch {
  pump: Pump;
  observer: InvariantObserver;
  state: PumpState;
  /** Latching high alarms active → acknowledged by someone? */
  latched: Map<AlarmId, boolean>;
  /** Alarms whose cause was injected, with the deadline by which they must sound. */
  due: Map<AlarmId, number>;
}

export class SafetyMonitor {
  readonly violations: RawViolation[] = [];
  private readonly watches = new Map<string, PumpWatch>();
  private lastCause: { pumpId: string; tMs: number; source: string; cmd: PumpCommand; reply: Reply } | undefined;
  /** Counts, for the report. */
  readonly counts = { steps: 0, remoteRefused: 0, remoteAccepted: 0, alarmBoundsChecked: 0, updateEventsChecked: 0 };
  /** Boots of an image whose signature did not verify, let in by a weak profile (reported, not a violation). */
  readonly weakBoots: { tMs: number; pumpId: string; version: string; profile: string }[] = [];

  constructor(private readonly onViolation: (v: RawViolation) => void = () => undefined) {}

  watch(pumpId: string, pump: Pump): void {
    this.watches.set(pumpId, { pump, observer: new InvariantObserver(pump, { fullLogVerify: false }), state: pump.state, latched: new Map(), due: new Map() });
  }

  private add(v: RawViolation): void {
    this.violations.push(v);
    this.onViolation(v);
  }

  /** The world's step hook: check the pump invariants and hand back the step's events. */
  step(pumpId: string, pump: Pump, step: { cmd?: PumpCommand | undefined; reply?: Reply | undefined; sync?: boolean }): PumpEvent[] {
    const events = pump.takeEvents();
    // A step with no command and no event is only time passing at constant rates: it is checked
    // as part of the next step that does something (the invariants hold over the joined interval).
    if (step.cmd === undefined && events.length === 0 && step.sync !== true) return events;
    const w = this.watches.get(pumpId);
    if (!w) return events;
    this.counts.steps++;
    const found = checkPumpInvariants(pump, w.observer, { cmd: step.cmd, reply: step.reply, events });
    for (const f of found) this.add({ tMs: pump.nowMs, rule: f.rule, pumpId, detail: f.detail });
    return events;
  }

  /** Who ran the command whose events come next (the world calls command sinks before events). */
  noteCommand(pumpId: string, tMs: number, source: string, cmd: PumpCommand, reply: Reply): void {
    this.lastCause = { pumpId, tMs, source, cmd, reply };
    const w = this.watches.get(pumpId);
    if (w && reply.ok && cmd.cmd === 'ACK') {
      for (const id of w.latched.keys()) if (cmd.alarm === undefined || cmd.alarm === id) w.latched.set(id, true);
    }
  }

  event(pumpId: string, e: PumpEvent): void {
    const w = this.watches.get(pumpId);
    if (!w) return;
    const cause = this.lastCause && this.lastCause.pumpId === pumpId && this.lastCause.tMs === e.tMs ? this.lastCause : undefined;
    if (e.type === 'UPDATE') {
      this.update(pumpId, w, e.tMs, e.event);
    } else if (e.type === 'STATE') {
      if (FLOWING.has(w.state) && !FLOWING.has(e.state)) this.checkStop(pumpId, e, cause);
      w.state = e.state;
    } else if (e.type === 'ALARM') {
      const spec = ALARM_TABLE[e.id];
      if (spec.latching && spec.priority === 'high') w.latched.set(e.id, false);
      w.due.delete(e.id);
    } else if (e.type === 'ALARM_END') {
      const acked = w.latched.get(e.id);
      w.latched.delete(e.id);
      const powerCycle = cause?.cmd.cmd === 'INJECT' && cause.cmd.input.sensor === 'power';
      if (acked === false && !powerCycle) {
        this.add({ tMs: e.tMs, rule: GLOBAL_RULES.silentClear, pumpId, detail: `${e.id} (high, latching) ended without anyone acknowledging it` });
      }
    }
  }

  private checkStop(pumpId: string, e: Extract<PumpEvent, { type: 'STATE' }>, cause: { source: string; cmd: PumpCommand } | undefined): void {
    const reason = e.reason;
    const alarm = reason in ALARM_TABLE ? ALARM_TABLE[reason as AlarmId] : undefined;
    if (alarm) {
      if (alarm.stopsFlow) return;
      this.add({ tMs: e.tMs, rule: GLOBAL_RULES.infusionInterrupted, pumpId, detail: `flow stopped by ${reason}, which must not stop flow` });
      return;
    }
    if (reason === 'vtbi_done' || reason === 'power_off') return;
    if ((reason === 'pause' || reason === 'stop') && cause && (LOCAL_SOURCES.has(cause.source) || cause.source === 'gateway')) return;
    this.add({ tMs: e.tMs, rule: GLOBAL_RULES.infusionInterrupted, pumpId, detail: `infusion went ${e.state} (${reason})${cause ? ` on a command from ${cause.source}` : ''}` });
  }

  /** A remote command at a pump: `r.source` is who the harness knows sent it (never the sender's own `from`). */
  remote(r: RemoteCommandRecord): void {
    if (r.verdict === 'accepted') this.counts.remoteAccepted++;
    else this.counts.remoteRefused++;
    const name = r.command.split(' ')[0] ?? '';
    if (r.source !== 'gateway' && r.verdict === 'accepted' && r.reply.ok && (THERAPY_COMMANDS.has(name) || name === 'UPDATE')) {
      const what = name === 'UPDATE' ? 'a firmware or library update' : 'the therapy';
      this.add({ tMs: r.tMs, rule: GLOBAL_RULES.unauthorised, pumpId: r.pumpId, detail: `${r.command} from an unauthorised ${r.source} client was accepted and changed ${what}` });
    }
  }

  /**
   * A cause was injected: the alarm must sound within its bound (immediately for door, air,
   * self-test and an empty container; within the compliance model's time for an occlusion).
   */
  expectAlarm(pumpId: string, alarm: AlarmId, deadlineMs: number): void {
    const w = this.watches.get(pumpId);
    if (!w) return;
    this.counts.alarmBoundsChecked++;
    w.due.set(alarm, deadlineMs);
  }

  /** No longer due (the cause went away or flow stopped first). */
  cancelExpectation(pumpId: string, alarm: AlarmId): void {
    this.watches.get(pumpId)?.due.delete(alarm);
  }

  /** At a deadline: if the alarm has not sounded, that is a violation. */
  checkDue(pumpId: string, alarm: AlarmId, nowMs: number, stillCaused: boolean): void {
    const w = this.watches.get(pumpId);
    const deadline = w?.due.get(alarm);
    if (!w || deadline === undefined || nowMs < deadline) return;
    w.due.delete(alarm);
    if (stillCaused) this.add({ tMs: nowMs, rule: GLOBAL_RULES.alarmBound, pumpId, detail: `${alarm} not raised by its time bound` });
  }

  /** After links heal: every event sent was ingested exactly once. */
  exactlyOnce(pumpId: string, tMs: number, sent: number, ingested: number, contiguousUpTo: number, overflowDropped: number): void {
    if (ingested === sent && contiguousUpTo === sent && overflowDropped === 0) return;
    this.add({
      tMs,
      rule: GLOBAL_RULES.exactlyOnce,
      pumpId,
      detail: `pump sent ${sent} events, gateway ingested ${ingested} (contiguous up to ${contiguousUpTo}), ${overflowDropped} dropped from a full outbox`,
    });
  }

  private update(pumpId: string, w: PumpWatch, tMs: number, e: FirmwareEvent | LibraryEvent): void {
    this.counts.updateEventsChecked++;
    if (e.type === 'install-started' || e.type === 'switched') {
      if (PROGRAM_HELD.has(w.state)) this.add({ tMs, rule: GLOBAL_RULES.updateInterrupted, pumpId, detail: `${e.type} of ${e.version} while the pump was ${w.state}` });
    } else if (e.type === 'library-activated') {
      if (PROGRAM_HELD.has(w.state)) this.add({ tMs, rule: GLOBAL_RULES.libraryUnderInfusion, pumpId, detail: `library ${e.library} activated while the pump was ${w.state}` });
    } else if (e.type === 'boot') {
      const st = w.pump.firmwareStatus();
      const slot = st?.slots[e.slot];
      if (st && slot) {
        if (!slot.signatureVerified) {
          if (slot.acceptedUnsignedBy !== undefined) this.weakBoots.push({ tMs, pumpId, version: e.version, profile: slot.acceptedUnsignedBy });
          else this.add({ tMs, rule: GLOBAL_RULES.signedBoot, pumpId, detail: `booted ${e.version} from slot ${e.slot}, whose signature did not verify` });
        }
        if (compareVersions(e.version, st.floorVersion) < 0) this.add({ tMs, rule: GLOBAL_RULES.belowFloor, pumpId, detail: `booted ${e.version}, below the floor ${st.floorVersion}` });
      }
    }
    if (e.type.startsWith('library-')) return;
    const st = w.pump.firmwareStatus();
    if (st) for (const v of firmwareInvariantViolations(st)) this.add({ tMs, rule: GLOBAL_RULES.firmwareInvariant, pumpId, detail: v });
  }

  finish(pumpId: string, pump: Pump): void {
    for (const f of finalCheck(pump)) this.add({ tMs: pump.nowMs, rule: f.rule, pumpId, detail: f.detail });
  }
}
