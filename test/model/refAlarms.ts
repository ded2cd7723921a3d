/**
 * The reference pump's alarm list, from docs/protocol.md ("Alarms", `ACK`, `SILENCE`) and
 * IEC 60601-1-8 as docs/clinical.md#alarms summarises it: a latching alarm stays until acknowledged, a
 * non-latching one ends with its cause; the highest unpaused priority drives the audio; SILENCE
 * pauses the alarms that may be paused for 120 s. An ACK of an alarm whose cause persists does
 * what its "on ACK" column says (issue 12, item 5): `pause` pauses its audio for 120 s, after
 * which it sounds again and is unacknowledged again; `reminder` stops its audio (the REMINDER
 * events are not compared); `none` leaves the audio on while the cause persists.
 */
import { AUDIO_PAUSE_MS, REF_ALARMS, type RefAlarmId, type RefPriority } from './alarmSpec.js';

export interface RefAlarm {
  id: RefAlarmId;
  cause: boolean;
  acked: boolean;
  ackedAtMs: number;
  pausedUntilMs: number;
}

export class RefAlarmList {
  private readonly list = new Map<RefAlarmId, RefAlarm>();

  ids(): RefAlarmId[] {
    return [...this.list.keys()];
  }

  has(id: RefAlarmId): boolean {
    return this.list.has(id);
  }

  get(id: RefAlarmId): Readonly<RefAlarm> | undefined {
    return this.list.get(id);
  }

  /** A cause starts (or an instantaneous one, such as a bubble, happens: cause then ends). */
  raise(id: RefAlarmId, momentary = false): void {
    const a = this.list.get(id);
    if (a) {
      // A new occurrence of a present alarm (the sensor reports it again) asks for attention again:
      // unacknowledged, and its audio pause (SILENCE) ends, unless it is a repeat report of a
      // cause still present and not yet acknowledged (nothing new to announce). The protocol page
      // does not say; this is the reading the reference takes (and today's pump's).
      if (momentary || !a.cause || a.acked) a.pausedUntilMs = -1;
      if (!momentary) a.cause = true;
      a.acked = false;
      return;
    }
    this.list.set(id, { id, cause: !momentary, acked: false, ackedAtMs: -1, pausedUntilMs: -1 });
  }

  /** The cause ends: a non-latching alarm ends; a latching one ends if already acknowledged. */
  causeGone(id: RefAlarmId): void {
    const a = this.list.get(id);
    if (!a) return;
    a.cause = false;
    if (!REF_ALARMS[id].latching || a.acked) this.list.delete(id);
  }

  /** ACK one or all; returns the count newly acknowledged, or undefined if `id` is not active. */
  ack(id: RefAlarmId | undefined, nowMs: number): number | undefined {
    if (id !== undefined && !this.list.has(id)) return undefined;
    let n = 0;
    for (const a of [...this.list.values()]) {
      if (id !== undefined && a.id !== id) continue;
      // An ACK of an alarm already acknowledged changes nothing (it is not counted in `n` either):
      // the pause runs from the ACK that acknowledged it.
      if (!a.acked) {
        n++;
        a.acked = true;
        a.ackedAtMs = nowMs;
      }
      if (!a.cause && REF_ALARMS[a.id].latching) this.list.delete(a.id);
    }
    return n;
  }

  /**
   * Before each command: an alarm acknowledged with `pause` whose cause persisted through the
   * 120 s is unacknowledged again ("a further ACK pauses it again"; a latching one then needs it).
   */
  reannunciate(nowMs: number): void {
    for (const a of this.list.values()) {
      if (a.acked && a.cause && REF_ALARMS[a.id].onAck === 'pause' && nowMs >= a.ackedAtMs + AUDIO_PAUSE_MS) a.acked = false;
    }
  }

  /** SILENCE: pause the audio of every present alarm that may be paused. */
  silence(nowMs: number): number {
    const until = nowMs + AUDIO_PAUSE_MS;
    for (const a of this.list.values()) if (REF_ALARMS[a.id].mayBePaused) a.pausedUntilMs = until;
    return until;
  }

  anyStopsFlow(): RefAlarmId | undefined {
    for (const a of this.list.values()) if (REF_ALARMS[a.id].stopsFlow) return a.id;
    return undefined;
  }

  /** Does this alarm sound at `nowMs`? */
  sounds(a: RefAlarm, nowMs: number): boolean {
    if (a.pausedUntilMs > nowMs) return false;
    if (!a.acked) return true;
    const onAck = REF_ALARMS[a.id].onAck;
    // Issue 12 item 5: `none` sounds on while the cause persists; `pause` returns after 120 s.
    if (onAck === 'none') return a.cause;
    return onAck === 'pause' && a.cause && nowMs >= a.ackedAtMs + AUDIO_PAUSE_MS;
  }

  /** The instants after `nowMs` at which the audio may change by itself (ends of pauses). */
  audioChangesAfter(nowMs: number): number[] {
    const out: number[] = [];
    for (const a of this.list.values()) {
      if (a.pausedUntilMs > nowMs) out.push(a.pausedUntilMs);
      if (a.acked && REF_ALARMS[a.id].onAck === 'pause' && a.ackedAtMs + AUDIO_PAUSE_MS > nowMs) out.push(a.ackedAtMs + AUDIO_PAUSE_MS);
    }
    return out;
  }

  /** Is a high-priority alarm sounding (the signal the suite compares)? */
  highSounding(nowMs: number): boolean {
    for (const a of this.list.values()) if (REF_ALARMS[a.id].priority === 'high' && this.sounds(a, nowMs)) return true;
    return false;
  }

  topSoundingPriority(nowMs: number): RefPriority | 'off' {
    let best: RefPriority | 'off' = 'off';
    const rank = { off: 0, low: 1, medium: 2, high: 3 };
    for (const a of this.list.values()) {
      const p = REF_ALARMS[a.id].priority;
      if (this.sounds(a, nowMs) && rank[p] > rank[best]) best = p;
    }
    return best;
  }
}
