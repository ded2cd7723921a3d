/**
 * Objectives: what the trainee must do, judged on virtual time from what the pumps and the
 * trainee did. Each objective is pending (its window has not begun), open (the clock runs), then
 * met or missed, with the time and a one-line reason the debrief shows.
 */
import { formatDurationMs, parseDurationMs } from '../scenario/duration.js';
import { resolveTarget, type FleetPump } from '../scenario/fleet.js';
import type { PumpCommand, Reply } from '../../sim/protocol/commands.js';
import type { PumpEvent } from '../../sim/trace/events.js';
import type { World } from '../world/world.js';
import type { Objective } from './schema.js';

export type ObjectiveStatus = 'pending' | 'open' | 'met' | 'missed';

export interface ObjectiveState {
  def: Objective;
  status: ObjectiveStatus;
  /** When its clock started (the window opened or the trigger happened). */
  openedMs?: number;
  deadlineMs?: number;
  /** When it was met or missed. */
  doneMs?: number;
  /** The pump it is about, once known. */
  pumpId?: string;
  /** Why it was met or missed, for the debrief. */
  note: string;
}

export type Concern = 'unknown-source' | 'firmware-prompt' | 'order-query';

/** What the trainee did, as the objectives see it. */
export type TraineeDeed =
  | { kind: 'command'; tMs: number; pumpId: string; cmd: PumpCommand; reply: Reply }
  | { kind: 'report'; tMs: number; pumpId: string; concern: Concern }
  | { kind: 'prompt'; tMs: number; pumpId: string; objectiveId: string; answer: 'install' | 'decline' };

export interface Prompt {
  objectiveId: string;
  pumpId: string;
  text: string;
}

const TRIGGERED = new Set(['respond-alarm', 'clear-occlusion', 'report-unknown-source', 'respond-incident']);

/** `alarm` of an injected-fault objective: whatever alarm the fault raises first on its pumps. */
export const ANY_ALARM = '*';
/** An alarm an instructor's fault raised is to be answered like any other (docs/training.md): these points, this long. */
export const INJECTED_ALARM_SCORE = 10;
export const INJECTED_ALARM_WITHIN_MS = 120_000;

export class ObjectiveBook {
  readonly states: ObjectiveState[];
  private readonly targets = new Map<string, Set<string>>();
  /** clear-occlusion: the programmed rate when the alarm came, per objective. */
  private readonly rateBefore = new Map<string, number>();
  private readonly hardLimitSeen = new Set<string>();
  private readonly reported = new Set<string>();
  /** Objectives added for faults the instructor injected: they count once their alarm comes. */
  private readonly injected = new Set<string>();

  constructor(defs: readonly Objective[], fleet: readonly FleetPump[]) {
    this.states = defs.map((def) => ({ def, status: 'pending', note: '' }));
    for (const d of defs) this.targets.set(d.id, new Set(resolveTarget(d.target, fleet).map((p) => p.id)));
  }

  private targeted(s: ObjectiveState, pumpId: string): boolean {
    return this.targets.get(s.def.id)?.has(pumpId) ?? false;
  }

  private open(s: ObjectiveState, tMs: number, pumpId?: string): void {
    s.status = 'open';
    s.openedMs = tMs;
    s.deadlineMs = tMs + parseDurationMs(s.def.within);
    if (pumpId !== undefined) s.pumpId = pumpId;
  }

  private done(s: ObjectiveState, status: 'met' | 'missed', tMs: number, note: string): void {
    if (s.status === 'met' || s.status === 'missed') return;
    s.status = status;
    s.doneMs = tMs;
    s.note = note;
  }

  private since(s: ObjectiveState, tMs: number): string {
    return formatDurationMs(Math.max(0, Math.round((tMs - (s.openedMs ?? 0)) / 1000) * 1000));
  }

