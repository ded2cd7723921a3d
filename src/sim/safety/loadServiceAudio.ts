/**
 * Three invariants of issue 12, kept apart from invariants.ts (which calls them after every step):
 * - delivered never above what was loaded (docs/protocol.md, "What is loaded");
 * - no therapy while out of service (docs/protocol.md, "Out of service");
 * - while a high-priority condition persists, the audio is never off for longer than the audio
 *   pause after the last ACK or SILENCE (docs/protocol.md, "Alarms"; docs/clinical.md).
 * What they keep is worked out from the commands sent, the replies and the events, and the pump
 * type's data, never read back from the pump's private state.
 */
import { ALARM_TABLE, AUDIO_PAUSE_MS, isAlarmId } from '../alarms/alarmTable.js';
import type { PumpCommand, Reply } from '../protocol/commands.js';
import type { PumpType } from '../pump/pumpTypes.js';
import type { PumpEvent, PumpState } from '../trace/events.js';

export const LOAD_SERVICE_AUDIO_RULES = {
  withinLoaded: 'delivered-within-loaded',
  noTherapyOutOfService: 'no-therapy-out-of-service',
  highAlarmAudible: 'high-alarm-not-silent-beyond-pause',
} as const;
export type LoadServiceAudioRule = (typeof LOAD_SERVICE_AUDIO_RULES)[keyof typeof LOAD_SERVICE_AUDIO_RULES];

/** Slack on the audio pause: wakes land on whole milliseconds. */
const AUDIO_SLACK_MS = 1;
const EPS_ML = 1e-6;

/** The part of a snapshot these checks read. */
export interface LsaSnapshot {
  tMs: number;
  state: PumpState;
  nominalMl: number;
  viMl: number;
  rateMlPerH: number;
  /** A high-priority alarm is active with its cause present. */
  highCause: boolean;
  audio: string;
}

export interface LsaStep {
  cmd?: PumpCommand | undefined;
  reply?: Reply | undefined;
  events: readonly PumpEvent[];
  prev: LsaSnapshot;
  cur: LsaSnapshot;
}

export interface LsaViolation {
  rule: LoadServiceAudioRule;
  detail: string;
}

/** What these checks remember from step to step. */
export class LoadServiceAudioRecord {
  /** Volume of one container of the present program and all loaded since it was entered (mL). */
  containerMl = Infinity;
  loadedMl = Infinity;
  /** An empty container was reported (INJECT) or alarmed and not yet replaced. */
  emptySeen = false;
  /** A self-test failed and no power-on self-test has passed since. */
  outOfService = false;
  selfTestFault = false;
  /** Since when a persisting high-priority condition has had no high-priority audio. */
  silentSinceMs: number | undefined;

  constructor(private readonly type: PumpType) {}

  /** The volume a PROGRAM loads, from the command and the type data (docs/protocol.md, "What is loaded"). */
  private programLoadMl(c: Extract<PumpCommand, { cmd: 'PROGRAM' }>): number {
    const syr = this.type.container.syringe;
    if (syr) return c.containerMl ?? c.syringeMl ?? syr.defaultSizeMl;
    return c.containerMl ?? Infinity;
  }

  /** Check one step, then move on. */
  step(s: LsaStep): LsaViolation[] {
    const out: LsaViolation[] = [];
    const { cmd: c, reply, events, prev, cur } = s;
    const okCmd = reply?.ok === true ? c : undefined;

    // What is loaded.
    if (okCmd?.cmd === 'PROGRAM') {
      this.containerMl = this.programLoadMl(okCmd);
      this.loadedMl = this.containerMl;
    }
    if (okCmd?.cmd === 'INJECT' && okCmd.input.sensor === 'container') {
      if (okCmd.input.value === 'empty') this.emptySeen = true;
      else if (this.emptySeen) {
        this.loadedMl += this.containerMl;
        this.emptySeen = false;
      }
    }
    for (const e of events) if (e.type === 'ALARM' && e.id === 'CONTAINER_EMPTY') this.emptySeen = true;
    if (cur.viMl > this.loadedMl + EPS_ML) {
      out.push({ rule: LOAD_SERVICE_AUDIO_RULES.withinLoaded, detail: `vi=${cur.viMl} mL is above what was loaded since the program was entered, ${this.loadedMl} mL (containers of ${this.containerMl} mL)` });
    }

    // Out of service: no motion during a step that began out of service, no rate at its end.
    const moved = cur.nominalMl - prev.nominalMl;
    if (this.outOfService && moved > 1e-12) {
      out.push({ rule: LOAD_SERVICE_AUDIO_RULES.noTherapyOutOfService, detail: `${moved} mL moved from t=${prev.tMs} to t=${cur.tMs} while out of service (a self-test failed, no passing power-on self-test since)` });
    }
    if (okCmd?.cmd === 'INJECT' && okCmd.input.sensor === 'selftest') {
      this.selfTestFault = okCmd.input.value === 'fail';
      if (this.selfTestFault) this.outOfService = true;
    }
    let lastState = prev.state;
    for (const e of events) {
      if (e.type !== 'STATE') continue;
      // Coming up from OFF runs the power-on self-test.
      if (lastState === 'OFF' && e.state !== 'OFF' && !this.selfTestFault) this.outOfService = false;
      lastState = e.state;
    }
    if (this.outOfService && cur.rateMlPerH > 0) {
      out.push({ rule: LOAD_SERVICE_AUDIO_RULES.noTherapyOutOfService, detail: `rate ${cur.rateMlPerH} mL/h at t=${cur.tMs} while out of service (state ${cur.state})` });
    }

    // Audio while a high-priority condition persists (exempt while the pump is off).
    let since = this.silentSinceMs;
    let high = prev.highCause && prev.state !== 'OFF';
    let audible = prev.audio === 'high';
    const close = (tMs: number): void => {
      if (since !== undefined && tMs - since > AUDIO_PAUSE_MS + AUDIO_SLACK_MS) {
        out.push({ rule: LOAD_SERVICE_AUDIO_RULES.highAlarmAudible, detail: `a high-priority condition persisted with no high-priority audio from t=${since} to t=${tMs} (pause ${AUDIO_PAUSE_MS} ms)` });
        since = undefined;
      }
    };
    for (const e of events) {
      close(e.tMs);
      if (e.type === 'AUDIO') audible = e.prio === 'high';
      else if ((e.type === 'ALARM' || e.type === 'ESCALATE') && e.prio === 'high') high = true;
      else if (e.type === 'STATE') high = high && e.state !== 'OFF';
      since = high && !audible ? (since ?? e.tMs) : undefined;
    }
    close(cur.tMs);
    high = cur.highCause && cur.state !== 'OFF';
    audible = cur.audio === 'high';
    // A person silenced it: SILENCE, or ACK of all alarms or of a high-priority one.
    const operator = okCmd?.cmd === 'SILENCE' || (okCmd?.cmd === 'ACK' && (okCmd.alarm === undefined || (isAlarmId(okCmd.alarm) && ALARM_TABLE[okCmd.alarm].priority === 'high')));
    this.silentSinceMs = high && !audible ? (operator ? cur.tMs : (since ?? cur.tMs)) : undefined;
    return out;
  }
}
