/**
 * The pump: a pure state machine over virtual time. It takes commands and sensor inputs, moves
 * only when told to (`advanceTo`), and says when it next needs to wake (`nextWakeMs`), so a world
 * can jump from event to event. Delivered volume is closed form between events.
 */
import { AlarmManager } from '../alarms/alarmManager.js';
import { ALARM_TABLE, isAlarmId, type AlarmId } from '../alarms/alarmTable.js';
import { PcaWindow } from '../dosing/pcaWindow.js';
import { findCareArea } from '../druglib/load.js';
import type { CareArea, DrugLibrary } from '../druglib/schema.js';
import { Battery } from '../power/battery.js';
import { err, ok, type PumpCommand, type Reply, type SensorInput } from '../protocol/commands.js';
import { formatCommand, formatReply, parseRequest } from '../protocol/lineCodec.js';
import { RemoteGuard, type RemoteEnvelope, type RemoteGuardOptions, type RemoteVerdict } from '../security/remoteCommand.js';
import { Prng } from '../time/prng.js';
import { EventLog } from '../trace/eventLog.js';
import { fmtNum, formatEvent, type PumpEvent, type PumpState } from '../trace/events.js';
import { Container, loadedVolumeMl } from './container.js';
import { Mechanism } from './mechanism.js';
import { ServiceState } from './service.js';
import type { FirmwareUpdater, UpdaterStatus } from '../firmware/updater.js';
import type { LibraryUpdater, LibraryReport } from '../firmware/libraryUpdate.js';
import type { FirmwareEvent, LibraryEvent } from '../firmware/events.js';
import { PROFILES, selfTestVerdict, type BehaviourProfile } from '../firmware/profiles.js';
import { bolusVolume, buildProgram, checkBolusRate, roundingFields, titrateRate, type Program, type ProgramContext } from './programming.js';
import type { PumpType } from './pumpTypes.js';
import { formatLimitRange, resumeRefusal, startRefusal } from './stateAdvice.js';

const MS_PER_H = 3_600_000;
const EPS_ML = 1e-9;
/** How long a remote command that raises delivery waits for a person's confirmation at the pump. */
export const INTENT_WINDOW_MS = 60_000;
/** The reply to therapy asked of a pump out of service (docs/protocol.md, "Out of service"). */
const OUT_OF_SERVICE_TEXT = 'out of service: a self-test failed; power cycle the pump (its self-test must pass) or replace it';
/** The largest single TICK (24 h), a bound on one command's work. */
export const MAX_TICK_MS = 86_400_000;

export interface PumpOptions {
  type: PumpType;
  seed: number;
  library?: DrugLibrary | undefined;
  areaId?: string | undefined;
  firmwareVersion?: string | undefined;
  serial?: string | undefined;
  /** Initial battery charge (0 to 1). */
  batteryFraction?: number | undefined;
  /** Downstream occlusion limit (mmHg); defaults to the type's. */
  occlusionLimitMmHg?: number | undefined;
  /** Keep at most this many log entries in memory. */
  maxLogEntries?: number | undefined;
  /** Append to this event log (a RESET's fresh pump goes on with the old one's log); default a new one. */
  log?: EventLog | undefined;
  startMs?: number | undefined;
  /** Firmware slots and updates; without it the pump runs `firmwareVersion` on the secure profile. */
  firmware?: FirmwareUpdater | undefined;
  /** Signed drug library updates; its active library replaces `library`. */
  libraryUpdates?: LibraryUpdater | undefined;
  /** Remote commands: the gateway key to trust. Without it every remote command is refused (deny by default). */
  remote?: Omit<RemoteGuardOptions, 'pumpId'> & { pumpId?: string } | undefined;
}

interface ActiveBolus {
  kind: 'bolus' | 'loading' | 'demand';
  volumeMl: number;
  remainingMl: number;
  rateMlPerH: number;
  /** Less than asked from the start (a PCA demand cut at the window limit or the VTBI). */
  cut?: boolean | undefined;
}

export interface PumpStatus {
  tMs: number;
  state: PumpState;
  mode: Program['mode'] | '-';
  drug: string;
  rateMlPerH: number;
  viMl: number;
  vtbiMl: number;
  alarm: AlarmId | '-';
  prio: string;
  batteryPercent: number;
  onMains: boolean;
}

/** Counters the property tests and the harness read; not part of the protocol. */
export interface PumpTelemetry {
  /** Volume counted toward the VTBI (primary, boluses, loading, PCA). */
  primaryMl: number;
  /** Volume after the VTBI (KVO or continue). */
  afterVtbiMl: number;
  /** All commanded motor motion since power-on (mL). */
  motorNominalMl: number;
  /** Physical output of the mechanism for that motion (mL). */
  mechanismOutputMl: number;
  /** Volume held in the line by a downstream occlusion (mL). */
  storedInLineMl: number;
  /** Largest bolus released on clearing an occlusion (mL). */
  largestClearingBolusMl: number;
  pcaWindowMl: number;
  lastDemandStartMs: number;
}

export class Pump {
  readonly type: PumpType;
  readonly log: EventLog;
  private readonly fixedFirmwareVersion: string;
  readonly serial: string;
  private readonly firmware: FirmwareUpdater | undefined;
  private readonly libraryUpdates: LibraryUpdater | undefined;
  /** Extra volume moved by a firmware with a dosing defect (profile rateErrorFactor ≠ 1). */
  private profileExtraMl = 0;
  private nowMsValue: number;
  private stateValue: PumpState = 'IDLE';
  private program: Program | undefined;
  private library: DrugLibrary | undefined;
  private area: CareArea | undefined;
  private readonly alarms = new AlarmManager();
  private readonly battery: Battery;
  private readonly mechanism: Mechanism;
  private readonly occlusionLimitMmHg: number;
  private outbox: PumpEvent[] = [];

  // Infusion counters
  private primaryMl = 0;
  private afterVtbiMl = 0;
  private vtbiDone = false;
  private bolus: ActiveBolus | undefined;
  private loadingPending = false;
  private nearEndRaised = false;
  private pca: PcaWindow | undefined;
  private pcaSuspended = false;
  private lastDemandStartMs = -Infinity;
  private callbackSinceMs: number | undefined;
  private lastRate = 0;

