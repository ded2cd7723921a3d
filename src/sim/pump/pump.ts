/**
 * The pump: a pure state machine over virtual time. It takes commands and sensor inputs, moves
 * only when told to (`advanceTo`), and says when it next needs to wake (`nextWakeMs`), so a world
 * can jump from event to event. Delivered volume is closed form between events. Its parts and
 * their reading are in pumpParts.ts, each part in its own file with its own figures, wake,
 * integration and due checks; the therapy commands are in therapy.ts, remote commands in
 * remoteIntent.ts. Parts return their effects (effects.ts); the pump performs them.
 */
import { ALARM_TABLE, isAlarmId, type AlarmId } from '../alarms/alarmTable.js';
import { findCareArea } from '../druglib/load.js';
import type { FirmwareEvent, LibraryEvent } from '../firmware/events.js';
import type { FirmwareUpdater } from '../firmware/updater.js';
import { Battery } from '../power/battery.js';
import { err, ok, type PumpCommand, type Reply, type SensorInput } from '../protocol/commands.js';
import { formatCommand, formatReply } from '../protocol/lineCodec.js';
import type { RemoteEnvelope, RemoteVerdict } from '../security/remoteCommand.js';
import { formatEvent, type PumpEvent, type PumpState } from '../trace/events.js';
import { AirDetector } from './air.js';
import type { Effect } from './effects.js';
import { PumpParts } from './pumpParts.js';
import { statusFields, type PumpOptions } from './pumpStatus.js';
import { drugReply, infoReply, selectArea } from './readCommands.js';
import { bolusCommand, demandCommand, infusing, pauseCommand, programCommand, resumeCommand, runningDue, startCommand, stopCommand, titrateCommand, type PumpHost } from './therapy.js';

export { INTENT_WINDOW_MS } from './remoteIntent.js';
export { statusFields, type PumpOptions, type PumpStatus, type PumpTelemetry } from './pumpStatus.js';

const MS_PER_H = 3_600_000;
/** The largest single TICK (24 h), a bound on one command's work. */
export const MAX_TICK_MS = 86_400_000;
/** Wakes one `advanceTo` may take: each acts on something due or moves time by at least 1 ms. */
const MAX_WAKES_PER_ADVANCE = 1_000_000;
/** What a powered-off pump still answers (docs/protocol.md, "Power"). */
const ANSWERED_WHEN_OFF: ReadonlySet<PumpCommand['cmd']> = new Set(['PING', 'INFO', 'STATUS', 'TICK', 'INJECT', 'LOG']);

export class Pump extends PumpParts {
  private callbackSinceMs: number | undefined;
  private lastRate = 0;
  private stateBeforeOff: PumpState = 'IDLE';
  /** Off because the power went (INJECT power=off), not for a reboot. */
  private powerLost = false;
  /**
   * When the pump's own thresholds next fall due (absolute, unrounded), kept until something acts
   * on the pump: between wakes every quantity moves linearly, so the instant stays right (the PCA
   * window only moves it later, so a kept value wakes early, never late). See `changed()`.
   */
  private ownWakeMs: number | undefined;
  /** Something acted on the pump since its thresholds were last checked (`processDue`). */
  private dueCheckNeeded = true;
  private readonly host: PumpHost;

  constructor(options: PumpOptions) {
    super(options);
    this.host = {
      type: this.type,
      infusion: this.infusion,
      container: this.container,
      alarms: this.alarms,
      service: this.service,
      firmware: this.firmware,
      nowMs: () => this.nowMsValue,
      state: () => this.stateValue,
      rateMlPerH: () => this.currentRateMlPerH(),
      context: () => ({ type: this.type, area: this.area, nowMs: this.nowMsValue }),
      setState: (s, reason) => this.setState(s, reason),
      setStateAnew: (s, reason) => {
        this.stateValue = 'IDLE';
        this.setState(s, reason);
      },
      raiseAlarm: (id) => this.raiseAlarm(id),
      clearAlarm: (id) => this.clearAlarm(id),
      emit: (e) => this.emit(e),
      emitAll: (events) => this.emitAll(events),
      endBolus: (cut) => this.endBolus(cut),
      noteRate: () => this.noteRate(),
    };
  }

  // ---------------------------------------------------------------- time

