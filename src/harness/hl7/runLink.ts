/**
 * A run's HL7 interface: the gateway sends a PCD-01 for every pump on each change of state it
 * ingests and every `hl7.decEvery`, a PCD-04 for each alarm start, change of priority, escalation by the gateway and end, through its outbound queue, to the team's engine (`--hl7`) or to
 * infusim's own listener, always through the fault proxy the scenario's HL7 faults act on.
 * Nothing here writes to the trace: what the engine answered, and when, depends on the wall clock.
 * Between steps of virtual time the run waits for the queue to empty (bounded), unless a fault
 * holds it, so an outage in virtual time is an outage on the wire.
 */
import { findCareArea, findDrug } from '../../sim/druglib/load.js';
import type { DrugLibrary } from '../../sim/druglib/schema.js';
import type { PumpEvent } from '../../sim/trace/events.js';
import type { Gateway, IngestedEvent } from '../gateway/gateway.js';
import { parseDurationMs } from '../scenario/duration.js';
import { fleetIndex, type FleetPump } from '../scenario/fleet.js';
import type { Scenario } from '../scenario/schema.js';
import { faultSpec, numberArg, type FaultName } from '../scenario/timelineTable.js';
import type { World } from '../world/world.js';
import { Hl7FaultProxy } from './faultProxy.js';
import { Hl7Listener } from './listener.js';
import { Hl7Outbound } from './outbound.js';
import { buildPcd01, type DecSnapshot } from './pcd01.js';
import { buildPcd04 } from './pcd04.js';
import { isAlarmId, type AlarmPriority } from '../../sim/alarms/alarmTable.js';
import type { RemoteCommandRecord } from '../link/pumpAgent.js';
import { Hl7OrderDesk, type OrderStats } from './orderDesk.js';
import { placeFleet, type Place } from '../scenario/beds.js';

export interface Hl7Option {
  /** The team's engine; none: infusim's own listener in this process. */
  engine?: { host: string; port: number };
  journalPath?: string;
  log?: (line: string) => void;
  /** Take PCD-03 infusion orders on this port (0: one from the OS), `--hl7-listen`. */
  ordersPort?: number;
  /** The orders port is open (the port the OS gave). */
  onOrdersListening?: (port: number) => void;
}

export interface Hl7RunInfo {
  engine: string;
  queued: number;
  /** Of them, PCD-04 alarm reports. */
  alerts: number;
  acked: number;
  pending: number;
  duplicateAcks: number;
  resent: number;
  nacks: number;
  timeouts: number;
  connectFailures: number;
  /** With infusim's own engine: messages it processed, and resends it recognised. */
  engineProcessed?: number;
  engineDuplicates?: number;
  p99AckMs: number;
  /** With `--hl7-listen`: the PCD-03 orders taken and what became of them. */
  orders?: OrderStats & { port: number };
}

/** Wall time the run waits for the queue between steps, and at the end (ms). */
const STEP_WAIT_MS = 60_000;
const END_WAIT_MS = 120_000;

export class Hl7RunLink {
  private outbound!: Hl7Outbound;
  private proxy!: Hl7FaultProxy;
  private own: Hl7Listener | undefined;
  private engineName = '';
  private seq = 0;
  private readonly runTag = Date.now().toString(36).slice(-8).toUpperCase();
  private readonly where: Map<string, Place>;
  private desk: Hl7OrderDesk | undefined;
  private deskPort = 0;
  private gateway: Gateway | undefined;
  private readonly alarms = new Map<string, { instance: string; priority: AlarmPriority }>();
  private alarmSeq = 0;
  private alertsQueued = 0;
  private world: World | undefined;

  constructor(
    private readonly s: Scenario,
    private readonly fleet: readonly FleetPump[],
    private readonly library: DrugLibrary,
    private readonly option: Hl7Option = {},
  ) {
    this.where = placeFleet(s, fleet);
  }