  // Mechanism and sensors
  private motorNominalMl = 0;
  private occludedDown = false;
  private occludedUp = false;
  private storedInLineMl = 0;
  private upstreamMovedMl = 0;
  private largestClearingBolusMl = 0;
  private airEvents: { tMs: number; ml: number }[] = [];
  private doorOpen = false;
  /** What is loaded: the syringe or the bag (docs/protocol.md, "What is loaded"). */
  private readonly container = new Container();
  private readonly service = new ServiceState();
  private commLost = false;
  private stateBeforeOff: PumpState = 'IDLE';
  /** Off because the power went (INJECT power=off), not for a reboot. */
  private powerLost = false;
  private readonly remoteGuard: RemoteGuard | undefined;
  /** Legacy firmware that accepts unauthenticated commands (and asks nobody). */
  private readonly legacyRemote: boolean;
  /** A remote command that raises delivery, waiting for a person's confirmation at the pump. */
  private pendingRemote: { command: PumpCommand; text: string; confirmByMs: number } | undefined;
  /**
   * When the pump's own thresholds next fall due (absolute, unrounded), kept until something acts
   * on the pump: between wakes every quantity moves linearly, so the instant stays right (the PCA
   * window only moves it later, so a kept value wakes early, never late). See `changed()`.
   */
  private ownWakeMs: number | undefined;
  /** Something acted on the pump since its thresholds were last checked (`processDue`). */
  private dueCheckNeeded = true;

  constructor(options: PumpOptions) {
    this.type = options.type;
    this.nowMsValue = options.startMs ?? 0;
    const prng = new Prng(options.seed);
    this.mechanism = new Mechanism(this.type, prng.fork());
    this.battery = new Battery(this.type.battery, options.batteryFraction ?? 1);
    this.occlusionLimitMmHg = options.occlusionLimitMmHg ?? this.type.occlusionLimitMmHg.default;
    const lim = this.type.occlusionLimitMmHg;
    if (!(this.occlusionLimitMmHg >= lim.min && this.occlusionLimitMmHg <= lim.max)) {
      throw new RangeError(`occlusion limit ${this.occlusionLimitMmHg} mmHg is outside ${lim.min} to ${lim.max} mmHg`);
    }
    this.fixedFirmwareVersion = options.firmwareVersion ?? '1.0.0';
    this.firmware = options.firmware;
    this.libraryUpdates = options.libraryUpdates;
    this.serial = options.serial ?? `SIM-${(options.seed >>> 0).toString(16).padStart(8, '0')}`;
    this.log = options.log ?? new EventLog({ maxEntries: options.maxLogEntries });
    this.library = options.libraryUpdates?.activeLibrary() ?? options.library;
    if (options.remote) this.remoteGuard = new RemoteGuard({ ...options.remote, pumpId: options.remote.pumpId ?? this.serial });
    this.legacyRemote = options.remote?.acceptUnauthenticated === true;
    if (this.library) this.area = options.areaId ? findCareArea(this.library, options.areaId) : this.library.careAreas[0];
  }

  // ---------------------------------------------------------------- reading

  get nowMs(): number {
    return this.nowMsValue;
  }

  /** The version running (the committed slot's while rebooting). */
  get firmwareVersion(): string {
    return this.firmware?.runningVersion() ?? this.fixedFirmwareVersion;
  }

  /** The behaviour profile of the running firmware (docs/firmware.md). */
  profile(): BehaviourProfile {
    return this.firmware?.runningProfile() ?? PROFILES.secure;
  }

  firmwareStatus(): UpdaterStatus | undefined {
    return this.firmware?.status();
  }

  libraryReport(): LibraryReport | undefined {
    return this.libraryUpdates?.report();
  }

  get libraryLabel(): string {
    return this.library ? `${this.library.name.replace(/\s+/g, '_')}@${this.library.version}` : '-';
  }

  get state(): PumpState {
    return this.stateValue;
  }

  get currentProgram(): Readonly<Program> | undefined {
    return this.program;
  }

  get activeAlarms(): AlarmManager['list'] extends () => infer R ? R : never {
    return this.alarms.list();
  }

  get audioPriority(): string {
    return this.alarms.audio(this.nowMsValue);
  }

  get careArea(): CareArea | undefined {
    return this.area;
  }

  get mechanismSystematicFraction(): number {
    return this.mechanism.systematicFraction;
  }

  mechanismToleranceMl(nominalMl: number): number {
    return this.mechanism.toleranceMl(nominalMl);
  }

  /**
   * How long from now until an occlusion alarm at the present rate, given the occlusion present
   * (compliance model); Infinity when nothing is occluded or nothing flows.
   */
  occlusionAlarmDueInMs(): number {
    const rate = this.currentRateMlPerH();
    if (rate <= 0) return Infinity;
    let ml = Infinity;
    if (this.occludedDown) ml = Math.min(ml, Math.max(0, this.occlusionThresholdMl() - this.storedInLineMl));
    if (this.occludedUp) ml = Math.min(ml, Math.max(0, this.type.upstreamDetectMl - this.upstreamMovedMl));
    return (ml * MS_PER_H) / rate;
  }

  /** Physical output of the mechanism after `nominalMl` of motion (for the trumpet curve). */
  mechanismOutputFor(nominalMl: number): number {
    return this.mechanism.outputMl(nominalMl);
  }

  telemetry(): PumpTelemetry {
    return {
      primaryMl: this.primaryMl,
      afterVtbiMl: this.afterVtbiMl,
      motorNominalMl: this.motorNominalMl,
      mechanismOutputMl: this.mechanism.outputMl(this.motorNominalMl) + this.profileExtraMl,
      storedInLineMl: this.storedInLineMl,
      largestClearingBolusMl: this.largestClearingBolusMl,
      pcaWindowMl: this.pca ? this.pca.totalMl(this.nowMsValue) : 0,
      lastDemandStartMs: this.lastDemandStartMs,
    };
  }

  /** The rate the motor runs at now (mL/h). */
  currentRateMlPerH(): number {
    const p = this.program;
    if (!p) return 0;
    if (this.stateValue === 'KVO') return this.kvoRate(p);
    if (this.stateValue !== 'RUNNING') return 0;
    if (this.bolus) return this.bolus.rateMlPerH;
    if (p.pca && this.pcaSuspended) return 0;
    return p.rateMlPerH;
  }

  status(): PumpStatus {
    const top = this.alarms.top();
    const p = this.program;
    return {
      tMs: this.nowMsValue,
      state: this.stateValue,
      mode: p ? p.mode : '-',
      drug: p?.drug ? p.drug.entry.id : '-',
      rateMlPerH: this.currentRateMlPerH(),
      viMl: this.primaryMl + this.afterVtbiMl,
      vtbiMl: p ? p.vtbiMl : 0,
      alarm: top ? top.id : '-',
      prio: top ? top.priority : '-',
      batteryPercent: this.battery.percent,
      onMains: this.battery.onMains,
    };
  }

  /** Take the events produced since the last call (effects as data: the caller acts on them). */
  takeEvents(): PumpEvent[] {
    const out = this.outbox;
    this.outbox = [];
    return out;
  }

  // ---------------------------------------------------------------- time