  /** The next instant (ms) at which the pump changes on its own; Infinity if never. */
  nextWakeMs(): number {
    const now = this.nowMsValue;
    const updateWake = this.updates.nextWakeMs();
    if (this.stateValue === 'OFF') return updateWake < Infinity ? Math.max(now + 1, Math.ceil(updateWake - 1e-7)) : Infinity;
    this.ownWakeMs ??= this.ownThresholdsMs();
    const next = Math.min(this.ownWakeMs, updateWake);
    if (!(next < Infinity)) return Infinity;
    return Math.max(now + 1, Math.ceil(next - 1e-7));
  }

  /** Something acted on the pump: its thresholds are computed again and checked at the next step. */
  private changed(): void {
    this.ownWakeMs = undefined;
    this.dueCheckNeeded = true;
  }

  /** The earliest instant (unrounded) at which one of the pump's own thresholds is reached. */
  private ownThresholdsMs(): number {
    const now = this.nowMsValue;
    const rate = this.currentRateMlPerH();
    const next = Math.min(
      this.alarms.nextWakeMs(now),
      this.infusion.wakeMs(now, this.stateValue, rate, this.type.nearEndLeadMs),
      this.container.wakeMs(now, rate),
      this.occlusion.wakeMs(now, rate),
      this.battery.wakeMs(now, rate),
    );
    if (this.callbackSinceMs !== undefined && !this.alarms.has('CALLBACK')) return Math.min(next, this.callbackSinceMs + this.type.callbackAfterMs);
    return next;
  }

  /** Move virtual time to `targetMs`, acting on everything due on the way. */
  advanceTo(targetMs: number): void {
    if (targetMs < this.nowMsValue) throw new RangeError(`pump time cannot go back: now ${this.nowMsValue} ms, asked ${targetMs} ms`);
    for (let wakes = 0; ; wakes++) {
      const wake = this.nextWakeMs();
      if (wake > targetMs) break;
      if (wakes === MAX_WAKES_PER_ADVANCE) throw new Error(`pump ${this.serial}: ${wakes} wakes before t=${targetMs} ms (now ${this.nowMsValue} ms, next wake ${wake} ms); a threshold is not being acted on`);
      this.integrateTo(wake);
      this.checkDue();
    }
    this.integrateTo(targetMs);
    // Nothing falls due before the next wake unless something acted on the pump since the last check.
    if (this.dueCheckNeeded) this.checkDue();
  }

  private checkDue(): void {
    this.processDue();
    this.ownWakeMs = undefined;
    this.dueCheckNeeded = false;
  }

  /** Continuous quantities from now to t at the present rate; no event lies strictly inside. */
  private integrateTo(t: number): void {
    const dtMs = t - this.nowMsValue;
    if (dtMs <= 0) return;
    const rate = this.currentRateMlPerH();
    // Switched off, the pump draws nothing (it still charges on mains).
    this.battery.integrate(dtMs, rate, this.stateValue !== 'OFF');
    const dv = (rate * dtMs) / MS_PER_H;
    if (dv > 0 && this.infusion.program) {
      // Never more than is loaded; then the infusion's own bounds (VTBI, bolus, PCA limit).
      const moved = this.infusion.integrate(this.nowMsValue, t, Math.min(dv, this.container.remainingMl), this.stateValue);
      this.mechanism.integrate(moved, this.profile().rateErrorFactor);
      this.container.integrate(moved);
      this.occlusion.integrate(moved);
    }
    this.nowMsValue = t;
  }

  /** Act on every threshold reached at the present instant. */
  private processDue(): void {
    const now = this.nowMsValue;
    this.emitAll(this.alarms.advance(now));
    this.advanceUpdates();
    if (this.stateValue === 'OFF') return;
    const p = this.infusion.program;
    const rate = this.currentRateMlPerH();
    this.perform(this.occlusion.due(this.alarms));
    this.perform(this.battery.due(now, rate, this.alarms));
    // A depleted battery's shutdown ends the check.
    if ((this.stateValue as PumpState) === 'OFF') return;
    // Callback.
    if (this.callbackSinceMs !== undefined && now >= this.callbackSinceMs + this.type.callbackAfterMs && !this.alarms.has('CALLBACK')) {
      this.raiseAlarm('CALLBACK');
    }
    if (p && this.stateValue === 'RUNNING') runningDue(this.host, p, now, rate);
    this.perform(this.container.due(this.currentRateMlPerH()));
  }

  // ---------------------------------------------------------------- effects and state

  private emit(e: PumpEvent): void {
    this.outbox.push(e);
    this.log.append(e.tMs, 'event', formatEvent(e));
  }

  private emitAll(events: readonly PumpEvent[]): void {
    for (const e of events) this.emit(e);
  }

