/**
 * Active alarms: raise, end of cause, acknowledge, audio pause, escalation. Pure: every call
 * takes the time and returns the events it caused (effects as data, src/sim/pump/effects.ts).
 */
import { ALARM_TABLE, AUDIO_PAUSE_MS, PRIORITY_RANK, REMINDER_INTERVAL_MS, type AlarmId, type AlarmPriority } from './alarmTable.js';
import type { PumpEvent } from '../trace/events.js';
import { NO_EVENTS } from '../pump/effects.js';

export interface ActiveAlarm {
  id: AlarmId;
  priority: AlarmPriority;
  raisedAtMs: number;
  causeActive: boolean;
  acknowledged: boolean;
  /** Audio paused until this instant (SILENCE pauses the alarms active at that moment only; ACK of a `pause` alarm). */
  pausedUntilMs: number;
  /** The next reminder signal of an acknowledged `reminder` alarm whose cause persists (Infinity: none). */
  remindAtMs: number;
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

  /**
   * The audible priority now: highest among alarms not paused and not silenced by their ACK
   * behaviour (an acknowledged `reminder` alarm is silent but for its reminders; ACK pauses a
   * `pause` alarm like SILENCE does; a `none` alarm sounds while its cause persists).
   */
  audio(nowMs: number): AudioPriority {
    let best: AudioPriority = 'off';
    for (const a of this.active) {
      const spec = ALARM_TABLE[a.id];
      if (a.acknowledged && (spec.ack === 'reminder' || !a.causeActive)) continue;
      if (spec.pausable && nowMs < a.pausedUntilMs) continue;
      if (best === 'off' || PRIORITY_RANK[a.priority] > PRIORITY_RANK[best]) best = a.priority;
    }
    return best;
  }

  raise(id: AlarmId, nowMs: number): PumpEvent[] {
    const out: PumpEvent[] = [];
    const existing = this.get(id);
    if (existing) {
      // The cause came back while the latched alarm was still shown: it is live again.
      if (!existing.causeActive || existing.acknowledged) {
        existing.causeActive = true;
        existing.acknowledged = false;
        existing.remindAtMs = Infinity;
        // Live again: it sounds now, whatever pause its earlier ACK or SILENCE gave it.
        existing.pausedUntilMs = -1;
      }
      this.emitAudio(nowMs, out);
      return out;
    }
    const spec = ALARM_TABLE[id];
    this.active.push({ id, priority: spec.priority, raisedAtMs: nowMs, causeActive: true, acknowledged: false, pausedUntilMs: -1, remindAtMs: Infinity });
    out.push({ type: 'ALARM', tMs: nowMs, id, prio: spec.priority, stops: spec.stopsFlow });
    this.emitAudio(nowMs, out);
    return out;
  }

  /** The cause has gone. A non-latching alarm ends; a latching one waits for acknowledgement. */
  clearCause(id: AlarmId, nowMs: number): readonly PumpEvent[] {
    const a = this.get(id);
    if (!a) return NO_EVENTS;
    a.causeActive = false;
    a.remindAtMs = Infinity;
    if (ALARM_TABLE[id].latching && !a.acknowledged) return NO_EVENTS;
    const out: PumpEvent[] = [];
    this.remove(a, nowMs, out);
    return out;
  }

  /**
   * Acknowledge one alarm or all; returns how many were acknowledged. An alarm whose cause has
   * gone ends; one whose cause persists follows its ACK behaviour (alarmTable.ts, AckBehaviour).
   */
  acknowledge(id: AlarmId | undefined, nowMs: number): { n: number; events: PumpEvent[] } {
    const out: PumpEvent[] = [];
    const targets = this.active.filter((a) => (id === undefined || a.id === id) && !a.acknowledged);
    for (const a of targets) {
      a.acknowledged = true;
      if (!a.causeActive) {
        this.remove(a, nowMs, out);
        continue;
      }
      const ack = ALARM_TABLE[a.id].ack;
      if (ack === 'pause') a.pausedUntilMs = Math.max(a.pausedUntilMs, nowMs + AUDIO_PAUSE_MS);
      else if (ack === 'reminder') a.remindAtMs = nowMs + REMINDER_INTERVAL_MS;
    }
    this.emitAudio(nowMs, out);
    return { n: targets.length, events: out };
  }

  /**
   * Pause audio of the pausable alarms active now (IEC 60601-1-8 audio pause); an alarm raised
   * later sounds at once.
   */
  silence(nowMs: number): { untilMs: number; events: PumpEvent[] } {
    const out: PumpEvent[] = [];
    const untilMs = nowMs + AUDIO_PAUSE_MS;
    for (const a of this.active) if (ALARM_TABLE[a.id].pausable) a.pausedUntilMs = untilMs;
    this.emitAudio(nowMs, out);
    return { untilMs, events: out };
  }

  /** Drop every alarm (power off). */
  reset(nowMs: number): PumpEvent[] {
    const out: PumpEvent[] = [];
    for (const a of [...this.active]) this.remove(a, nowMs, out);
    this.emitAudio(nowMs, out);
    return out;
  }

  /** The next instant something changes on its own: an escalation or the end of an audio pause. */
  nextWakeMs(nowMs: number): number {
    let next = Infinity;
    for (const a of this.active) {
      if (a.pausedUntilMs > nowMs) next = Math.min(next, a.pausedUntilMs);
      if (a.remindAtMs < next) next = a.remindAtMs;
      const spec = ALARM_TABLE[a.id];
      if (spec.escalatesTo && spec.escalateAfterMs !== undefined && !a.acknowledged && a.priority !== spec.escalatesTo) {
        next = Math.min(next, a.raisedAtMs + spec.escalateAfterMs);
      }
    }
    return next;
  }

  /** Act on what is due at nowMs. */
  advance(nowMs: number): readonly PumpEvent[] {
    // Nothing active and the audio off: nothing can change (the common case, no allocation).
    if (this.active.length === 0 && this.lastAudio === 'off') return NO_EVENTS;
    const out: PumpEvent[] = [];
    for (const a of this.active) {
      const spec = ALARM_TABLE[a.id];
      // The pause after ACK is over and the cause persists: re-annunciated, to be acknowledged again.
      if (spec.ack === 'pause' && a.acknowledged && a.causeActive && nowMs >= a.pausedUntilMs) a.acknowledged = false;
      if (nowMs >= a.remindAtMs) {
        out.push({ type: 'REMINDER', tMs: nowMs, id: a.id });
        const next = a.remindAtMs + REMINDER_INTERVAL_MS;
        a.remindAtMs = next > nowMs ? next : nowMs + REMINDER_INTERVAL_MS;
      }
      if (spec.escalatesTo && spec.escalateAfterMs !== undefined && !a.acknowledged && a.priority !== spec.escalatesTo && nowMs >= a.raisedAtMs + spec.escalateAfterMs) {
        a.priority = spec.escalatesTo;
        out.push({ type: 'ESCALATE', tMs: nowMs, id: a.id, prio: a.priority });
      }
    }
    this.emitAudio(nowMs, out);
    return out;
  }

  /** Internal steps add to the event list of the public call they serve. */
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
