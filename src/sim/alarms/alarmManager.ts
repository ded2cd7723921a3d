/**
 * Active alarms: raise, end of cause, acknowledge, audio pause, escalation. Pure: every call
 * takes the time and returns the events it caused.
 */
import { ALARM_TABLE, AUDIO_PAUSE_MS, PRIORITY_RANK, type AlarmId, type AlarmPriority } from './alarmTable.js';
import type { PumpEvent } from '../trace/events.js';

export interface ActiveAlarm {
  id: AlarmId;
  priority: AlarmPriority;
  raisedAtMs: number;
  causeActive: boolean;
  acknowledged: boolean;
  /** Audio paused until this instant (SILENCE pauses the alarms active at that moment only). */
  pausedUntilMs: number;
}

export type AudioPriority = AlarmPriority | 'off';

export class AlarmManager {
  private readonly active: ActiveAlarm[] = [];
  private lastAudio: AudioPriority = 'off';

  list(): readonly ActiveAlarm[] {
    return this.active;
  }

  has(id: AlarmId): boolean {
    return this.active.some((a) => a.id === id);
  }

  get(id: AlarmId): ActiveAlarm | undefined {
    return this.active.find((a) => a.id === id);
  }

  /** Any alarm that stops flow and has not ended. */
  flowStopping(): ActiveAlarm | undefined {
    return this.active.find((a) => ALARM_TABLE[a.id].stopsFlow);
  }

  /** The highest-priority active alarm (drives the visual signal). */
  top(): ActiveAlarm | undefined {
    let best: ActiveAlarm | undefined;
    for (const a of this.active) if (!best || PRIORITY_RANK[a.priority] > PRIORITY_RANK[best.priority]) best = a;
    return best;
  }

  /** The audible priority now: highest among alarms not acknowledged and not paused. */
  audio(nowMs: number): AudioPriority {
    let best: AudioPriority = 'off';
    for (const a of this.active) {
      if (a.acknowledged) continue;
      if (ALARM_TABLE[a.id].pausable && nowMs < a.pausedUntilMs) continue;
      if (best === 'off' || PRIORITY_RANK[a.priority] > PRIORITY_RANK[best]) best = a.priority;
    }
    return best;
  }

  raise(id: AlarmId, nowMs: number, out: PumpEvent[]): void {
    const existing = this.get(id);
    if (existing) {
      // The cause came back while the latched alarm was still shown: it is live again.
      if (!existing.causeActive || existing.acknowledged) {
        existing.causeActive = true;
        existing.acknowledged = false;
      }
      this.emitAudio(nowMs, out);
      return;
    }
    const spec = ALARM_TABLE[id];
    this.active.push({ id, priority: spec.priority, raisedAtMs: nowMs, causeActive: true, acknowledged: false, pausedUntilMs: -1 });
    out.push({ type: 'ALARM', tMs: nowMs, id, prio: spec.priority, stops: spec.stopsFlow });
    this.emitAudio(nowMs, out);
  }

  /** The cause has gone. A non-latching alarm ends; a latching one waits for acknowledgement. */
  clearCause(id: AlarmId, nowMs: number, out: PumpEvent[]): void {
    const a = this.get(id);
    if (!a) return;
    a.causeActive = false;
    if (!ALARM_TABLE[id].latching || a.acknowledged) this.remove(a, nowMs, out);
  }

  /** Acknowledge one alarm or all; returns how many were acknowledged. */
  acknowledge(id: AlarmId | undefined, nowMs: number, out: PumpEvent[]): number {
    const targets = this.active.filter((a) => (id === undefined || a.id === id) && !a.acknowledged);
    for (const a of targets) {
      a.acknowledged = true;
      if (!a.causeActive) this.remove(a, nowMs, out);
    }
    this.emitAudio(nowMs, out);
    return targets.length;
  }

  /**
   * Pause audio of the pausable alarms active now (IEC 60601-1-8 audio pause); an alarm raised
   * later sounds at once.
   */
  silence(nowMs: number, out: PumpEvent[]): number {
    const until = nowMs + AUDIO_PAUSE_MS;
    for (const a of this.active) if (ALARM_TABLE[a.id].pausable) a.pausedUntilMs = until;
    this.emitAudio(nowMs, out);
    return until;
  }

  /** Drop every alarm (power off). */
  reset(nowMs: number, out: PumpEvent[]): void {
    for (const a of [...this.active]) this.remove(a, nowMs, out);
    this.emitAudio(nowMs, out);
  }

  /** The next instant something changes on its own: an escalation or the end of an audio pause. */
  nextWakeMs(nowMs: number): number {
    let next = Infinity;
    for (const a of this.active) {
      if (a.pausedUntilMs > nowMs) next = Math.min(next, a.pausedUntilMs);
      const spec = ALARM_TABLE[a.id];
      if (spec.escalatesTo && spec.escalateAfterMs !== undefined && !a.acknowledged && a.priority !== spec.escalatesTo) {
        next = Math.min(next, a.raisedAtMs + spec.escalateAfterMs);
      }
    }
    return next;
  }

  /** Act on what is due at nowMs. */
  advance(nowMs: number, out: PumpEvent[]): void {
    for (const a of this.active) {
      const spec = ALARM_TABLE[a.id];
      if (spec.escalatesTo && spec.escalateAfterMs !== undefined && !a.acknowledged && a.priority !== spec.escalatesTo && nowMs >= a.raisedAtMs + spec.escalateAfterMs) {
        a.priority = spec.escalatesTo;
        out.push({ type: 'ESCALATE', tMs: nowMs, id: a.id, prio: a.priority });
      }
    }
    this.emitAudio(nowMs, out);
  }

  private remove(a: ActiveAlarm, nowMs: number, out: PumpEvent[]): void {
    const i = this.active.indexOf(a);
    if (i >= 0) this.active.splice(i, 1);
    out.push({ type: 'ALARM_END', tMs: nowMs, id: a.id });
    this.emitAudio(nowMs, out);
  }

  private emitAudio(nowMs: number, out: PumpEvent[]): void {
    const now = this.audio(nowMs);
    if (now !== this.lastAudio) {
      this.lastAudio = now;
      out.push({ type: 'AUDIO', tMs: nowMs, prio: now });
    }
  }
}