  /**
   * The instructor injected `fault` on `pumpIds` at `tMs`: the first alarm it raises there is to
   * be silenced or acknowledged at the pump within 2 min, scored like a respond-alarm objective.
   * Until such an alarm comes it counts for nothing; if none comes within 2 min, it is dropped.
   */
  addInjected(fault: string, target: string, pumpIds: readonly string[], tMs: number): void {
    if (pumpIds.length === 0) return;
    const id = `injected-${this.injected.size + 1}`;
    const def: Objective = {
      kind: 'respond-alarm',
      alarm: ANY_ALARM,
      id,
      title: `Answer the alarm of the injected fault ${fault} on ${target}`,
      score: INJECTED_ALARM_SCORE,
      hint: 'An alarm the instructor injects counts like any other: silence or acknowledge it at the pump within 2 min.',
      target,
      after: tMs,
      within: INJECTED_ALARM_WITHIN_MS,
    };
    this.injected.add(id);
    this.targets.set(id, new Set(pumpIds));
    this.states.push({ def, status: 'pending', note: '' });
  }

  /**
   * An objective judged from outside the book (a playbook step left to the trainee, incident.ts):
   * it waits until `start` opens it and `settle` decides it; past its deadline it is missed.
   */
  addJudged(def: Objective): ObjectiveState {
    const s: ObjectiveState = { def, status: 'pending', note: '' };
    this.targets.set(def.id, new Set());
    this.states.push(s);
    return s;
  }

  start(s: ObjectiveState, tMs: number, deadlineMs: number): void {
    if (s.status !== 'pending') return;
    s.status = 'open';
    s.openedMs = tMs;
    s.deadlineMs = deadlineMs;
  }

  settle(s: ObjectiveState, status: 'met' | 'missed', tMs: number, note: string): void {
    this.done(s, status, tMs, note);
  }

  /** An injected fault that raised no alarm within its window (by `nowMs`) asked nothing of the trainee: it goes. */
  private dropQuietInjections(nowMs: number): void {
    for (let i = this.states.length - 1; i >= 0; i--) {
      const s = this.states[i];
      if (!s || s.status !== 'pending' || !this.injected.has(s.def.id)) continue;
      if (nowMs === Infinity || nowMs > parseDurationMs(s.def.after) + parseDurationMs(s.def.within)) this.states.splice(i, 1);
    }
  }

  /** Prompts on pumps now (decline-firmware objectives that are open). */
  prompts(): Prompt[] {
    const out: Prompt[] = [];
    for (const s of this.states) {
      if (s.def.kind !== 'decline-firmware' || s.status !== 'open') continue;
      for (const pumpId of this.targets.get(s.def.id) ?? []) out.push({ objectiveId: s.def.id, pumpId, text: s.def.text });
    }
    return out;
  }

  onPumpEvent(pumpId: string, e: PumpEvent, world: World): void {
    for (const s of this.states) {
      if (!this.targeted(s, pumpId)) continue;
      const d = s.def;
      if (s.status === 'pending' && e.type === 'ALARM' && e.tMs >= parseDurationMs(d.after)) {
        if (d.kind === 'respond-alarm' && (e.id === d.alarm || (d.alarm === ANY_ALARM && e.tMs <= parseDurationMs(d.after) + parseDurationMs(d.within)))) this.open(s, e.tMs, pumpId);
        if (d.kind === 'clear-occlusion' && (e.id === 'OCCLUSION_DOWN' || e.id === 'OCCLUSION_UP')) {
          this.open(s, e.tMs, pumpId);
          this.rateBefore.set(d.id, world.pump(pumpId).pump.currentProgram?.rateMlPerH ?? 0);
        }
      }
      if (s.status === 'open' && d.kind === 'refuse-hard-limit' && e.type === 'NO_LIBRARY') {
        this.done(s, 'missed', e.tMs, `bypassed the drug library on ${pumpId} with a basic mL/h infusion after the hard limit`);
      }
    }
  }