  /** The next instant (ms) at which the pump changes on its own; Infinity if never. */
  nextWakeMs(): number {
    const now = this.nowMsValue;
    const updateWake = Math.min(this.firmware?.nextWakeMs() ?? Infinity, this.libraryUpdates?.nextWakeMs() ?? Infinity);
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
    let next = this.alarms.nextWakeMs(now);
    const rate = this.currentRateMlPerH();
    const p = this.program;
    const at = (ml: number, r: number): number => (r > 0 ? now + (ml * MS_PER_H) / r : Infinity);

    if (p && this.stateValue === 'RUNNING' && rate > 0 && !this.vtbiDone) {
      next = Math.min(next, at(p.vtbiMl - this.primaryMl, rate));
      if (this.bolus) next = Math.min(next, at(this.bolus.remainingMl, rate));
      if (!this.nearEndRaised && !this.bolus) {
        const leadMl = (p.rateMlPerH * this.type.nearEndLeadMs) / MS_PER_H;
        next = Math.min(next, at(p.vtbiMl - this.primaryMl - leadMl, rate));
      }
      // Only delivery that counts toward the PCA window (basal, demand) can reach its limit.
      const countsForPca = !this.pcaSuspended && (!this.bolus || this.bolus.kind === 'demand');
      if (p.pca && this.pca && countsForPca) next = Math.min(next, at(p.pca.limitMl - this.pcaMarginMl(rate) - this.pca.totalMl(now), rate));
    }
    if (p?.pca && this.pca && this.pcaSuspended && this.stateValue === 'RUNNING') {
      next = Math.min(next, this.pca.msWhenTotalFallsTo(now, this.pcaResumeBelowMl(p)));
    }
    if (rate > 0 && this.container.volumeMl < Infinity) {
      const left = this.container.remainingMl;
      next = Math.min(next, at(left, rate));
      if (!this.container.nearEmptyRaised) next = Math.min(next, at(left - (rate * this.type.nearEmptyLeadMs) / MS_PER_H, rate));
    }
    if (rate > 0 && this.occludedDown) next = Math.min(next, at(this.occlusionThresholdMl() - this.storedInLineMl, rate));
    if (rate > 0 && this.occludedUp) next = Math.min(next, at(this.type.upstreamDetectMl - this.upstreamMovedMl, rate));
    next = Math.min(next, now + this.battery.msUntilLow(rate), now + this.battery.msUntilDepleted(rate), this.battery.shutdownAtMs());
    if (this.callbackSinceMs !== undefined && !this.alarms.has('CALLBACK')) next = Math.min(next, this.callbackSinceMs + this.type.callbackAfterMs);
    return next;
  }