  async start(): Promise<void> {
    let engine = this.option.engine;
    if (!engine) {
      this.own = new Hl7Listener({ ...(this.option.log ? { log: this.option.log } : {}) });
      engine = { host: '127.0.0.1', port: await this.own.listen() };
      this.engineName = `infusim listener 127.0.0.1:${engine.port}`;
    } else this.engineName = `${engine.host}:${engine.port}`;
    this.proxy = new Hl7FaultProxy(engine);
    const port = await this.proxy.listen();
    if (this.option.ordersPort !== undefined) {
      const confirmAfterMs = parseDurationMs(this.s.hl7?.confirmAfter ?? '10s');
      const respond = new Map(this.s.site.units.map((u) => [u.id, u.nurse.respond]));
      this.desk = new Hl7OrderDesk(this.fleet, this.where, this.library, {
        port: this.option.ordersPort,
        confirmAfterMs: (pumpId) => (respond.get(this.where.get(pumpId)?.unit ?? '') === true ? confirmAfterMs : undefined),
        ...(this.option.log ? { log: this.option.log } : {}),
      });
      this.deskPort = await this.desk.listen();
      this.option.onOrdersListening?.(this.deskPort);
    }
    this.outbound = new Hl7Outbound({ host: '127.0.0.1', port, ackTimeoutMs: 2000, retryMinMs: 20, retryMaxMs: 1000, ...(this.option.journalPath ? { journalPath: this.option.journalPath } : {}), ...(this.option.log ? { log: this.option.log } : {}) });
  }

  /** Periodic DEC messages for every pump, in virtual time. */
  attach(world: World, gateway: Gateway, durationMs: number): void {
    this.world = world;
    this.gateway = gateway;
    this.desk?.attach(world, gateway);
    const everyMs = parseDurationMs(this.s.hl7?.decEvery ?? '5m');
    for (let t = everyMs; t <= durationMs; t += everyMs) world.at(t, () => this.fleet.forEach((fp) => this.send(fp.id)));
  }

  /** The gateway ingested a pump event: a change of state is sent at once. */
  onIngest(rec: IngestedEvent): void {
    const e = rec.event;
    if (e.type === 'STATE') this.send(rec.pumpId, e);
    else if (e.type === 'ALARM' || e.type === 'ESCALATE' || e.type === 'ALARM_END') this.alert(rec.pumpId, e);
  }

  /** A remote command reached a pump: an order's next step (PCD-03). */
  onRemote(r: RemoteCommandRecord): void {
    this.desk?.onRemote(r);
  }

  onPumpEvent(pumpId: string, e: PumpEvent): void {
    this.desk?.onPumpEvent(pumpId, e);
  }

  /** PCD-04: an alarm starts, changes priority at the pump (escalate), ends; one instance id from start to end. */
  private alert(pumpId: string, e: Extract<PumpEvent, { type: 'ALARM' | 'ESCALATE' | 'ALARM_END' }>): void {
    const place = this.where.get(pumpId);
    if (!place || !this.world) return;
    const key = `${pumpId}/${e.id}`;
    if (e.type === 'ALARM') this.alarms.set(key, { instance: `${pumpId}-A${++this.alarmSeq}`, priority: e.prio });
    const open = this.alarms.get(key);
    if (!open) return;
    if (e.type === 'ESCALATE') open.priority = e.prio;
    if (e.type === 'ALARM_END') this.alarms.delete(key);
    const controlId = this.nextId();
    this.alertsQueued++;
    this.outbound.enqueue(controlId, buildPcd04({ tMs: this.world.nowMs, pumpId, ...placeFields(place), alarm: e.id, priority: open.priority, phase: e.type === 'ALARM' ? 'start' : e.type === 'ESCALATE' ? 'escalate' : 'end', instanceId: open.instance }, controlId));
  }

  /** The gateway escalated an unanswered high-priority alarm (level 1 charge nurse, 2 rapid response): PCD-04 update with the level. */
  onEscalate(pumpId: string, alarmId: string, level: number): void {
    const place = this.where.get(pumpId);
    const open = this.alarms.get(`${pumpId}/${alarmId}`);
    if (!place || !open || !this.world || !isAlarmId(alarmId)) return;
    const controlId = this.nextId();
    this.alertsQueued++;
    this.outbound.enqueue(controlId, buildPcd04({ tMs: this.world.nowMs, pumpId, ...placeFields(place), alarm: alarmId, priority: open.priority, phase: 'update', instanceId: open.instance, escalationLevel: level }, controlId));
  }

