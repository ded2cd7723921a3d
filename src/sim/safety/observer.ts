/**
 * What the pump invariants keep across steps: the rule ids, a snapshot of what the pump says in
 * public after each step, and the observer that records, from the commands sent to the pump, the
 * program as entered, PCA demands and volume, injected conditions and the integral of the
 * announced rates. The checkers (deliveryRules.ts, limitRules.ts, pcaRules.ts, recordRules.ts,
 * loadServiceAudio.ts) read these; invariants.ts moves them on after every step.
 */
import { ALARM_TABLE, type AlarmId } from '../alarms/alarmTable.js';
import type { PumpCommand, Reply } from '../protocol/commands.js';
import type { Pump } from '../pump/pump.js';
import type { LogEntry } from '../trace/eventLog.js';
import type { PumpEvent, PumpState } from '../trace/events.js';
import { LOAD_SERVICE_AUDIO_RULES, LoadServiceAudioRecord } from './loadServiceAudio.js';

export const RULES = {
  volumeMonotonic: 'volume-monotonic',
  volumeWithinVtbi: 'volume-within-vtbi-plus-kvo',
  accuracy: 'delivery-accuracy',
  hardLimit: 'hard-limit',
  softLimitOverride: 'soft-limit-needs-logged-override',
  noFlowInAlarm: 'no-flow-while-flow-stopping-alarm',
  pcaLockout: 'pca-lockout',
  pcaWindowLimit: 'pca-window-limit',
  latchingAlarm: 'latching-alarm-until-ack',
  logChain: 'log-hash-chain',
  logTime: 'log-time-monotonic',
  errChangesNothing: 'err-changes-nothing',
  ...LOAD_SERVICE_AUDIO_RULES,
  bolusLimit: 'bolus-within-hard-limit',
  rateLimit: 'rate-rounded-within-hard-limits',
} as const;
export type RuleId = (typeof RULES)[keyof typeof RULES];

export interface Violation {
  rule: RuleId;
  detail: string;
}
/** What happened in the step just taken. A direct `advanceTo` is a step with no command. */
export interface StepRecord {
  cmd?: PumpCommand | undefined;
  reply?: Reply | undefined;
  /** Events the caller already took from the pump for this step (then the checker takes none). */
  events?: PumpEvent[] | undefined;
}

/** What the observer keeps of one observation of the pump. */
export interface PumpSnapshot {
  tMs: number;
  state: PumpState;
  nominalMl: number;
  primaryMl: number;
  viMl: number;
  rateMlPerH: number;
  programRateMlPerH: number;
  flowStopping: AlarmId[];
  /** Active latching alarms and whether each is acknowledged. */
  latching: Map<AlarmId, boolean>;
  logLength: number;
  logHead: string;
  logLastTMs: number;
  /** Everything an ERR must leave alone, as text. */
  stateKey: string;
  /** A high-priority alarm is active with its cause present; the audible priority. */
  highCause: boolean;
  audio: string;
}

/** The program as the observer saw it entered (from the PROGRAM command, not from the pump). */
export interface ProgramRecord {
  vtbiMl: number;
  endAction: 'stop' | 'kvo' | 'continue';
  kvoMlPerH: number;
  hasLoad: boolean;
  /** Overrides logged with the command that set the present dose / VTBI. */
  doseOverrideLogged: boolean;
  vtbiOverrideLogged: boolean;
  /** Volume the pump may deliver after the VTBI (KVO or continue), accumulated step by step (mL). */
  afterVtbiAllowanceMl: number;
  pca?: { lockoutMs: number; limitMl: number; windowMs: number; demandMl: number } | undefined;
  /** The library drug the command named, and the weight entered (for doses per kg). */
  drugId?: string | undefined;
  weightKg?: number | undefined;
}

/** Everything the checkers get for one step. */
export interface StepView {
  step: StepRecord;
  prev: PumpSnapshot;
  cur: PumpSnapshot;
  events: PumpEvent[];
  newEntries: LogEntry[];
}

export interface PcaSegment {
  startMs: number;
  endMs: number;
  ml: number;
}