  /** Perform what a unit returned, in its order. */
  private perform(effects: readonly Effect[]): void {
    for (const f of effects) {
      if ('raise' in f) this.raiseAlarm(f.raise);
      else if ('clear' in f) this.clearAlarm(f.clear);
      else if ('event' in f) this.emit(f.event);
      else if ('powerDown' in f) this.shutDown(f.powerDown);
      else if ('reboot' in f) this.goDown(f.reboot);
      else if ('boot' in f) {
        if (!this.powerLost) this.comeUp(f.boot);
      } else {
        this.library = f.library;
        this.area = (this.area ? findCareArea(f.library, this.area.id) : undefined) ?? f.library.careAreas[0];
      }
    }
  }

  private setState(state: PumpState, reason: string): void {
    if (state === this.stateValue) return;
    this.stateValue = state;
    this.emit({ type: 'STATE', tMs: this.nowMsValue, state, reason });
    // A pump left programmed or paused calls for attention (callback alarm).
    if (state === 'PROGRAMMED' || state === 'PAUSED') {
      this.callbackSinceMs = this.nowMsValue;
    } else {
      this.callbackSinceMs = undefined;
      this.clearAlarm('CALLBACK');
    }
    this.noteRate();
  }

  private noteRate(): void {
    const r = this.currentRateMlPerH();
    if (r !== this.lastRate) {
      this.lastRate = r;
      this.emit({ type: 'RATE', tMs: this.nowMsValue, rateMlPerH: r });
    }
  }

  private raiseAlarm(id: AlarmId): void {
    this.emitAll(this.alarms.raise(id, this.nowMsValue));
    // A flow-stopping alarm stops a flowing pump; a bolus in progress ends.
    if (ALARM_TABLE[id].stopsFlow && (this.stateValue === 'RUNNING' || this.stateValue === 'KVO')) {
      this.endBolus(true);
      this.setState('ALARM', id);
    }
  }

  private clearAlarm(id: AlarmId): void {
    if (!this.alarms.has(id)) return;
    this.emitAll(this.alarms.clearCause(id, this.nowMsValue));
    this.leaveAlarmIfCleared();
  }

  /**
   * docs/protocol.md, "Alarms": when the last flow-stopping alarm has ended, ALARM becomes PAUSED
   * (reason=alarm_cleared) and waits for RESUME, as the Uno firmware does.
   */
  private leaveAlarmIfCleared(): void {
    if (this.stateValue === 'ALARM' && !this.alarms.flowStopping()) this.setState('PAUSED', 'alarm_cleared');
  }

  private endBolus(cut: boolean): void {
    const b = this.infusion.bolus;
    if (!b) return;
    this.infusion.bolus = undefined;
    this.emit({ type: 'BOLUS_END', tMs: this.nowMsValue, kind: b.kind, volumeMl: b.volumeMl - Math.max(0, b.remainingMl), cut: cut || b.cut === true });
    this.noteRate();
  }

  // ---------------------------------------------------------------- commands

  /** Execute one command. The command and its reply go into the log; an ERR changes nothing else. */
  execute(command: PumpCommand): Reply {
    this.log.append(this.nowMsValue, 'cmd', formatCommand(command));
    const reply = this.dispatch(command);
    // Thresholds reached at this very instant (e.g. a program shorter than the near-end lead) act now.
    if (reply.ok && command.cmd !== 'TICK') this.processDue();
    this.noteRate();
    this.log.append(this.nowMsValue, 'reply', formatReply('-', reply));
    this.changed();
    return reply;
  }

  /**
   * A command from the network: verified first (signature, counter, expiry), refused and logged
   * otherwise. `clockOffsetMs` is the pump's clock error against the gateway's (clock skew).
   */
  executeRemote(e: RemoteEnvelope, clockOffsetMs = 0): { reply: Reply; verdict: RemoteVerdict } {
    const r = this.remote.run(e, clockOffsetMs, {
      nowMs: this.nowMsValue,
      acceptAll: this.profile().acceptUnauthenticatedCommands,
      program: this.infusion.program,
      emitAll: (events) => this.emitAll(events),
      log: (dir, text) => this.log.append(this.nowMsValue, dir, text),
      execute: (c) => this.execute(c),
    });
    this.changed();
    return r;
  }

