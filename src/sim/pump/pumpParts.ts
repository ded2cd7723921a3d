/**
 * What a pump is made of and what it shows: its parts, each with its own quantities and figures
 * from the pump type data (the infusion, mechanism, container, occlusion and air sensors, door,
 * battery, service state, alarms, update agents, remote commands), and the reading side of the
 * pump (status, telemetry, events). The state machine and the commands are in pump.ts.
 */
import { AlarmManager, type ActiveAlarm } from '../alarms/alarmManager.js';
import { findCareArea } from '../druglib/load.js';
import type { CareArea, DrugLibrary } from '../druglib/schema.js';
import type { LibraryReport, LibraryUpdater } from '../firmware/libraryUpdate.js';
import { PROFILES, type BehaviourProfile } from '../firmware/profiles.js';
import type { FirmwareUpdater, UpdaterStatus } from '../firmware/updater.js';
import { Battery } from '../power/battery.js';
import { Prng } from '../time/prng.js';
import { EventLog } from '../trace/eventLog.js';
import type { PumpEvent, PumpState } from '../trace/events.js';
import { AirDetector } from './air.js';
import { Container } from './container.js';
import { Door } from './door.js';
import { Infusion } from './infusion.js';
import { Mechanism } from './mechanism.js';
import { Occlusion } from './occlusion.js';
import type { Program } from './programming.js';
import { statusOf, type PumpOptions, type PumpStatus, type PumpTelemetry } from './pumpStatus.js';
import type { PumpType } from './pumpTypes.js';
import { RemoteIntent } from './remoteIntent.js';
import { ServiceState } from './service.js';
import { UpdateAgents } from './updates.js';

/** What takeEvents gives when there is nothing: one frozen empty array (a caller that wrote to it would throw). */
const NO_EVENTS: PumpEvent[] = Object.freeze([]) as unknown as PumpEvent[];

export abstract class PumpParts {
  readonly type: PumpType;
  readonly log: EventLog;
  readonly serial: string;
  protected readonly fixedFirmwareVersion: string;
  protected readonly firmware: FirmwareUpdater | undefined;
  protected readonly libraryUpdates: LibraryUpdater | undefined;
  protected nowMsValue: number;
  protected stateValue: PumpState = 'IDLE';
  protected library: DrugLibrary | undefined;
  protected area: CareArea | undefined;
  protected readonly alarms = new AlarmManager();
  protected outbox: PumpEvent[] = [];
  protected readonly infusion = new Infusion();
  protected readonly mechanism: Mechanism;
  protected readonly container: Container;
  protected readonly occlusion: Occlusion;
  protected readonly air: AirDetector;
  protected readonly door = new Door();
  protected readonly battery: Battery;
  protected readonly service = new ServiceState();
  protected readonly remote: RemoteIntent;
  protected readonly updates: UpdateAgents;

  protected constructor(options: PumpOptions) {
    this.type = options.type;
    this.nowMsValue = options.startMs ?? 0;
    const prng = new Prng(options.seed);
    this.mechanism = new Mechanism(this.type.mechanism, this.type.accuracyFraction, prng.fork());
    this.container = new Container(this.type.container);
    this.occlusion = new Occlusion(this.type.occlusion, options.occlusionLimitMmHg, () => this.profile().occlusionAlarmDelayFactor);
    this.air = new AirDetector(this.type.air);
    this.battery = new Battery(this.type.battery, options.batteryFraction ?? 1);
    this.fixedFirmwareVersion = options.firmwareVersion ?? '1.0.0';
    this.firmware = options.firmware;
    this.libraryUpdates = options.libraryUpdates;
    this.serial = options.serial ?? `SIM-${(options.seed >>> 0).toString(16).padStart(8, '0')}`;
    this.log = options.log ?? new EventLog({ maxEntries: options.maxLogEntries });
    this.library = options.libraryUpdates?.activeLibrary() ?? options.library;
    this.remote = new RemoteIntent(options.remote, this.serial);
    this.updates = new UpdateAgents(this.firmware, this.libraryUpdates, this.type.id);
    if (this.library) this.area = options.areaId ? findCareArea(this.library, options.areaId) : this.library.careAreas[0];
  }

  // ---------------------------------------------------------------- reading

  /** The last instant this pump was advanced to: the world's now, or earlier while nothing touched or woke it (docs/architecture.md, "Time"). */
  get nowMs(): number { return this.nowMsValue; }
  get state(): PumpState { return this.stateValue; }
  get currentProgram(): Readonly<Program> | undefined { return this.infusion.program; }
  get activeAlarms(): readonly ActiveAlarm[] { return this.alarms.list(); }
  get audioPriority(): string { return this.alarms.audio(this.nowMsValue); }
  get careArea(): CareArea | undefined { return this.area; }
  get libraryLabel(): string { return this.library ? `${this.library.name.replace(/\s+/g, '_')}@${this.library.version}` : '-'; }
  /** The version running (the committed slot's while rebooting). */
  get firmwareVersion(): string { return this.firmware?.runningVersion() ?? this.fixedFirmwareVersion; }
  /** The behaviour profile of the running firmware (docs/firmware.md). */
  profile(): BehaviourProfile { return this.firmware?.runningProfile() ?? PROFILES.secure; }
  firmwareStatus(): UpdaterStatus | undefined { return this.firmware?.status(); }
  libraryReport(): LibraryReport | undefined { return this.libraryUpdates?.report(); }
  get mechanismSystematicFraction(): number { return this.mechanism.systematicFraction; }
  mechanismToleranceMl(nominalMl: number): number { return this.mechanism.toleranceMl(nominalMl); }
  /** Physical output of the mechanism after `nominalMl` of motion (for the trumpet curve). */
  mechanismOutputFor(nominalMl: number): number { return this.mechanism.outputMl(nominalMl); }
  /** How long from now until an occlusion alarm at the present rate (compliance model); Infinity when none is due. */
  occlusionAlarmDueInMs(): number { return this.occlusion.alarmDueInMs(this.currentRateMlPerH()); }

  telemetry(): PumpTelemetry {
    const inf = this.infusion;
    return {
      primaryMl: inf.primaryMl,
      afterVtbiMl: inf.afterVtbiMl,
      motorNominalMl: this.mechanism.nominalMl,
      mechanismOutputMl: this.mechanism.physicalOutputMl(),
      storedInLineMl: this.occlusion.storedInLineMl,
      largestClearingBolusMl: this.occlusion.largestClearingBolusMl,
      pcaWindowMl: inf.pca ? inf.pca.totalMl(this.nowMsValue) : 0,
      lastDemandStartMs: inf.lastDemandStartMs,
    };
  }

  /** The rate the motor runs at now (mL/h). */
  currentRateMlPerH(): number {
    return this.infusion.rateMlPerH(this.stateValue);
  }

  status(): PumpStatus {
    return statusOf(this.nowMsValue, this.stateValue, this.infusion, this.currentRateMlPerH(), this.alarms.top(), this.battery);
  }

  /** Take the events produced since the last call (the pump's outbox: its callers act on them). */
  takeEvents(): PumpEvent[] {
    const out = this.outbox;
    // Most steps of a fleet (a wake, a touch to read a status) emit nothing: no new array for them.
    if (out.length === 0) return NO_EVENTS;
    this.outbox = [];
    return out;
  }

  /** All the volume the motor moved, nominally (mL): what `telemetry().motorNominalMl` says, without building the rest. */
  get motorNominalMl(): number {
    return this.mechanism.nominalMl;
  }
}