/** Records, across steps, what the invariants need. One per pump; the only consumer of its events. */
export class InvariantObserver {
  last: PumpSnapshot;
  program: ProgramRecord | undefined;
  /** The start time of every granted PCA demand of the present program. */
  demandStarts: number[] = [];
  /** PCA-counted volume per step (a lower bound of the window total: steps with a clinician or loading bolus are left out). */
  pcaSegments: PcaSegment[] = [];
  /** A clinician bolus or a loading dose may be running (it does not count toward the PCA limit). */
  nonPcaBolusActive = false;
  /** Flow-stopping conditions injected and not cleared, as the sensors would still report them. */
  readonly conditions = { doorOpen: false, containerEmpty: false, selfTestFailed: false };
  /** The integral of the rates the pump announced (initial rate and RATE events), and its rounding slack (mL). */
  announcedMl = 0;
  announcedSlackMl = 0;
  steps = 0;
  /** Loaded volume, out of service, audio of high-priority conditions (loadServiceAudio.ts). */
  readonly lsa: LoadServiceAudioRecord;
  /** Verify the whole log every step (else only the new entries, and the whole log on `finalCheck`). */
  readonly fullLogVerify: boolean;

  constructor(pump: Pump, options: { fullLogVerify?: boolean } = {}) {
    this.fullLogVerify = options.fullLogVerify ?? true;
    this.lsa = new LoadServiceAudioRecord(pump.type);
    this.last = snapshot(pump);
    pump.takeEvents();
  }
}

/** Everything an ERR must leave alone, as one string (built by hand: this runs on every step). */
function stateKey(pump: Pump): string {
  const st = pump.status();
  let k = `${st.state}|${st.mode}|${st.drug}|${st.rateMlPerH}|${st.viMl}|${st.vtbiMl}|${st.alarm}|${st.prio}|${st.batteryPercent}|${st.onMains}`;
  for (const a of pump.activeAlarms) k += `|${a.id}:${a.priority}:${a.raisedAtMs}:${a.causeActive}:${a.acknowledged}:${a.pausedUntilMs}`;
  const p = pump.currentProgram;
  if (p) {
    k += `|P${p.mode}:${p.rateMlPerH}:${p.vtbiMl}:${p.endAction}:${p.kvoSetMlPerH}:${p.drug?.entry.id}:${p.drug?.dose}:${p.drug?.weightKg}`;
    k += `:${p.loading?.volumeMl}:${p.loading?.rateMlPerH}:${p.pca?.demandMl}:${p.pca?.lockoutMs}:${p.pca?.limitMl}:${p.pca?.windowMs}`;
  }
  const t = pump.telemetry();
  k += `|T${t.primaryMl}:${t.afterVtbiMl}:${t.motorNominalMl}:${t.storedInLineMl}:${t.largestClearingBolusMl}:${t.pcaWindowMl}:${t.lastDemandStartMs}`;
  return k;
}

export function snapshot(pump: Pump): PumpSnapshot {
  const tel = pump.telemetry();
  const st = pump.status();
  const latching = new Map<AlarmId, boolean>();
  let highCause = false;
  for (const a of pump.activeAlarms) {
    if (ALARM_TABLE[a.id].latching) latching.set(a.id, a.acknowledged);
    if (a.priority === 'high' && a.causeActive) highCause = true;
  }
  const kept = pump.log.all();
  return {
    tMs: pump.nowMs,
    state: pump.state,
    nominalMl: tel.motorNominalMl,
    primaryMl: tel.primaryMl,
    viMl: st.viMl,
    rateMlPerH: pump.currentRateMlPerH(),
    programRateMlPerH: pump.currentProgram?.rateMlPerH ?? 0,
    flowStopping: pump.activeAlarms.filter((a) => ALARM_TABLE[a.id].stopsFlow).map((a) => a.id),
    latching,
    logLength: pump.log.length,
    logHead: pump.log.head,
    logLastTMs: kept.length ? (kept[kept.length - 1]?.tMs ?? 0) : 0,
    stateKey: stateKey(pump),
    highCause,
    audio: pump.audioPriority,
  };
}
