/**
 * What a ward keeps while it runs, for the result, the expectations and the reports: alarms with
 * when they were answered and ended, escalations, network and fault spans, and the unit series.
 */
import type { AlarmId, AlarmPriority } from '../../sim/alarms/alarmTable.js';
import type { PumpEvent } from '../../sim/trace/events.js';
import type { FleetPump } from '../scenario/fleet.js';

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
  alarmsOpen: Map<string, AlarmRecord>;
  series: Record<string, SeriesPoint[]>;
  escalations: { pumpId: string; alarmId: string; level: number; tMs: number }[];
  networkSpans: NetworkSpan[];
  faultSpans: NetworkSpan[];
  openNet: Map<string, number>;
}

export function newRunState(fleet: FleetPump[]): RunState {
  return { fleet, alarmsOpen: new Map(), alarms: [], series: {}, escalations: [], networkSpans: [], faultSpans: [], openNet: new Map() };
}

export function trackAlarm(state: RunState, pumpId: string, e: PumpEvent): void {
  if (e.type === 'ALARM') {
    const fp = state.fleet.find((f) => f.id === pumpId);
    const rec = { pumpId, unit: fp?.unit ?? '-', id: e.id, priority: e.prio, raisedMs: e.tMs };
    state.alarms.push(rec);
    state.alarmsOpen.set(`${pumpId}/${e.id}`, rec);
  } else if (e.type === 'ESCALATE') {
    const rec = state.alarmsOpen.get(`${pumpId}/${e.id}`);
    if (rec) rec.priority = e.prio;
  } else if (e.type === 'ALARM_END') {
    const key = `${pumpId}/${e.id}`;
    const rec = state.alarmsOpen.get(key);
    if (rec) rec.endedMs = e.tMs;
    state.alarmsOpen.delete(key);
  }
}

export function answerAlarms(state: RunState, pumpId: string, tMs: number, only: string | undefined): void {
  for (const [key, rec] of state.alarmsOpen) {
    if (!key.startsWith(`${pumpId}/`)) continue;
    if (only !== undefined && rec.id !== only) continue;
    if (rec.answeredMs === undefined) rec.answeredMs = tMs;
  }
}