  /** A command from a client that is not the gateway reached a pump. */
  onRogueCommand(pumpId: string, tMs: number): void {
    for (const s of this.states) {
      if (s.def.kind === 'report-unknown-source' && s.status === 'pending' && this.targeted(s, pumpId) && tMs >= parseDurationMs(s.def.after)) this.open(s, tMs, pumpId);
    }
  }

  onTrainee(a: TraineeDeed): void {
    if (a.kind === 'report') this.reported.add(`${a.pumpId}/${a.concern}`);
    for (const s of this.states) {
      if (!this.targeted(s, a.pumpId)) continue;
      const d = s.def;
      if (a.kind === 'command') {
        const name = a.cmd.cmd;
        if (d.kind === 'respond-alarm' && s.status === 'open' && s.pumpId === a.pumpId && a.reply.ok && (name === 'SILENCE' || name === 'ACK')) {
          this.done(s, 'met', a.tMs, `${name === 'SILENCE' ? 'silenced' : 'acknowledged'} at the pump ${this.since(s, a.tMs)} after the alarm`);
        }
        if (d.kind === 'clear-occlusion' && s.status === 'open' && s.pumpId === a.pumpId && a.reply.ok && name === 'STOP') {
          this.done(s, 'missed', a.tMs, 'stopped the infusion instead of clearing the line and resuming it');
        }
        if (d.kind === 'refuse-hard-limit' && s.status === 'open' && !a.reply.ok && a.reply.code === 'HARD_LIMIT') {
          this.hardLimitSeen.add(`${d.id}/${a.pumpId}`);
          if (s.pumpId === undefined) s.pumpId = a.pumpId;
          if (this.reported.has(`${a.pumpId}/order-query`)) this.done(s, 'met', a.tMs, 'hard limit refused; the order was queried');
        }
        if (d.kind === 'keep-running' && s.status === 'open' && a.reply.ok && (name === 'PAUSE' || name === 'STOP')) {
          this.done(s, 'missed', a.tMs, `${name === 'PAUSE' ? 'paused' : 'stopped'} ${a.pumpId} during the network fault: the infusion goes on without the network`);
        }
      } else if (a.kind === 'report') {
        if (d.kind === 'report-unknown-source' && s.status === 'open' && a.concern === 'unknown-source') {
          this.done(s, 'met', a.tMs, `reported ${a.pumpId} ${this.since(s, a.tMs)} after the first unknown command`);
        }
        if (d.kind === 'refuse-hard-limit' && s.status === 'open' && a.concern === 'order-query' && this.hardLimitSeen.has(`${d.id}/${a.pumpId}`)) {
          this.done(s, 'met', a.tMs, 'hard limit refused; the order was queried with the prescriber');
        }
        if (d.kind === 'decline-firmware' && s.status === 'open' && a.concern === 'firmware-prompt') {
          this.done(s, 'met', a.tMs, `reported the firmware prompt on ${a.pumpId}`);
        }
      } else if (d.kind === 'decline-firmware' && s.status === 'open' && a.objectiveId === d.id) {
        if (a.answer === 'install') this.done(s, 'missed', a.tMs, `installed firmware from an unverified source on ${a.pumpId}`);
        else this.done(s, 'met', a.tMs, `declined the unverified firmware on ${a.pumpId} ${this.since(s, a.tMs)} after it appeared`);
      }
    }
  }

