/** The training server's messages as the app reads them (src/harness/train/session.ts sends them). */
import type { Priority } from './audio.js';
import type { IncidentView } from './incident.js';

export interface AlarmView { pumpId: string; unit: string; id: string; text: string; priority: 'high' | 'medium' | 'low'; raisedMs: number; acknowledged: boolean; audioPaused: boolean; causeActive: boolean }
export interface PumpView { id: string; unit: string; type: string; state: string; mode: string; drug: string; drugName: string; dose: number | null; doseUnit: string; rate: number; vi: number; vtbi: number; remainingMin: number | null; audio: string; battery: number; mains: boolean; commLost: boolean; refused: number; alarms: AlarmView[] }
export interface ObjectiveView { id: string; kind: string; title: string; task?: string; hint: string; score: number; status: string; openedMs?: number; deadlineMs?: number; doneMs?: number; pumpId?: string; note: string }
export interface LogEntry { tMs: number; who: string; pumpId?: string; text: string; ok?: boolean }
export interface Snapshot {
  type: 'snapshot'; name: string; description: string; tMs: number; durationMs: number; speed: number; paused: boolean; ended: boolean;
  units: { id: string; name: string; careArea: string; pumps: PumpView[] }[];
  alarms: AlarmView[]; station: { audio: Priority; pausedUntilMs: number | null };
  score: { points: number; max: number; met: number; missed: number; open: number };
  objectives: ObjectiveView[]; prompts: { objectiveId: string; pumpId: string; text: string }[]; log: LogEntry[];
}
export interface DrugView { id: string; name: string; doseUnit: string; concentration: string; soft: string; hard: string; weightBased: boolean }
export interface Welcome { type: 'welcome'; role: string; pumpId?: string; brief: string; pumps: { id: string; unit: string; type: string }[]; units: string[]; faults: { name: string; args: string[]; gateway: boolean; instant: boolean }[]; drugs?: DrugView[]; incidents?: IncidentView }
export interface Reply { type: 'reply'; ref?: string; ok: boolean; message: string; code?: string; line?: string; fields?: Record<string, string | number>; words?: string }
export type ServerMessage = Snapshot | Welcome | Reply;