  private nextId(): string {
    return `${this.runTag}${(++this.seq).toString(36).toUpperCase().padStart(8, '0')}`;
  }

  /** A scenario fault on the engine side: returns its end; undefined for a fault that is not the engine's. */
  startFault(fault: FaultName, args: Readonly<Record<string, string | number | boolean>>): (() => void) | undefined {
    if (fault === 'hl7-engine-down' || fault === 'hl7-nack') {
      this.proxy.setMode(fault === 'hl7-engine-down' ? 'down' : 'nack');
      return () => this.proxy.setMode('pass');
    }
    if (fault !== 'hl7-slow-ack') return undefined;
    // Answers held back longer than the gateway waits, so it sends again.
    this.proxy.ackDelayMs = numberArg(faultSpec(fault).args, args, 'ms');
    return () => {
      this.proxy.ackDelayMs = 0;
    };
  }

  /** Between steps: wait for the queue to empty unless a fault holds it (bounded). */
  async barrier(): Promise<void> {
    if (this.proxy.mode !== 'pass' || this.proxy.ackDelayMs > 0) return;
    await this.outbound.drained(STEP_WAIT_MS);
  }

  async finish(): Promise<Hl7RunInfo> {
    await this.desk?.close();
    await this.outbound.drained(END_WAIT_MS);
    const st = this.outbound.stats;
    const delays = [...st.ackDelaysMs].sort((a, b) => a - b);
    const info: Hl7RunInfo = {
      engine: this.engineName,
      queued: st.queued,
      alerts: this.alertsQueued,
      acked: st.acked,
      pending: this.outbound.depth,
      duplicateAcks: this.outbound.ackedIds.length - new Set(this.outbound.ackedIds).size,
      resent: st.resent,
      nacks: st.nacks,
      timeouts: st.timeouts,
      connectFailures: st.connectFailures,
      p99AckMs: delays.length ? delays[Math.min(delays.length - 1, Math.ceil(delays.length * 0.99) - 1)]! : 0,
      ...(this.desk ? { orders: { ...this.desk.stats, port: this.deskPort } } : {}),
      ...(this.own ? { engineProcessed: this.own.stats.accepted, engineDuplicates: this.own.stats.duplicates } : {}),
    };
    this.outbound.close();
    await this.proxy.close();
    await this.own?.close();
    return info;
  }

  private send(pumpId: string, stateEvent?: Extract<PumpEvent, { type: 'STATE' }>): void {
    const place = this.where.get(pumpId);
    const status = this.gateway?.lastKnown(pumpId);
    if (!place || !this.world) return;
    const fp = fleetIndex(this.fleet).get(pumpId);
    const area = fp ? findCareArea(this.library, fp.careArea) : undefined;
    const drug = status && status.drug !== '-' && area ? findDrug(area, status.drug) : undefined;
    const snap: DecSnapshot = {
      tMs: this.world.nowMs,
      pumpId,
      ...placeFields(place),
      state: stateEvent?.state ?? status?.state ?? 'IDLE',
      mode: status?.mode ?? '-',
      rateMlPerH: status?.rateMlPerH ?? 0,
      vtbiMl: status?.vtbiMl ?? 0,
      viMl: status?.viMl ?? 0,
      drug: drug ? { name: drug.name, concentration: drug.concentration, doseUnit: drug.doseUnit } : undefined,
    };
    const controlId = this.nextId();
    this.outbound.enqueue(controlId, buildPcd01(snap, controlId));
  }
}

/** PID and PV1 of a pump's messages. */
function placeFields(p: Place): { unit: string; bed: string; patientId: string; patientName?: string } {
  return { unit: p.unit, bed: p.bed, patientId: p.patientId, ...(p.patientName ? { patientName: p.patientName } : {}) };
}
