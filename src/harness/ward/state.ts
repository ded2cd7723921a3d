/**
 * What a ward keeps while it runs, for the result, the expectations and the reports: alarms with
 * when they were answered and ended, escalations, network and fault spans, and the unit series.
 */
import type { AlarmId, AlarmPriority } from '../../sim/alarms/alarmTable.js';
import type { PumpEvent } from '../../sim/trace/events.js';
import { fleetIndex, type FleetPump } from '../scenario/fleet.js';

export interface AlarmRecord {
  pumpId: string;
  unit: string;
  id: AlarmId;
  priority: AlarmPriority;
  raisedMs: number;
  /** When a person first acknowledged or silenced it, if anyone did. */
  answeredMs?: number | undefined;
  endedMs?: number | undefined;
}

export interface SeriesPoint {
  tMs: number;
  /** Sum of delivery rates (mL/h) and of volume infused (mL) over the group. */
  rateMlPerH: number;
  viMl: number;
  running: number;
  alarming: number;
}

export interface NetworkSpan {
  what: string;
  target: string;
  startMs: number;
  endMs: number;
}

/** What a run keeps while it goes, for the result and the expectations. */
export interface RunState {
  fleet: FleetPump[];
  /** Unplanned MQTT broker deaths (MqttNetwork.onBrokerDeath). */
  brokerDeaths?: { tMs: number; detail: string }[];
  alarms: AlarmRecord[];
  alarmsOpen: OpenAlarms;
  series: Record<string, SeriesPoint[]>;
  escalations: { pumpId: string; alarmId: string; level: number; tMs: number }[];
  networkSpans: NetworkSpan[];
  faultSpans: NetworkSpan[];
  openNet: Map<string, number>;
}

/**
 * The alarms still open, by pump, then by alarm id: answering a pump's alarms or ending one costs
 * O(that pump's open alarms), not O(the fleet's) (issue 20).
 */
export class OpenAlarms {
  private readonly byPump = new Map<string, Map<string, AlarmRecord>>();
  private count = 0;

  /** How many alarms are open across the fleet. */
  get size(): number {
    return this.count;
  }

  get(pumpId: string, alarmId: string): AlarmRecord | undefined {
    return this.byPump.get(pumpId)?.get(alarmId);
  }

  set(pumpId: string, alarmId: string, rec: AlarmRecord): void {
    let m = this.byPump.get(pumpId);
    if (!m) {
      m = new Map();
      this.byPump.set(pumpId, m);
    }
    if (!m.has(alarmId)) this.count++;
    m.set(alarmId, rec);
  }

  delete(pumpId: string, alarmId: string): void {
    if (this.byPump.get(pumpId)?.delete(alarmId)) this.count--;
  }

  /** This pump's open alarms, in the order they were raised (none: an empty iterator). */
  ofPump(pumpId: string): Iterable<AlarmRecord> {
    return this.byPump.get(pumpId)?.values() ?? [];
  }
}

export function newRunState(fleet: FleetPump[]): RunState {
  return { fleet, alarmsOpen: new OpenAlarms(), alarms: [], series: {}, escalations: [], networkSpans: [], faultSpans: [], openNet: new Map() };
}

/** Keep the run's alarm records in step with a pump event (an alarm's unit from the fleet's index). */
export function trackAlarm(state: RunState, pumpId: string, e: PumpEvent): void {
  if (e.type === 'ALARM') {
    const fp = fleetIndex(state.fleet).get(pumpId);
    const rec: AlarmRecord = { pumpId, unit: fp?.unit ?? '-', id: e.id, priority: e.prio, raisedMs: e.tMs };
    state.alarms.push(rec);
    state.alarmsOpen.set(pumpId, e.id, rec);
  } else if (e.type === 'ESCALATE') {
    const rec = state.alarmsOpen.get(pumpId, e.id);
    if (rec) rec.priority = e.prio;
  } else if (e.type === 'ALARM_END') {
    const rec = state.alarmsOpen.get(pumpId, e.id);
    if (rec) rec.endedMs = e.tMs;
    state.alarmsOpen.delete(pumpId, e.id);
  }
}

/** A person acknowledged (one alarm, or all) or silenced a pump's alarms: the first answer counts. */
export function answerAlarms(state: RunState, pumpId: string, tMs: number, only: string | undefined): void {
  for (const rec of state.alarmsOpen.ofPump(pumpId)) {
    if (only !== undefined && rec.id !== only) continue;
    if (rec.answeredMs === undefined) rec.answeredMs = tMs;
  }
}