  /** Move virtual time to `targetMs`, acting on everything due on the way. */
  advanceTo(targetMs: number): void {
    if (targetMs < this.nowMsValue) throw new RangeError(`pump time cannot go back: now ${this.nowMsValue} ms, asked ${targetMs} ms`);
    // Bounded: each wake acts on at least one due thing or moves time forward by >= 1 ms.
    for (let guard = 0; guard < 1_000_000; guard++) {
      const wake = this.nextWakeMs();
      if (wake > targetMs) break;
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

  private occlusionThresholdMl(): number {
    const kPa = (this.occlusionLimitMmHg - this.type.baseLinePressureMmHg) * 0.133322;
    // An alarm defect of the running firmware lets more volume build up before it sounds.
    return Math.max(0, kPa * this.type.complianceMlPerKPa) * this.profile().occlusionAlarmDelayFactor;
  }

  private kvoRate(p: Program): number {
    // KVO is never above the programmed rate (docs/clinical.md#kvo-and-end-of-infusion).
    return Math.min(p.kvoSetMlPerH, p.rateMlPerH);
  }

  /**
   * The PCA limit counts as reached within one millisecond of delivery at this rate: old volume
   * leaves the window as new comes in, so the total can hover just under the limit forever.
   */
  private pcaMarginMl(rateMlPerH: number): number {
    return Math.max(1e-6, (rateMlPerH * 2) / MS_PER_H);
  }

  private pcaResumeBelowMl(p: Program): number {
    // Resume basal once the window has room for 15 min of it (or one demand dose).
    const pca = p.pca;
    if (!pca) return 0;
    return Math.max(0, pca.limitMl - Math.max((p.rateMlPerH * 15) / 60, 0.01));
  }

  /** Continuous quantities from now to t at the present rate; no event lies strictly inside. */
  private integrateTo(t: number): void {
    const dtMs = t - this.nowMsValue;
    if (dtMs <= 0) return;
    const rate = this.currentRateMlPerH();
    // Switched off, the pump draws nothing (it still charges on mains).
    if (this.stateValue !== 'OFF' || this.battery.onMains) this.battery.advance(dtMs, rate);
    let dv = (rate * dtMs) / MS_PER_H;
    const p = this.program;
    if (dv > 0 && p) {
      // Never more than is loaded.
      dv = Math.min(dv, this.container.remainingMl);
      if (this.stateValue === 'RUNNING' && !this.vtbiDone) {
        dv = Math.min(dv, Math.max(0, p.vtbiMl - this.primaryMl));
        if (this.bolus) dv = Math.min(dv, this.bolus.remainingMl);
        const countsForPca = p.pca && this.pca && (!this.bolus || this.bolus.kind === 'demand');
        if (countsForPca && this.pca && p.pca) dv = Math.min(dv, Math.max(0, p.pca.limitMl - this.pca.totalMl(this.nowMsValue)));
        this.primaryMl += dv;
        if (this.bolus) this.bolus.remainingMl -= dv;
        if (countsForPca && this.pca) this.pca.add(this.nowMsValue, t, dv);
      } else {
        this.afterVtbiMl += dv;
      }
      this.motorNominalMl += dv;
      this.container.usedMl += dv;
      // A dosing defect of the running firmware moves more (or less) than it counts.
      const factor = this.profile().rateErrorFactor;
      if (factor !== 1) this.profileExtraMl += dv * (factor - 1);
      if (this.occludedDown) this.storedInLineMl += dv;
      if (this.occludedUp) this.upstreamMovedMl += dv;
    }
    this.nowMsValue = t;
  }

  private emit(e: PumpEvent): void {
    this.outbox.push(e);
    this.log.append(e.tMs, 'event', formatEvent(e));
  }

  private emitAll(events: PumpEvent[]): void {
    for (const e of events) this.emit(e);
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
    const ev: PumpEvent[] = [];
    this.alarms.raise(id, this.nowMsValue, ev);
    this.emitAll(ev);
    if (ALARM_TABLE[id].stopsFlow) this.stopFlowForAlarm(id);
  }

  private clearAlarm(id: AlarmId): void {
    if (!this.alarms.has(id)) return;
    const ev: PumpEvent[] = [];
    this.alarms.clearCause(id, this.nowMsValue, ev);
    this.emitAll(ev);
    this.leaveAlarmIfCleared();
  }

  /**
   * docs/protocol.md, "Alarms": when the last flow-stopping alarm has ended, ALARM becomes PAUSED
   * (reason=alarm_cleared) and waits for RESUME, as the Uno firmware does.
   */
  private leaveAlarmIfCleared(): void {
    if (this.stateValue === 'ALARM' && !this.alarms.flowStopping()) this.setState('PAUSED', 'alarm_cleared');
  }

  private stopFlowForAlarm(id: AlarmId): void {
    if (this.stateValue !== 'RUNNING' && this.stateValue !== 'KVO') return;
    this.endBolus(true);
    this.setState('ALARM', id);
  }

  private endBolus(cut: boolean): void {
    const b = this.bolus;
    if (!b) return;
    this.bolus = undefined;
    this.emit({ type: 'BOLUS_END', tMs: this.nowMsValue, kind: b.kind, volumeMl: b.volumeMl - Math.max(0, b.remainingMl), cut: cut || b.cut === true });
    this.noteRate();
  }

  /** Act on every threshold reached at the present instant. */
  private processDue(): void {
    const now = this.nowMsValue;
    const alarmEvents: PumpEvent[] = [];
    this.alarms.advance(now, alarmEvents);
    this.emitAll(alarmEvents);
    this.advanceUpdates();
    if (this.stateValue === 'OFF') return;
    const p = this.program;
    const rate = this.currentRateMlPerH();

    // Occlusion thresholds (pressure from the compliance model, upstream by volume tried).
    if (this.occludedDown && this.storedInLineMl >= this.occlusionThresholdMl() - EPS_ML && !this.alarms.has('OCCLUSION_DOWN')) {
      this.raiseAlarm('OCCLUSION_DOWN');
      // The mechanism backs off to relieve the line: bounds the bolus on clearing.
      this.storedInLineMl = Math.max(0, this.storedInLineMl - this.type.occlusionBackOffMl);
    }
    if (this.occludedUp && this.upstreamMovedMl >= this.type.upstreamDetectMl - EPS_ML && !this.alarms.has('OCCLUSION_UP')) {
      this.raiseAlarm('OCCLUSION_UP');
    }

    // Battery.
    if (this.battery.isDepleted()) {
      if (!this.alarms.has('BATTERY_DEPLETED')) this.raiseAlarm('BATTERY_DEPLETED');
      this.battery.depletedSinceMs ??= now;
      // After the depleted-battery period the pump shuts down; the program is kept (docs/protocol.md, "Power").
      if (now >= this.battery.shutdownAtMs()) {
        this.powerLost = true;
        this.goDown('battery_depleted');
        if (this.firmware) this.emitUpdates(this.firmware.powerLoss(now));
        return;
      }
    } else {
      this.battery.depletedSinceMs = undefined;
    }
    if (this.battery.isLow(rate) && !this.alarms.has('LOW_BATTERY')) this.raiseAlarm('LOW_BATTERY');

    // Callback.
    if (this.callbackSinceMs !== undefined && now >= this.callbackSinceMs + this.type.callbackAfterMs && !this.alarms.has('CALLBACK')) {
      this.raiseAlarm('CALLBACK');
    }

    if (p && this.stateValue === 'RUNNING') this.processRunning(p, now, rate);
    this.checkContainer();
  }

  /** The syringe or container: near empty (pre-alarm), then empty (stops flow). */
  private checkContainer(): void {
    const c = this.container;
    const rate = this.currentRateMlPerH();
    if (c.volumeMl === Infinity || rate <= 0) return;
    if (c.countedEmpty) {
      this.clearAlarm('NEAR_EMPTY');
      this.raiseAlarm('CONTAINER_EMPTY');
    } else if (!c.nearEmptyRaised && c.remainingMl <= (rate * this.type.nearEmptyLeadMs) / MS_PER_H + EPS_ML) {
      c.nearEmptyRaised = true;
      this.raiseAlarm('NEAR_EMPTY');
    }
  }

  /** What is due while RUNNING: bolus end, PCA window, loading dose, near end, VTBI complete. */
  private processRunning(p: Program, now: number, rate: number): void {
    // Bolus finished.
    if (this.bolus && this.bolus.remainingMl <= EPS_ML) this.endBolus(false);
    // PCA window limit: cut the dose in progress and hold the basal (docs/clinical.md#pca: a dose in progress is cut at the limit).
    if (p.pca && this.pca) {
      const total = this.pca.totalMl(now);
      if (!this.pcaSuspended && total >= p.pca.limitMl - this.pcaMarginMl(rate)) {
        if (this.bolus?.kind === 'demand') this.endBolus(true);
        this.pcaSuspended = true;
        this.noteRate();
      } else if (this.pcaSuspended && total <= this.pcaResumeBelowMl(p) + 1e-6) {
        this.pcaSuspended = false;
        this.noteRate();
      }
    }
    // Loading dose done: the continuous infusion follows.
    if (!this.bolus && this.loadingPending) this.loadingPending = false;
    // Near end.
    if (!this.vtbiDone && !this.nearEndRaised && !this.bolus) {
      const leadMl = (p.rateMlPerH * this.type.nearEndLeadMs) / MS_PER_H;
      if (p.vtbiMl - this.primaryMl <= leadMl + EPS_ML) {
        this.nearEndRaised = true;
        this.raiseAlarm('NEAR_END');
      }
    }
    // VTBI complete.
    if (!this.vtbiDone && this.primaryMl >= p.vtbiMl - EPS_ML) {
      this.primaryMl = Math.min(this.primaryMl, p.vtbiMl);
      this.vtbiDone = true;
      this.endBolus(this.bolus !== undefined);
      this.primaryMl = p.vtbiMl;
      this.emit({ type: 'VTBI_DONE', tMs: now, viMl: this.primaryMl });
      this.raiseAlarm('VTBI_COMPLETE');
      this.clearAlarm('NEAR_END');
      if (p.endAction === 'kvo') this.setState('KVO', 'vtbi_done');
      else if (p.endAction === 'stop') this.setState('COMPLETE', 'vtbi_done');
      this.noteRate();
    }
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
    const r = this.verifyAndRunRemote(e, clockOffsetMs);
    this.changed();
    return r;
  }

  private verifyAndRunRemote(e: RemoteEnvelope, clockOffsetMs: number): { reply: Reply; verdict: RemoteVerdict } {
    // A firmware profile with the advisories' weakness runs anything (CVE-2020-12040 class).
    const verdict: RemoteVerdict = this.profile().acceptUnauthenticatedCommands
      ? 'accepted'
      : this.remoteGuard
        ? this.remoteGuard.check(e, this.nowMsValue + clockOffsetMs)
        : e.signature
          ? 'bad-signature'
          : 'unsigned';
    if (verdict !== 'accepted') {
      this.emit({ type: 'REMOTE_REFUSED', tMs: this.nowMsValue, verdict, counter: e.counter, command: e.command.slice(0, 80) });
      return { reply: err('UNAUTHORIZED', `remote command refused: ${verdict}`), verdict };
    }
    const parsed = parseRequest(`r ${e.command}`);
    if ('error' in parsed) {
      this.log.append(this.nowMsValue, 'cmd', `remote ? ${e.command.slice(0, 80)}`);
      this.log.append(this.nowMsValue, 'reply', formatReply('-', parsed.error));
      return { reply: parsed.error, verdict };
    }
    const c = parsed.command;
    if (c.cmd === 'TICK' || c.cmd === 'INJECT' || c.cmd === 'CONFIRM' || c.cmd === 'REJECT') {
      return { reply: err('NOT_SUPPORTED', `${c.cmd} is not a remote command`), verdict };
    }
    if (this.needsIntent(c)) {
      // FDA premarket cybersecurity guidance (2023): a local signal of intent before a remote
      // command that could harm. It waits for CONFIRM at the pump, at most a minute and never
      // past its own expiry.
      this.log.append(this.nowMsValue, 'cmd', `remote ${formatCommand(c)}`);
      if (this.pendingRemote) this.emit({ type: 'REMOTE_DISCARDED', tMs: this.nowMsValue, command: this.pendingRemote.text, reason: 'replaced' });
      const confirmByMs = Math.min(this.nowMsValue + INTENT_WINDOW_MS, e.expiresMs - clockOffsetMs);
      this.pendingRemote = { command: c, text: formatCommand(c), confirmByMs };
      this.emit({ type: 'REMOTE_PENDING', tMs: this.nowMsValue, command: formatCommand(c), confirmByMs });
      const reply = ok({ pending: 1, until: Math.round(confirmByMs) });
      this.log.append(this.nowMsValue, 'reply', formatReply('-', reply));
      return { reply, verdict };
    }
    return { reply: this.execute(c), verdict };
  }

  /** Does this remote command raise delivery (start, resume, bolus, a higher rate or dose)? */
  private needsIntent(c: PumpCommand): boolean {
    if (this.legacyRemote || this.profile().acceptUnauthenticatedCommands) return false;
    switch (c.cmd) {
      case 'START':
      case 'RESUME':
      case 'BOLUS':
        return true;
      case 'TITRATE': {
        const p = this.program;
        if (!p) return false;
        if (c.rateMlPerH !== undefined) return c.rateMlPerH > p.rateMlPerH;
        if (c.dose !== undefined && p.drug) return c.dose > p.drug.dose;
        return false;
      }
      default:
        return false;
    }
  }

  /** CONFIRM at the pump: run the waiting remote command if it is still in time. */
  private confirmRemote(): Reply {
    const pending = this.pendingRemote;
    if (!pending) return err('BAD_STATE', 'no remote command is waiting for confirmation');
    // An ERR changes nothing: an expired or refused command stays until REJECT or a new one replaces it.
    if (this.nowMsValue > pending.confirmByMs) return err('BAD_STATE', `the remote ${pending.text} expired at t=${Math.round(pending.confirmByMs)}; REJECT it`);
    const reply = this.dispatch(pending.command);
    if (reply.ok) {
      this.pendingRemote = undefined;
      this.emit({ type: 'REMOTE_CONFIRMED', tMs: this.nowMsValue, command: pending.text });
    }
    return reply;
  }

  private ctx(): ProgramContext {
    return { type: this.type, area: this.area, nowMs: this.nowMsValue };
  }

  private infusing(): boolean {
    return this.stateValue === 'RUNNING' || this.stateValue === 'PAUSED' || this.stateValue === 'ALARM' || this.stateValue === 'KVO';
  }

  private dispatch(c: PumpCommand): Reply {
    if (this.stateValue === 'OFF' && !['PING', 'INFO', 'STATUS', 'TICK', 'INJECT', 'LOG'].includes(c.cmd)) {
      return err('BAD_STATE', 'the pump is powered off');
    }
    switch (c.cmd) {
      case 'PING':
        return ok();
      case 'INFO':
        return ok({
          model: this.type.id,
          fw: this.firmwareVersion,
          clock: 'virtual',
          serial: this.serial,
          lib: this.libraryLabel,
          area: this.area ? this.area.id : '-',
          ...(this.firmware ? { profile: this.profile().id, fwstage: this.firmware.stage } : {}),
          ...(this.libraryUpdates ? { libq: this.libraryUpdates.report().queued ?? '-' } : {}),
        });
      case 'STATUS':
        return ok(statusFields(this.status()));
      case 'TICK': {
        if (!Number.isInteger(c.ms) || c.ms < 1 || c.ms > MAX_TICK_MS) return err('OUT_OF_RANGE', `ms must be an integer from 1 to ${MAX_TICK_MS}`);
        this.advanceTo(this.nowMsValue + c.ms);
        return ok({ t: this.nowMsValue });
      }
      case 'AREA': {
        if (!this.library) return err('NO_DRUG', 'no drug library is loaded');
        // A program was checked against its area's limits: the area changes only with no program entered.
        if (this.program) return err('BAD_STATE', `the care area changes only with no program entered (${this.stateValue}); STOP first`);
        const area = findCareArea(this.library, c.id);
        if (!area) return err('NO_DRUG', `care area "${c.id}" is not in the library (${this.library.careAreas.map((a) => a.id).join(', ')})`);
        this.area = area;
        return ok({ area: area.id, drugs: area.drugs.length });
      }
      case 'DRUG': {
        if (!this.area) return err('NO_DRUG', 'no care area selected');
        const d = this.area.drugs[c.idx];
        if (!d) return err('OUT_OF_RANGE', `idx must be 0 to ${this.area.drugs.length - 1}`);
        const l = d.limits.doseRate;
        return ok({
          idx: c.idx,
          id: d.id,
          unit: d.doseUnit,
          conc: `${fmtNum(d.concentration.amount)}${d.concentration.unit}/${fmtNum(d.concentration.volumeMl)}mL`,
          soft: formatLimitRange(l.lowerSoft, l.upperSoft),
          hard: formatLimitRange(l.lowerHard, l.upperHard),
        });
      }
      case 'PROGRAM':
        return this.cmdProgram(c);
      case 'START':
        return this.cmdStart();
      case 'PAUSE':
        if (this.stateValue !== 'RUNNING' && this.stateValue !== 'KVO') return err('BAD_STATE', `cannot pause in ${this.stateValue}`);
        this.endBolus(true);
        this.setState('PAUSED', 'pause');
        return ok();
      case 'RESUME': {
        if (this.stateValue !== 'PAUSED' && this.stateValue !== 'ALARM') return err('BAD_STATE', resumeRefusal(this.stateValue));
        const stopping = this.alarms.flowStopping();
        if (stopping) return err('ALARM_ACTIVE', stopping.id === 'SELF_TEST_FAIL' ? OUT_OF_SERVICE_TEXT : `${stopping.id} is active; clear its cause and acknowledge it first`);
        if (this.service.outOfService) return err('ALARM_ACTIVE', OUT_OF_SERVICE_TEXT);
        if (this.firmware?.blocksInfusion()) return err('BAD_STATE', `a firmware update is ${this.firmware.stage}; the infusion waits for it`);
        this.resumeFlow('resume');
        return ok();
      }
      case 'STOP': {
        if (!this.program) return err('BAD_STATE', 'no program to stop');
        const vi = this.primaryMl + this.afterVtbiMl;
        this.endBolus(true);
        this.program = undefined;
        // The volume counter goes with the program (docs/protocol.md, STOP): IDLE shows vi=0.
        this.primaryMl = 0;
        this.afterVtbiMl = 0;
        this.clearAlarm('NEAR_END');
        this.clearAlarm('NEAR_EMPTY');
        this.clearAlarm('VTBI_COMPLETE');
        this.setState('IDLE', 'stop');
        return ok({ vi: fmtNum(vi) });
      }
      case 'TITRATE':
        return this.cmdTitrate(c);
      case 'BOLUS':
        return this.cmdBolus(c);
      case 'DEMAND':
        return this.cmdDemand();
      case 'ACK': {
        let id: AlarmId | undefined;
        if (c.alarm !== undefined) {
          if (!isAlarmId(c.alarm)) return err('BAD_ARG', `unknown alarm "${c.alarm}"`);
          if (!this.alarms.has(c.alarm)) return err('BAD_STATE', `alarm ${c.alarm} is not active`);
          id = c.alarm;
        }
        const ev: PumpEvent[] = [];
        const n = this.alarms.acknowledge(id, this.nowMsValue, ev);
        this.emitAll(ev);
        this.leaveAlarmIfCleared();
        return ok({ n });
      }
      case 'SILENCE': {
        const ev: PumpEvent[] = [];
        const until = this.alarms.silence(this.nowMsValue, ev);
        this.emitAll(ev);
        return ok({ until });
      }
      case 'INJECT':
        return this.inject(c.input);
      case 'LOG':
        return ok({ n: this.log.length, head: this.log.head.slice(0, 16) });
      case 'CONFIRM':
        return this.confirmRemote();
      case 'REJECT': {
        const pending = this.pendingRemote;
        if (!pending) return err('BAD_STATE', 'no remote command is waiting for confirmation');
        this.pendingRemote = undefined;
        this.emit({ type: 'REMOTE_DISCARDED', tMs: this.nowMsValue, command: pending.text, reason: 'rejected' });
        return ok();
      }
    }
  }

  private resumeFlow(reason: string): void {
    if (this.container.empty) {
      this.raiseAlarm('CONTAINER_EMPTY');
      return;
    }
    this.setState(this.vtbiDone && this.program?.endAction === 'kvo' ? 'KVO' : this.vtbiDone && this.program?.endAction === 'stop' ? 'COMPLETE' : 'RUNNING', reason);
  }

  private cmdProgram(c: Extract<PumpCommand, { cmd: 'PROGRAM' }>): Reply {
    if (this.infusing()) return err('BAD_STATE', `an infusion is ${this.stateValue}; STOP it before a new program`);
    const built = buildProgram(this.ctx(), c);
    if (!built.ok) return built.reply;
    const loaded = loadedVolumeMl(this.type, c);
    if (!loaded.ok) return loaded.reply;
    this.emitAll(built.events);
    const p = built.value;
    // A program loads a full container (docs/protocol.md, "What is loaded").
    this.container.load(loaded.volumeMl);
    this.clearAlarm('NEAR_EMPTY');
    if (!this.container.empty) this.clearAlarm('CONTAINER_EMPTY');
    this.program = p;
    this.primaryMl = 0;
    this.afterVtbiMl = 0;
    this.vtbiDone = false;
    this.nearEndRaised = false;
    this.bolus = undefined;
    this.loadingPending = p.loading !== undefined;
    this.pca = p.pca ? new PcaWindow(p.pca.windowMs) : undefined;
    this.pcaSuspended = false;
    this.lastDemandStartMs = -Infinity;
    this.clearAlarm('VTBI_COMPLETE');
    this.stateValue = 'IDLE';
    this.setState('PROGRAMMED', 'program');
    return ok({ rate: fmtNum(p.rateMlPerH), vtbi: fmtNum(p.vtbiMl), mode: p.mode, ...roundingFields(p.rateMlPerH, p.exactMlPerH, p.drug) });
  }

  private cmdStart(): Reply {
    if (this.stateValue !== 'PROGRAMMED' || !this.program) return err('BAD_STATE', startRefusal(this.stateValue, this.program !== undefined));
    const stopping = this.alarms.flowStopping();
    if (stopping) return err('ALARM_ACTIVE', `${stopping.id} is active`);
    if (this.service.outOfService) return err('ALARM_ACTIVE', OUT_OF_SERVICE_TEXT);
    if (this.firmware?.blocksInfusion()) return err('BAD_STATE', `a firmware update is ${this.firmware.stage}; the infusion waits for it`);
    const p = this.program;
    if (p.loading && this.loadingPending) {
      this.bolus = { kind: 'loading', volumeMl: p.loading.volumeMl, remainingMl: p.loading.volumeMl, rateMlPerH: p.loading.rateMlPerH };
    }
    this.setState('RUNNING', 'start');
    this.afterStartChecks();
    return ok();
  }

  /** Conditions present when flow starts raise their alarms at once. */
  private afterStartChecks(): void {
    if (this.container.empty) this.raiseAlarm('CONTAINER_EMPTY');
  }

  private cmdTitrate(c: Extract<PumpCommand, { cmd: 'TITRATE' }>): Reply {
    const p = this.program;
    if (!p || !['PROGRAMMED', 'RUNNING', 'PAUSED', 'ALARM'].includes(this.stateValue)) return err('BAD_STATE', 'no infusion to titrate');
    if (this.vtbiDone) return err('BAD_STATE', 'the VTBI is complete');
    const events: PumpEvent[] = [];
    const r = titrateRate(this.ctx(), p, c, events);
    if (!r.ok) return r.reply;
    const { rateMlPerH: rate, drug } = r.value;
    this.emitAll(events);
    p.rateMlPerH = rate;
    p.exactMlPerH = r.value.exactMlPerH;
    p.drug = drug;
    // Near end is re-judged at the new rate.
    if (this.nearEndRaised) {
      this.nearEndRaised = false;
      this.clearAlarm('NEAR_END');
    }
    return ok({ rate: fmtNum(rate), ...roundingFields(rate, r.value.exactMlPerH, drug) });
  }

  private cmdBolus(c: Extract<PumpCommand, { cmd: 'BOLUS' }>): Reply {
    const p = this.program;
    if (!p || this.stateValue !== 'RUNNING' || this.vtbiDone) return err('BAD_STATE', 'a bolus needs a running infusion');
    if (this.bolus) return err('BAD_STATE', `a ${this.bolus.kind} is in progress`);
    const rate = c.rateMlPerH ?? this.type.defaultBolusRateMlPerH;
    const badRate = checkBolusRate(this.type, rate);
    if (badRate) return badRate;
    const events: PumpEvent[] = [];
    const vol = bolusVolume(this.ctx(), p.drug, c.volumeMl, c.dose, c.override === true, events);
    if (!vol.ok) return vol.reply;
    this.emitAll(events);
    this.bolus = { kind: 'bolus', volumeMl: vol.value, remainingMl: vol.value, rateMlPerH: rate };
    return ok({ volume: fmtNum(vol.value), rate: fmtNum(rate) });
  }

  private cmdDemand(): Reply {
    const p = this.program;
    if (!p?.pca || !this.pca) return err('BAD_STATE', 'not a PCA program');
    if (this.stateValue !== 'RUNNING' || this.vtbiDone) return err('BAD_STATE', 'PCA demand needs a running infusion');
    const now = this.nowMsValue;
    // Every press is logged, granted or not.
    if (now - this.lastDemandStartMs < p.pca.lockoutMs) {
      this.emit({ type: 'DENIED', tMs: now, reason: 'LOCKOUT' });
      return err('LOCKOUT', `lockout until t=${this.lastDemandStartMs + p.pca.lockoutMs}`);
    }
    if (this.pcaSuspended || this.pca.totalMl(now) >= p.pca.limitMl - this.pcaMarginMl(this.currentRateMlPerH())) {
      this.emit({ type: 'DENIED', tMs: now, reason: 'PCA_LIMIT' });
      return err('PCA_LIMIT', `the ${fmtNum(p.pca.windowMs / MS_PER_H)} h limit of ${fmtNum(p.pca.limitMl)} mL is reached`);
    }
    if (this.bolus) return err('BAD_STATE', `a ${this.bolus.kind} is in progress`);
    // A dose that would pass the window limit (or the VTBI) is cut now, and the reply says so:
    // it delivers what is left of the limit (docs/clinical.md, "Bolus and PCA limits").
    const rate = this.type.defaultBolusRateMlPerH;
    const roomMl = Math.min(p.pca.limitMl - this.pca.totalMl(now) - this.pcaMarginMl(rate), p.vtbiMl - this.primaryMl);
    const volumeMl = Math.min(p.pca.demandMl, roomMl);
    if (!(volumeMl > 1e-6)) {
      this.emit({ type: 'DENIED', tMs: now, reason: 'PCA_LIMIT' });
      return err('PCA_LIMIT', `the ${fmtNum(p.pca.windowMs / MS_PER_H)} h limit of ${fmtNum(p.pca.limitMl)} mL is reached`);
    }
    const cut = volumeMl < p.pca.demandMl - 1e-9;
    this.lastDemandStartMs = now;
    this.bolus = { kind: 'demand', volumeMl, remainingMl: volumeMl, rateMlPerH: rate, cut };
    return ok(cut ? { volume: fmtNum(volumeMl), cut: 1 } : { volume: fmtNum(volumeMl) });
  }

  private inject(input: SensorInput): Reply {
    // The world goes on while the pump is off: every input is kept (a door opened then is open at
    // power-on, and its alarm stops RESUME; docs/protocol.md, "Power").
    switch (input.sensor) {
      case 'occlusion':
        if (input.value === 'down') this.occludedDown = true;
        else if (input.value === 'up') this.occludedUp = true;
        else {
          if (this.occludedDown || this.storedInLineMl > 0) {
            // The pressure in the line is released into the patient.
            // docs/clinical.md#occlusion: at most 0.5 mL is released on clearing (the back-off relieves the rest).
            const bolus = Math.min(this.storedInLineMl, this.type.maxClearingBolusMl);
            this.largestClearingBolusMl = Math.max(this.largestClearingBolusMl, bolus);
            this.emit({ type: 'CLEAR_BOLUS', tMs: this.nowMsValue, volumeMl: bolus });
          }
          this.occludedDown = false;
          this.occludedUp = false;
          this.storedInLineMl = 0;
          this.upstreamMovedMl = 0;
          this.clearAlarm('OCCLUSION_DOWN');
          this.clearAlarm('OCCLUSION_UP');
        }
        return ok();
      case 'air': {
        if (!(input.bubbleMl > 0 && input.bubbleMl <= 10)) return err('OUT_OF_RANGE', 'air bubble must be above 0 and at most 10 mL');
        const now = this.nowMsValue;
        this.airEvents = this.airEvents.filter((a) => a.tMs > now - this.type.accumulatedAirWindowMs);
        this.airEvents.push({ tMs: now, ml: input.bubbleMl });
        if (this.airEvents.length > 1000) this.airEvents.shift();
        const total = this.airEvents.reduce((s, a) => s + a.ml, 0);
        // Single bubble above the detector's threshold, or accumulated air over 1 mL in 15 min (docs/clinical.md#air-in-line).
        if (input.bubbleMl >= this.type.singleBubbleAlarmMl || total > this.type.accumulatedAirAlarmMl) {
          this.raiseAlarm('AIR_IN_LINE');
          this.clearAlarm('AIR_IN_LINE');
          this.airEvents = [];
        }
        return ok();
      }
      case 'door':
        this.doorOpen = input.value === 'open';
        if (this.doorOpen) this.raiseAlarm('DOOR_OPEN');
        else this.clearAlarm('DOOR_OPEN');
        return ok();
      case 'container':
        // `ok` after empty: a full container of the same volume is in place (docs/protocol.md, "What is loaded").
        if (input.value === 'empty') {
          this.container.sensorEmpty = true;
          this.raiseAlarm('CONTAINER_EMPTY');
        } else {
          this.container.replace();
          if (!this.container.nearEmptyRaised) this.clearAlarm('NEAR_EMPTY');
          if (!this.container.empty) this.clearAlarm('CONTAINER_EMPTY');
        }
        return ok();
      case 'mains':
        // Loss and return of mains power are events (docs/protocol.md, "Power").
        if (this.battery.onMains !== (input.value === 'on')) this.emit({ type: 'MAINS', tMs: this.nowMsValue, on: input.value === 'on' });
        this.battery.onMains = input.value === 'on';
        if (this.battery.onMains) {
          this.battery.depletedSinceMs = undefined;
          this.clearAlarm('LOW_BATTERY');
          this.clearAlarm('BATTERY_DEPLETED');
        }
        if (this.stateValue !== 'OFF') this.processDue();
        return ok();
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
        this.commLost = input.value === 'lost';
        // The infusion goes on when the network is lost (low priority, awareness).
        if (this.commLost) this.raiseAlarm('COMM_LOST');
        else this.clearAlarm('COMM_LOST');
        return ok();
      case 'power':
        return input.value === 'off' ? this.powerOff() : this.powerOn();
      case 'battery':
        // A worn or partly charged battery: the charge is set to this percentage.
        if (!(input.percent >= 0 && input.percent <= 100)) return err('OUT_OF_RANGE', 'battery must be 0 to 100 (percent)');
        this.battery.chargeMWh = (this.battery.capacityMWh * input.percent) / 100;
        this.processDue();
        return ok();
    }
  }

  private powerOff(): Reply {
    if (this.stateValue === 'OFF' && this.powerLost) return err('BAD_STATE', 'already off');
    this.powerLost = true;
    this.goDown('power_off');
    if (this.firmware) this.emitUpdates(this.firmware.powerLoss(this.nowMsValue));
    return ok();
  }

  /** Off: a power loss or a reboot. The program is kept (docs/clinical.md#battery-and-power: a power cycle keeps the program). */
  private goDown(reason: string): void {
    if (this.stateValue === 'OFF') return;
    this.endBolus(true);
    this.stateBeforeOff = this.stateValue;
    // Alarms are kept in non-volatile memory: a latching alarm stays until acknowledged, even
    // over a power cycle (IEC 60601-1-8 latching alarm signals).
    this.nearEndRaised = false;
    this.setState('OFF', reason);
  }

  private powerOn(): Reply {
    if (!this.powerLost) return err('BAD_STATE', 'already on');
    if (this.battery.isDepleted()) return err('BAD_STATE', 'the battery is depleted; connect mains power (INJECT mains=on) first');
    this.powerLost = false;
    if (this.firmware) {
      // The bootloader chooses a slot; its boot event brings the pump up (comeUp).
      this.emitUpdates(this.firmware.powerOn(this.nowMsValue).events);
      if (this.stateValue === 'OFF') this.comeUp('power_on');
      return ok();
    }
    this.comeUp('power_on');
    return ok();
  }

  /** The update agents' time-driven steps, and what they mean for the pump. */
  private advanceUpdates(): void {
    const busy = this.infusing() || this.stateValue === 'PROGRAMMED';
    if (this.firmware) this.emitUpdates(this.firmware.advance(this.nowMsValue, busy));
    // A library never changes under a program that was checked against the old one.
    if (this.libraryUpdates && this.stateValue !== 'OFF') this.emitUpdates(this.libraryUpdates.activateIfIdle(this.nowMsValue, busy));
  }

  private emitUpdates(events: readonly (FirmwareEvent | LibraryEvent)[]): void {
    for (const e of events) {
      this.emit({ type: 'UPDATE', tMs: this.nowMsValue, event: e });
      if (e.type === 'switched' || (e.type === 'self-test' && e.result === 'fail')) {
        this.goDown('reboot');
      } else if (e.type === 'boot') {
        if (!this.powerLost) this.comeUp('boot');
        if (e.trial && this.firmware) {
          // First boot of a new image: the self-test decides whether it is committed.
          const verdict = this.service.selfTestWouldFail ? 'fail' : selfTestVerdict(this.profile(), this.type.id);
          this.emitUpdates(this.firmware.selfTestResult(this.nowMsValue, verdict));
          if (verdict === 'pass') this.emitUpdates(this.firmware.markGood(this.nowMsValue));
        }
      } else if (e.type === 'library-activated' && this.libraryUpdates) {
        const lib = this.libraryUpdates.activeLibrary();
        if (lib) {
          this.library = lib;
          this.area = (this.area ? findCareArea(lib, this.area.id) : undefined) ?? lib.careAreas[0];
        }
      }
    }
  }

  /** On again (after a power loss or a reboot): the program kept, the infusion waiting for a person. */
  private comeUp(reason: string): void {
    if (this.stateValue !== 'OFF') return;
    // docs/clinical.md#battery-and-power: a power cycle keeps the program; the infusion waits for a person to resume it.
    const before = this.stateBeforeOff;
    const next: PumpState = !this.program ? 'IDLE' : before === 'PROGRAMMED' ? 'PROGRAMMED' : before === 'COMPLETE' ? 'COMPLETE' : 'PAUSED';
    this.setState(next, reason);
    // The power-on self-test: a pass after a failure is the service action that ends out of service.
    const selfTest = this.service.powerOnSelfTest();
    if (!selfTest.pass) this.raiseAlarm('SELF_TEST_FAIL');
    else if (selfTest.backInService) this.clearAlarm('SELF_TEST_FAIL');
    if (this.doorOpen) this.raiseAlarm('DOOR_OPEN');
    if (this.container.empty) this.raiseAlarm('CONTAINER_EMPTY');
  }

  // ---------------------------------------------------------------- updates from the network

  /** A firmware manifest offered by the update server. */
  firmwareOffer(signed: unknown): void {
    this.changed();
    if (this.firmware) this.emitUpdates(this.firmware.offer(this.nowMsValue, signed));
  }

  firmwareChunk(offsetBytes: number, bytes: Uint8Array): void {
    this.changed();
    if (this.firmware) this.emitUpdates(this.firmware.receiveChunk(this.nowMsValue, offsetBytes, bytes));
  }

  firmwareEndOfImage(): void {
    this.changed();
    if (this.firmware) this.emitUpdates(this.firmware.endOfImage(this.nowMsValue));
  }

  firmwareLinkBroken(): void {
    this.changed();
    if (this.firmware) this.emitUpdates(this.firmware.linkBroken(this.nowMsValue));
  }

  firmwareCancel(): void {
    this.changed();
    if (this.firmware) this.emitUpdates(this.firmware.cancel(this.nowMsValue));
  }

  /** A signed drug library package; queued, activated only when no infusion runs. */
  libraryOffer(signed: unknown): void {
    this.changed();
    if (!this.libraryUpdates) return;
    const p = this.profile();
    this.emitUpdates(this.libraryUpdates.offer(this.nowMsValue, signed, { acceptUnsigned: p.acceptUnsignedLibraries, profile: p.id }));
    this.advanceUpdates();
  }
}

export function statusFields(s: PumpStatus): Record<string, string | number> {
  return {
    t: s.tMs,
    state: s.state,
    mode: s.mode,
    drug: s.drug,
    rate: fmtNum(s.rateMlPerH),
    vi: fmtNum(s.viMl),
    vtbi: fmtNum(s.vtbiMl),
    alarm: s.alarm,
    prio: s.prio,
    batt: s.batteryPercent,
    mains: s.onMains ? 1 : 0,
  };
}