  private dispatch(c: PumpCommand): Reply {
    if (this.stateValue === 'OFF' && !ANSWERED_WHEN_OFF.has(c.cmd)) return err('BAD_STATE', 'the pump is powered off');
    const h = this.host;
    switch (c.cmd) {
      case 'PING':
        return ok();
      case 'INFO':
        return infoReply(this, this.firmware, this.libraryUpdates);
      case 'STATUS':
        return ok(statusFields(this.status()));
      case 'TICK':
        if (!Number.isInteger(c.ms) || c.ms < 1 || c.ms > MAX_TICK_MS) return err('OUT_OF_RANGE', `ms must be an integer from 1 to ${MAX_TICK_MS}`);
        this.advanceTo(this.nowMsValue + c.ms);
        return ok({ t: this.nowMsValue });
      case 'AREA': {
        const r = selectArea(this.library, this.infusion.program !== undefined, this.stateValue, c.id);
        if ('area' in r) this.area = r.area;
        return r.reply;
      }
      case 'DRUG':
        return drugReply(this.area, c.idx);
      case 'PROGRAM':
        return programCommand(h, c);
      case 'START':
        return startCommand(h);
      case 'PAUSE':
        return pauseCommand(h);
      case 'RESUME':
        return resumeCommand(h);
      case 'STOP':
        return stopCommand(h);
      case 'TITRATE':
        return titrateCommand(h, c);
      case 'BOLUS':
        return bolusCommand(h, c);
      case 'DEMAND':
        return demandCommand(h);
      case 'ACK': {
        if (c.alarm !== undefined && !isAlarmId(c.alarm)) return err('BAD_ARG', `unknown alarm "${c.alarm}"`);
        if (c.alarm !== undefined && !this.alarms.has(c.alarm)) return err('BAD_STATE', `alarm ${c.alarm} is not active`);
        const r = this.alarms.acknowledge(c.alarm, this.nowMsValue);
        this.emitAll(r.events);
        this.leaveAlarmIfCleared();
        return ok({ n: r.n });
      }
      case 'SILENCE': {
        const r = this.alarms.silence(this.nowMsValue);
        this.emitAll(r.events);
        return ok({ until: r.untilMs });
      }
      case 'INJECT':
        return this.inject(c.input);
      case 'LOG':
        return ok({ n: this.log.length, head: this.log.head.slice(0, 16) });
      case 'CONFIRM': {
        const pending = this.remote.toConfirm(this.nowMsValue);
        if ('reply' in pending) return pending.reply;
        const reply = this.dispatch(pending.command);
        if (reply.ok) this.emitAll(this.remote.confirmed(this.nowMsValue));
        return reply;
      }
      case 'REJECT': {
        const r = this.remote.reject(this.nowMsValue);
        this.emitAll(r.events);
        return r.reply;
      }
    }
  }

  /** Sensor and fault inputs. The world goes on while the pump is off: every input is kept (docs/protocol.md, "Power"). */
  private inject(input: SensorInput): Reply {
    const now = this.nowMsValue;
    switch (input.sensor) {
      case 'occlusion':
        this.perform(this.occlusion.input(input.value, now));
        return ok();
      case 'air': {
        const refused = AirDetector.refusal(input.bubbleMl);
        if (refused) return refused;
        this.perform(this.air.input(input.bubbleMl, now));
        return ok();
      }
      case 'door':
        this.perform(this.door.input(input.value === 'open'));
        return ok();
      case 'container':
        this.perform(this.container.input(input.value));
        return ok();
      case 'mains':
        this.perform(this.battery.mainsInput(input.value === 'on', now));
        if (this.stateValue !== 'OFF') this.processDue();
        return ok();
      case 'battery': {
        const refused = Battery.percentRefusal(input.percent);
        if (refused) return refused;
        this.battery.setPercent(input.percent);
        this.processDue();
        return ok();
      }
      case 'selftest':
        // A failed self-test takes the pump out of service; `pass` only repairs the fault, and the
        // pump comes back at the next power-on self-test (docs/protocol.md, "Out of service").
        if (input.value === 'fail') {
          this.service.fail();
          this.raiseAlarm('SELF_TEST_FAIL');
        } else {
          this.service.repair();
        }
        return ok();
      case 'comm':
        // The infusion goes on when the network is lost (low priority, awareness).
        if (input.value === 'lost') this.raiseAlarm('COMM_LOST');
        else this.clearAlarm('COMM_LOST');
        return ok();
      case 'power':
        return input.value === 'off' ? this.powerOff() : this.powerOn();
    }
  }

  // ---------------------------------------------------------------- power

  private powerOff(): Reply {
    if (this.stateValue === 'OFF' && this.powerLost) return err('BAD_STATE', 'already off');
    this.shutDown('power_off');
    return ok();
  }