  /** Open the windows that start now, judge pump states, and close what is past its deadline. */
  tick(nowMs: number, world: World): void {
    this.dropQuietInjections(nowMs);
    for (const s of this.states) {
      const d = s.def;
      if (s.status === 'pending' && !TRIGGERED.has(d.kind) && nowMs >= parseDurationMs(d.after)) this.open(s, parseDurationMs(d.after));
      if (s.status !== 'open') continue;
      const ids = [...(this.targets.get(d.id) ?? [])];
      const pumpOf = (id: string) => {
        const slot = world.pump(id);
        world.touch(slot);
        return slot.pump;
      };
      if (d.kind === 'clear-occlusion' && s.pumpId !== undefined) {
        const p = pumpOf(s.pumpId);
        const before = this.rateBefore.get(d.id) ?? 0;
        const occluded = p.activeAlarms.some((a) => a.id === 'OCCLUSION_DOWN' || a.id === 'OCCLUSION_UP');
        if (p.state === 'RUNNING' && !occluded && Math.abs((p.currentProgram?.rateMlPerH ?? -1) - before) < 1e-6) {
          this.done(s, 'met', nowMs, `line cleared, alarm acknowledged and infusion resumed at ${before} mL/h, ${this.since(s, nowMs)} after the alarm`);
        }
      }
      if (d.kind === 'follow-order') {
        for (const id of ids) {
          const p = pumpOf(id);
          const prog = p.currentProgram;
          if ((p.state === 'RUNNING' || p.state === 'KVO') && prog?.drug?.entry.id === d.drug && Math.abs(prog.drug.dose - d.dose) <= d.dose * 0.01) {
            s.pumpId = id;
            this.done(s, 'met', nowMs, `${d.drug} ${d.dose} ${prog.drug.entry.doseUnit} running on ${id}`);
          }
        }
      }
      if (d.kind === 'fix-rate-slip') {
        for (const id of ids) {
          const p = pumpOf(id);
          const rate = p.currentProgram?.rateMlPerH;
          if ((p.state === 'RUNNING' || p.state === 'KVO') && rate !== undefined && Math.abs(rate - d.rate) <= d.rate * 0.1) {
            s.pumpId = id;
            this.done(s, 'met', nowMs, `${id} brought to ${rate} mL/h (ordered ${d.rate}) ${this.since(s, nowMs)} after the window opened`);
          }
        }
      }
      if (s.status === 'open' && s.deadlineMs !== undefined && nowMs >= s.deadlineMs) this.expire(s, s.deadlineMs);
    }
  }

  private expire(s: ObjectiveState, tMs: number): void {
    const d = s.def;
    switch (d.kind) {
      case 'refuse-hard-limit':
        if ([...this.hardLimitSeen].some((k) => k.startsWith(`${d.id}/`))) this.done(s, 'met', tMs, 'the hard limit held and the library was not bypassed');
        else this.done(s, 'missed', tMs, 'the order was never programmed, so the hard limit was never met and queried');
        return;
      case 'keep-running':
        this.done(s, 'met', tMs, 'every infusion went on through the network fault');
        return;
      case 'respond-alarm':
        this.done(s, 'missed', tMs, `no silence or acknowledgement at the pump within ${String(d.within)}`);
        return;
      case 'decline-firmware':
        this.done(s, 'missed', tMs, 'the firmware prompt was left unanswered');
        return;
      default:
        this.done(s, 'missed', tMs, `not done within ${String(d.within)}`);
    }
  }

  /** The end of the session: what is still open is judged now; what never began is missed. */
  finish(nowMs: number, world: World): void {
    this.tick(nowMs, world);
    this.dropQuietInjections(Infinity);
    for (const s of this.states) {
      if (s.status === 'open') this.expire(s, nowMs);
      else if (s.status === 'pending') this.done(s, 'missed', nowMs, 'the session ended before it began');
    }
  }

  score(): { points: number; max: number; met: number; missed: number; open: number } {
    let points = 0;
    let max = 0;
    let met = 0;
    let missed = 0;
    let counted = 0;
    for (const s of this.states) {
      if (s.status === 'pending' && this.injected.has(s.def.id)) continue;
      counted++;
      max += s.def.score;
      if (s.status === 'met') {
        points += s.def.score;
        met++;
      } else if (s.status === 'missed') missed++;
    }
    return { points, max, met, missed, open: counted - met - missed };
  }
}
