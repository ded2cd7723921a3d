/**
 * What a training session shows: the views the pages get (snapshot, welcome, pumps, alarms,
 * objectives, drugs) and the faults the instructor may inject, from the timeline table.
 */
import { PRIORITY_RANK, type AlarmPriority } from '../../sim/alarms/alarmTable.js';
import { describeArg, faultSpec, FAULT_NAMES, isInstant } from '../scenario/timelineTable.js';
import type { ObjectiveStatus, Prompt } from './objectives.js';

export type Role = 'station' | 'pump' | 'instructor' | 'debrief';

/** What the server knows about one browser connection. */
export interface Connection {
  role?: Role;
  pumpId?: string;
}

export type LogWho = 'pump' | 'trainee' | 'instructor' | 'scenario' | 'network' | 'security' | 'objective' | 'safety';

export interface LogEntry {
  tMs: number;
  who: LogWho;
  pumpId?: string | undefined;
  text: string;
  ok?: boolean | undefined;
}

export interface AlarmView {
  pumpId: string;
  unit: string;
  id: string;
  text: string;
  priority: AlarmPriority;
  raisedMs: number;
  acknowledged: boolean;
  audioPaused: boolean;
  causeActive: boolean;
}

export interface PumpView {
  id: string;
  unit: string;
  type: 'lvp' | 'syringe';
  state: string;
  mode: string;
  drug: string;
  drugName: string;
  dose: number | null;
  doseUnit: string;
  rate: number;
  vi: number;
  vtbi: number;
  /** Minutes to the end of the VTBI at the present rate; null when not flowing. */
  remainingMin: number | null;
  audio: string;
  battery: number;
  mains: boolean;
  commLost: boolean;
  /** Remote commands the pump refused (a sign of a client that is not the gateway). */
  refused: number;
  alarms: AlarmView[];
}

export interface ObjectiveView {
  id: string;
  kind: string;
  title: string;
  task?: string | undefined;
  hint: string;
  score: number;
  status: ObjectiveStatus;
  openedMs?: number | undefined;
  deadlineMs?: number | undefined;
  doneMs?: number | undefined;
  pumpId?: string | undefined;
  note: string;
}

export interface Snapshot {
  type: 'snapshot';
  name: string;
  description: string;
  tMs: number;
  durationMs: number;
  speed: number;
  paused: boolean;
  ended: boolean;
  units: { id: string; name: string; careArea: string; pumps: PumpView[] }[];
  /** Every active alarm, highest priority first, then oldest first. */
  alarms: AlarmView[];
  station: { audio: AlarmPriority | 'off'; pausedUntilMs: number | null };
  score: { points: number; max: number; met: number; missed: number; open: number };
  objectives: ObjectiveView[];
  prompts: Prompt[];
  log: LogEntry[];
}

export interface DrugView {
  id: string;
  name: string;
  doseUnit: string;
  concentration: string;
  soft: string;
  hard: string;
  weightBased: boolean;
}

export interface Welcome {
  type: 'welcome';
  role: Role;
  pumpId?: string | undefined;
  brief: string;
  pumps: { id: string; unit: string; type: string }[];
  units: string[];
  /** The faults the instructor may inject, from the timeline table. */
  faults: FaultView[];
  drugs?: DrugView[] | undefined;
  /** Playbooks left to the trainee and the actions the station offers (docs/playbooks.md, Training). */
  incidents?: IncidentView | undefined;
}

/** What the station's incident response card offers: never the playbook's steps (that is the exercise). */
export interface IncidentView {
  playbooks: string[];
  actions: { name: string; target: string }[];
  segments: string[];
}

/** A fault as the instructor page shows it: its args in words, whether it takes the gateway, whether it happens once. */
export interface FaultView {
  name: string;
  args: string[];
  gateway: boolean;
  instant: boolean;
}

/** The faults an instructor may inject (trainable in the timeline table). */
export function trainableFaults(): FaultView[] {
  return FAULT_NAMES.filter((f) => faultSpec(f).trainable).map((name) => {
    const spec = faultSpec(name);
    return { name, args: Object.entries(spec.args).map(([k, a]) => describeArg(k, a)), gateway: spec.gateway, instant: isInstant(name) };
  });
}

export function round(n: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

export function byPriority(a: AlarmView, b: AlarmView): number {
  return PRIORITY_RANK[b.priority] - PRIORITY_RANK[a.priority] || a.raisedMs - b.raisedMs || a.pumpId.localeCompare(b.pumpId);
}