  /** The power goes (INJECT power=off, a depleted battery's shutdown): off, and the update agent is told. */
  private shutDown(reason: string): void {
    this.powerLost = true;
    this.goDown(reason);
    if (this.firmware) this.emitUpdates(this.firmware.powerLoss(this.nowMsValue));
  }

  /** Off: a power loss or a reboot. The program is kept (docs/clinical.md#battery-and-power: a power cycle keeps the program). */
  private goDown(reason: string): void {
    if (this.stateValue === 'OFF') return;
    this.endBolus(true);
    this.stateBeforeOff = this.stateValue;
    // Alarms are kept in non-volatile memory: a latching alarm stays until acknowledged, even
    // over a power cycle (IEC 60601-1-8 latching alarm signals).
    this.infusion.nearEndRaised = false;
    this.setState('OFF', reason);
  }

  private powerOn(): Reply {
    if (!this.powerLost) return err('BAD_STATE', 'already on');
    if (this.battery.isDepleted()) return err('BAD_STATE', 'the battery is depleted; connect mains power (INJECT mains=on) first');
    this.powerLost = false;
    // With update slots the bootloader chooses a slot; its boot event brings the pump up (comeUp).
    if (this.firmware) this.emitUpdates(this.firmware.powerOn(this.nowMsValue).events);
    this.comeUp('power_on');
    return ok();
  }

  /** On again (after a power loss or a reboot): the program kept, the infusion waiting for a person. */
  private comeUp(reason: string): void {
    if (this.stateValue !== 'OFF') return;
    // docs/clinical.md#battery-and-power: a power cycle keeps the program; the infusion waits for a person to resume it.
    const before = this.stateBeforeOff;
    const next: PumpState = !this.infusion.program ? 'IDLE' : before === 'PROGRAMMED' ? 'PROGRAMMED' : before === 'COMPLETE' ? 'COMPLETE' : 'PAUSED';
    this.setState(next, reason);
    // The power-on self-test: a pass after a failure is the service action that ends out of service.
    const selfTest = this.service.powerOnSelfTest();
    if (!selfTest.pass) this.raiseAlarm('SELF_TEST_FAIL');
    else if (selfTest.backInService) this.clearAlarm('SELF_TEST_FAIL');
    // The sensors are read again: what is still wrong is announced anew.
    this.perform(this.door.atPowerOn());
    this.perform(this.container.atStart());
  }

  // ---------------------------------------------------------------- updates

  /** The update agents' time-driven steps, and what they mean for the pump. */
  private advanceUpdates(): void {
    const busy = infusing(this.stateValue) || this.stateValue === 'PROGRAMMED';
    if (this.firmware) this.emitUpdates(this.firmware.advance(this.nowMsValue, busy));
    // A library never changes under a program that was checked against the old one.
    if (this.libraryUpdates && this.stateValue !== 'OFF') this.emitUpdates(this.libraryUpdates.activateIfIdle(this.nowMsValue, busy));
  }

  private emitUpdates(events: readonly (FirmwareEvent | LibraryEvent)[]): void {
    if (events.length > 0) this.perform(this.updates.meaning(this.nowMsValue, events, this.service.selfTestWouldFail, () => this.profile()));
  }

  /** A step of the firmware update agent, asked by the network (offer, chunk, end of image, link broken, cancel). */
  private firmwareStep(step: (f: FirmwareUpdater, nowMs: number) => FirmwareEvent[]): void {
    this.changed();
    if (this.firmware) this.emitUpdates(step(this.firmware, this.nowMsValue));
  }

  /** A firmware manifest offered by the update server. */
  firmwareOffer(signed: unknown): void { this.firmwareStep((f, now) => f.offer(now, signed)); }
  firmwareChunk(offsetBytes: number, bytes: Uint8Array): void { this.firmwareStep((f, now) => f.receiveChunk(now, offsetBytes, bytes)); }
  firmwareEndOfImage(): void { this.firmwareStep((f, now) => f.endOfImage(now)); }
  firmwareLinkBroken(): void { this.firmwareStep((f, now) => f.linkBroken(now)); }
  firmwareCancel(): void { this.firmwareStep((f, now) => f.cancel(now)); }

  /** A signed drug library package; queued, activated only when no infusion runs. */
  libraryOffer(signed: unknown): void {
    this.changed();
    if (!this.libraryUpdates) return;
    const p = this.profile();
    this.emitUpdates(this.libraryUpdates.offer(this.nowMsValue, signed, { acceptUnsigned: p.acceptUnsignedLibraries, profile: p.id }));
    this.advanceUpdates();
  }
}
