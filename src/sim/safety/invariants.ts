/**
 * Safety invariants of a pump, as pure checkers. The model-based property tests check them after
 * every step; the scenario harness may check them too. Nothing here depends on a test framework.
 *
 * Use: make one `InvariantObserver` per pump right after creating it (it must be the only caller
 * of `pump.takeEvents()`), then after every step (one command, or one direct `advanceTo`) call
 * `checkPumpInvariants(pump, observer, { cmd, reply })`. It returns the violations of that step
 * (empty when all is well) and moves the observer on.
 *
 * The checks lean on what the pump says in public (replies, events, the log, status, telemetry)
 * and on what the observer saw sent to it (the commands), not on the pump's private state, so a
 * broken pump cannot vouch for itself.
 */
import { ALARM_TABLE, type AlarmId } from '../alarms/alarmTable.js';
import { mlPerHToDoseRate } from '../dosing/doseUnits.js';
import type { DrugEntry, Limits } from '../druglib/schema.js';
import type { PumpCommand, Reply } from '../protocol/commands.js';
import type { Pump } from '../pump/pump.js';
import { verifyChain, type LogEntry } from '../trace/eventLog.js';
import { LOAD_SERVICE_AUDIO_RULES, LoadServiceAudioRecord } from './loadServiceAudio.js';
import type { PumpEvent, PumpState } from '../trace/events.js';

const MS_PER_H = 3_600_000;
/** Float slack for volumes (mL). */
const EPS_ML = 1e-6;
/** Relative slack for limit comparisons (the pump's own is 1e-9; a little more for the re-computation). */
const LIMIT_REL_EPS = 1e-7;

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
  /** The checker takes the pump's events; when given, they are also appended here for the caller. */
  sink?: PumpEvent[] | undefined;
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
  pca?: { lockoutMs: number; limitMl: number; windowMs: number } | undefined;
}

/** Everything the checkers get for one step. */
export interface StepView {
  step: StepRecord;
  prev: PumpSnapshot;
  cur: PumpSnapshot;
  events: PumpEvent[];
  newEntries: LogEntry[];
}

interface PcaSegment {
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

const ok = (step: StepRecord, cmd: PumpCommand['cmd']): boolean => step.cmd?.cmd === cmd && step.reply?.ok === true;
const fmt = (n: number): string => (Math.abs(n) >= 1e-3 || n === 0 ? String(Math.round(n * 1e6) / 1e6) : n.toExponential(3));

function overridesIn(entries: readonly LogEntry[]): Set<string> {
  const out = new Set<string>();
  for (const e of entries) {
    const m = /^! OVERRIDE t=\d+ what=(\w+)/.exec(e.text);
    if (m?.[1]) out.add(m[1]);
  }
  return out;
}

type Verdict = 'within' | 'soft' | 'hard';

/** Where a value stands against four limits; written here again so a broken pump check cannot hide. */
export function limitVerdict(value: number, limits: Limits | undefined): Verdict {
  if (!limits) return 'within';
  const above = (l: number | undefined): boolean => l !== undefined && value > l * (1 + LIMIT_REL_EPS);
  const below = (l: number | undefined): boolean => l !== undefined && value < l * (1 - LIMIT_REL_EPS);
  if (above(limits.upperHard) || below(limits.lowerHard)) return 'hard';
  if (above(limits.upperSoft) || below(limits.lowerSoft)) return 'soft';
  return 'within';
}

const flowing = (s: PumpState): boolean => s === 'RUNNING' || s === 'KVO';

// ------------------------------------------------------------------ the checkers

/** Delivered volume never decreases (a new program starts the count again at 0; STOP clears it with the program). */
export function checkVolumeMonotonic(v: StepView): Violation[] {
  const out: Violation[] = [];
  const { prev, cur, step } = v;
  if (cur.nominalMl < prev.nominalMl - 1e-12) out.push({ rule: RULES.volumeMonotonic, detail: `motor volume went down: ${fmt(prev.nominalMl)} -> ${fmt(cur.nominalMl)} mL` });
  if (ok(step, 'PROGRAM') || ok(step, 'STOP')) {
    if (cur.viMl !== 0) out.push({ rule: RULES.volumeMonotonic, detail: `${step.cmd?.cmd === 'STOP' ? 'after STOP' : 'a new program starts at'} vi=${fmt(cur.viMl)} mL, not 0` });
  } else if (cur.viMl < prev.viMl - 1e-12) {
    out.push({ rule: RULES.volumeMonotonic, detail: `vi went down: ${fmt(prev.viMl)} -> ${fmt(cur.viMl)} mL (step: ${step.cmd?.cmd ?? 'advanceTo'})` });
  }
  return out;
}

/** Delivered volume never exceeds the VTBI entered plus what KVO (or `end=continue`) may add after it. */
export function checkVolumeWithinVtbi(v: StepView, o: InvariantObserver): Violation[] {
  const p = o.program;
  if (!p) return [];
  const bound = p.vtbiMl + p.afterVtbiAllowanceMl + EPS_ML;
  if (v.cur.viMl > bound) {
    return [{ rule: RULES.volumeWithinVtbi, detail: `vi=${fmt(v.cur.viMl)} mL is above vtbi=${fmt(p.vtbiMl)} + after-VTBI allowance ${fmt(p.afterVtbiAllowanceMl)} mL (end=${p.endAction})` }];
  }
  if (v.cur.primaryMl > p.vtbiMl + EPS_ML) return [{ rule: RULES.volumeWithinVtbi, detail: `volume counted toward the VTBI ${fmt(v.cur.primaryMl)} mL is above vtbi=${fmt(p.vtbiMl)} mL` }];
  return [];
}

/**
 * Delivery stays within the configured accuracy of the programmed integral: the motor moved the
 * integral of the rates the pump announced (to within the 1 ms rounding of each change), and the
 * mechanism's output is within the type's tolerance of that motion.
 */
export function checkAccuracy(pump: Pump, v: StepView, o: InvariantObserver): Violation[] {
  const out: Violation[] = [];
  const tel = pump.telemetry();
  const errMl = Math.abs(tel.mechanismOutputMl - tel.motorNominalMl);
  const tol = pump.mechanismToleranceMl(tel.motorNominalMl);
  if (!(errMl <= tol + 1e-12)) out.push({ rule: RULES.accuracy, detail: `mechanism output ${fmt(tel.mechanismOutputMl)} mL vs commanded ${fmt(tel.motorNominalMl)} mL: error ${fmt(errMl)} > tolerance ${fmt(tol)} mL` });
  const hi = o.announcedMl * (1 + 1e-9) + 1e-9;
  const lo = o.announcedMl - o.announcedSlackMl - 1e-9;
  if (tel.motorNominalMl > hi || tel.motorNominalMl < lo) {
    out.push({ rule: RULES.accuracy, detail: `motor moved ${fmt(tel.motorNominalMl)} mL but the announced rates integrate to ${fmt(o.announcedMl)} mL (slack ${fmt(o.announcedSlackMl)} mL) at t=${v.cur.tMs}` });
  }
  const errProg = Math.abs(tel.mechanismOutputMl - o.announcedMl);
  const tolProg = pump.mechanismToleranceMl(o.announcedMl) + o.announcedSlackMl + 1e-9;
  if (!(errProg <= tolProg)) out.push({ rule: RULES.accuracy, detail: `mechanism output ${fmt(tel.mechanismOutputMl)} mL is ${fmt(errProg)} mL from the programmed integral ${fmt(o.announcedMl)} mL (tolerance ${fmt(tolProg)})` });
  return out;
}

/** The limits in force for a drug: the selected care area's entry for it (else the entry programmed). */
function entryInForce(pump: Pump, entry: DrugEntry): { entry: DrugEntry; inArea: boolean } {
  const areaEntry = pump.careArea?.drugs.find((d) => d.id === entry.id);
  return areaEntry ? { entry: areaEntry, inArea: true } : { entry, inArea: false };
}

/** The dose the running program's rate really delivers, in the drug's unit (re-derived from the rate). */
function deliveredDose(pump: Pump): number | undefined {
  const p = pump.currentProgram;
  const d = p?.drug;
  if (!p || !d) return undefined;
  try {
    return mlPerHToDoseRate(p.rateMlPerH, d.unit, d.conc, { weightKg: d.weightKg });
  } catch {
    return undefined;
  }
}

/** No program outside a hard limit ever runs; no bolus or loading dose outside a hard limit is accepted. */
export function checkHardLimits(pump: Pump, v: StepView): Violation[] {
  const out: Violation[] = [];
  const p = pump.currentProgram;
  if (p?.drug && flowing(v.cur.state)) {
    const d = p.drug;
    const { entry, inArea } = entryInForce(pump, d.entry);
    if (pump.careArea && !inArea) out.push({ rule: RULES.hardLimit, detail: `drug ${d.entry.id} runs but is not in the selected care area ${pump.careArea.id}` });
    const dose = deliveredDose(pump);
    for (const [label, value] of [['programmed dose', d.dose], ['dose delivered by the rate', dose]] as const) {
      if (value === undefined) continue;
      for (const e of [d.entry, entry]) {
        if (limitVerdict(value, e.limits.doseRate) === 'hard') {
          out.push({ rule: RULES.hardLimit, detail: `${label} ${fmt(value)} ${e.doseUnit} of ${e.id} is outside the hard limits ${JSON.stringify(e.limits.doseRate)} and runs (${v.cur.state})` });
          break;
        }
      }
    }
    if (limitVerdict(p.vtbiMl, entry.limits.vtbiMl) === 'hard') out.push({ rule: RULES.hardLimit, detail: `vtbi ${fmt(p.vtbiMl)} mL of ${entry.id} is outside the hard limits and runs` });
  }
  const c = v.step.cmd;
  if (c?.cmd === 'BOLUS' && c.dose !== undefined && v.step.reply?.ok && p?.drug) {
    const { entry } = entryInForce(pump, p.drug.entry);
    if (limitVerdict(c.dose, entry.limits.bolusDose) === 'hard') out.push({ rule: RULES.hardLimit, detail: `bolus dose ${fmt(c.dose)} of ${entry.id} is outside the hard limits but was accepted` });
  }
  if (c?.cmd === 'PROGRAM' && c.drugId !== undefined && c.load !== undefined && v.step.reply?.ok && p?.drug) {
    if (limitVerdict(c.load, p.drug.entry.limits.bolusDose) === 'hard') out.push({ rule: RULES.hardLimit, detail: `loading dose ${fmt(c.load)} of ${p.drug.entry.id} is outside the hard limits but was accepted` });
  }
  return out;
}

/** A soft-limit breach runs only after an override logged with the command that set it. */
export function checkSoftLimitOverride(pump: Pump, v: StepView, o: InvariantObserver): Violation[] {
  const out: Violation[] = [];
  const p = pump.currentProgram;
  const rec = o.program;
  if (p?.drug && rec && flowing(v.cur.state)) {
    const { entry } = entryInForce(pump, p.drug.entry);
    const dose = deliveredDose(pump) ?? p.drug.dose;
    if (limitVerdict(dose, entry.limits.doseRate) === 'soft' && !rec.doseOverrideLogged) {
      out.push({ rule: RULES.softLimitOverride, detail: `dose ${fmt(dose)} ${entry.doseUnit} of ${entry.id} is beyond a soft limit ${JSON.stringify(entry.limits.doseRate)} and runs with no logged OVERRIDE what=dose` });
    }
    if (limitVerdict(p.vtbiMl, entry.limits.vtbiMl) === 'soft' && !rec.vtbiOverrideLogged) {
      out.push({ rule: RULES.softLimitOverride, detail: `vtbi ${fmt(p.vtbiMl)} mL of ${entry.id} is beyond a soft limit and runs with no logged OVERRIDE what=vtbi` });
    }
  }
  const c = v.step.cmd;
  const logged = overridesIn(v.newEntries);
  if (c?.cmd === 'BOLUS' && c.dose !== undefined && v.step.reply?.ok && p?.drug) {
    const { entry } = entryInForce(pump, p.drug.entry);
    if (limitVerdict(c.dose, entry.limits.bolusDose) === 'soft' && !logged.has('bolus')) out.push({ rule: RULES.softLimitOverride, detail: `bolus dose ${fmt(c.dose)} of ${entry.id} beyond a soft limit was accepted with no logged OVERRIDE what=bolus` });
  }
  if (c?.cmd === 'PROGRAM' && c.drugId !== undefined && c.load !== undefined && v.step.reply?.ok && p?.drug) {
    if (limitVerdict(c.load, p.drug.entry.limits.bolusDose) === 'soft' && !logged.has('bolus')) out.push({ rule: RULES.softLimitOverride, detail: `loading dose ${fmt(c.load)} beyond a soft limit was accepted with no logged OVERRIDE what=bolus` });
  }
  return out;
}

/**
 * No flow while a flow-stopping alarm is active: the rate is 0 now, and no volume moved during a
 * step that began with one. Nor while a flow-stopping condition (door open, container empty,
 * self-test failed) that was injected is still present, alarm or not.
 */
export function checkNoFlowInAlarm(pump: Pump, v: StepView, conditionsAtStart: InvariantObserver['conditions']): Violation[] {
  const out: Violation[] = [];
  const stopping = pump.activeAlarms.filter((a) => ALARM_TABLE[a.id].stopsFlow);
  const rate = pump.currentRateMlPerH();
  if (stopping.length > 0 && rate !== 0) out.push({ rule: RULES.noFlowInAlarm, detail: `rate ${fmt(rate)} mL/h with ${stopping.map((a) => a.id).join(',')} active (state ${v.cur.state})` });
  const moved = v.cur.nominalMl - v.prev.nominalMl;
  if (v.prev.flowStopping.length > 0 && moved > 1e-12) {
    out.push({ rule: RULES.noFlowInAlarm, detail: `${fmt(moved)} mL moved from t=${v.prev.tMs} to t=${v.cur.tMs} while ${v.prev.flowStopping.join(',')} was active` });
  }
  const present = Object.entries(conditionsAtStart).filter(([, on]) => on).map(([k]) => k);
  if (present.length > 0 && moved > 1e-12) {
    out.push({ rule: RULES.noFlowInAlarm, detail: `${fmt(moved)} mL moved from t=${v.prev.tMs} to t=${v.cur.tMs} while ${present.join(',')} (injected, not cleared); active alarms: ${pump.activeAlarms.map((a) => a.id).join(',') || 'none'}` });
  }
  return out;
}

/** PCA never doses inside the lockout. */
export function checkPcaLockout(v: StepView, o: InvariantObserver): Violation[] {
  const pca = o.program?.pca;
  if (!pca || !ok(v.step, 'DEMAND')) return [];
  const prevStart = o.demandStarts[o.demandStarts.length - 1];
  if (prevStart !== undefined && v.cur.tMs - prevStart < pca.lockoutMs) {
    return [{ rule: RULES.pcaLockout, detail: `demand granted at t=${v.cur.tMs}, ${v.cur.tMs - prevStart} ms after the one at t=${prevStart}; lockout is ${pca.lockoutMs} ms` }];
  }
  return [];
}

/** A lower bound of the PCA volume in the window ending at `nowMs`, from the observer's own record. */
export function pcaWindowLowerBoundMl(o: InvariantObserver, nowMs: number): number {
  const pca = o.program?.pca;
  if (!pca) return 0;
  let ml = 0;
  for (const s of o.pcaSegments) if (s.startMs >= nowMs - pca.windowMs) ml += s.ml;
  return ml;
}

/** PCA never doses beyond its window limit (the pump's own count, and the observer's lower bound). */
export function checkPcaWindowLimit(pump: Pump, v: StepView, o: InvariantObserver): Violation[] {
  const pca = o.program?.pca;
  if (!pca || !pump.currentProgram?.pca) return [];
  const out: Violation[] = [];
  const tel = pump.telemetry();
  if (tel.pcaWindowMl > pca.limitMl + EPS_ML) out.push({ rule: RULES.pcaWindowLimit, detail: `pump counts ${fmt(tel.pcaWindowMl)} mL in the window, limit ${fmt(pca.limitMl)} mL` });
  const lb = pcaWindowLowerBoundMl(o, v.cur.tMs);
  if (lb > pca.limitMl + EPS_ML) out.push({ rule: RULES.pcaWindowLimit, detail: `at least ${fmt(lb)} mL of basal and demand delivered in the ${pca.windowMs / MS_PER_H} h window ending t=${v.cur.tMs}; limit ${fmt(pca.limitMl)} mL` });
  if (ok(v.step, 'DEMAND') && pcaWindowLowerBoundMl(o, v.prev.tMs) >= pca.limitMl - EPS_ML) {
    out.push({ rule: RULES.pcaWindowLimit, detail: `demand granted at t=${v.cur.tMs} with the window already at its limit` });
  }
  return out;
}

/** A latching alarm stays until acknowledged (a power cycle does not end it either). */
export function checkLatchingAlarms(v: StepView): Violation[] {
  const out: Violation[] = [];
  const c = v.step.cmd;
  const ackAll = c?.cmd === 'ACK' && v.step.reply?.ok === true ? (c.alarm ?? '*') : undefined;
  const acked = (id: AlarmId, wasAcked: boolean): boolean => wasAcked || ackAll === '*' || ackAll === id;
  // Gone between observations.
  for (const [id, wasAcked] of v.prev.latching) {
    if (!v.cur.latching.has(id) && !acked(id, wasAcked)) out.push({ rule: RULES.latchingAlarm, detail: `latching alarm ${id} ended at t=${v.cur.tMs} without an acknowledgement (step: ${c?.cmd ?? 'advanceTo'})` });
  }
  // Raised and ended inside the step.
  const raisedHere = new Set<AlarmId>();
  for (const e of v.events) {
    if (e.type === 'ALARM' && ALARM_TABLE[e.id].latching) raisedHere.add(e.id);
    if (e.type === 'ALARM_END' && raisedHere.has(e.id) && !v.prev.latching.has(e.id) && !acked(e.id, false)) {
      out.push({ rule: RULES.latchingAlarm, detail: `latching alarm ${e.id} was raised and ended at t=${e.tMs} without an acknowledgement` });
    }
  }
  return out;
}

/** The log's hash chain verifies, it only grows, and its timestamps never go back. */
export function checkLog(pump: Pump, v: StepView, o: InvariantObserver): Violation[] {
  const out: Violation[] = [];
  const { prev, cur } = v;
  if (cur.logLength < prev.logLength) out.push({ rule: RULES.logChain, detail: `log shrank from ${prev.logLength} to ${cur.logLength} entries` });
  const first = v.newEntries[0];
  if (v.newEntries.length > 0 && verifyChain(v.newEntries, prev.logHead) !== -1) out.push({ rule: RULES.logChain, detail: `new entries from seq ${first?.seq} do not chain from the previous head ${prev.logHead.slice(0, 16)}` });
  if (v.newEntries.length > 0 && first?.seq !== prev.logLength) out.push({ rule: RULES.logChain, detail: `new entries start at seq ${first?.seq}, expected ${prev.logLength}` });
  if (cur.logLength === prev.logLength && cur.logHead !== prev.logHead) out.push({ rule: RULES.logChain, detail: 'log head changed with no new entry' });
  if (o.fullLogVerify) {
    const bad = pump.log.verify();
    if (bad !== -1) out.push({ rule: RULES.logChain, detail: `log.verify() fails at seq ${bad}` });
  }
  let t = prev.logLastTMs;
  for (const e of v.newEntries) {
    if (e.tMs < t) out.push({ rule: RULES.logTime, detail: `log entry ${e.seq} at t=${e.tMs} is before the previous one at t=${t}: ${e.text}` });
    if (e.tMs > cur.tMs) out.push({ rule: RULES.logTime, detail: `log entry ${e.seq} at t=${e.tMs} is after the pump's time ${cur.tMs}` });
    t = Math.max(t, e.tMs);
  }
  for (const e of v.events) if (e.tMs < prev.tMs || e.tMs > cur.tMs) out.push({ rule: RULES.logTime, detail: `event ${e.type} at t=${e.tMs} is outside the step [${prev.tMs}, ${cur.tMs}]` });
  if (cur.tMs < prev.tMs) out.push({ rule: RULES.logTime, detail: `pump time went back: ${prev.tMs} -> ${cur.tMs}` });
  return out;
}

/** A request answered ERR changes nothing (status, alarms, program, counters). */
export function checkErrChangesNothing(v: StepView): Violation[] {
  if (!v.step.reply || v.step.reply.ok) return [];
  if (v.cur.stateKey !== v.prev.stateKey) {
    return [{ rule: RULES.errChangesNothing, detail: `${v.step.cmd?.cmd ?? '?'} got ERR ${v.step.reply.code} but changed the pump:\n  before ${v.prev.stateKey}\n  after  ${v.cur.stateKey}` }];
  }
  return [];
}

// ------------------------------------------------------------------ the step

function newLogEntries(pump: Pump, fromSeq: number): LogEntry[] {
  const kept = pump.log.all();
  const out: LogEntry[] = [];
  for (let i = kept.length - 1; i >= 0; i--) {
    const e = kept[i];
    if (!e || e.seq < fromSeq) break;
    out.push(e);
  }
  return out.reverse();
}

/** Check every invariant after one step and move the observer on. Returns the violations (empty if none). */
export function checkPumpInvariants(pump: Pump, o: InvariantObserver, step: StepRecord = {}): Violation[] {
  const prev = o.last;
  const cur = snapshot(pump);
  const events = step.events ?? pump.takeEvents();
  if (step.sink) step.sink.push(...events);
  const newEntries = newLogEntries(pump, prev.logLength);
  const v: StepView = { step, prev, cur, events, newEntries };
  const c = step.cmd;
  const conditionsAtStart = { ...o.conditions };

  // Integral of the announced rates over the step (piecewise constant between RATE events).
  const announcedBefore = o.announcedMl;
  let rate = prev.rateMlPerH;
  let t = prev.tMs;
  let maxRate = rate;
  let changes = 0;
  for (const e of events) {
    if (e.type === 'RATE') {
      o.announcedMl += (rate * Math.max(0, e.tMs - t)) / MS_PER_H;
      rate = e.rateMlPerH;
      t = Math.max(t, e.tMs);
      maxRate = Math.max(maxRate, rate);
    }
    if (e.type === 'RATE' || e.type === 'STATE' || e.type === 'BOLUS_END' || e.type === 'VTBI_DONE') changes++;
  }
  o.announcedMl += (rate * Math.max(0, cur.tMs - t)) / MS_PER_H;
  // Each change may land up to 1 ms late (wakes are whole ms, the overrun is cut); a PCA window at
  // its limit cuts every wake by up to 1 ms too, which is 1e-5 of the volume at most.
  if (cur.tMs > prev.tMs) o.announcedSlackMl += ((changes + 1) * maxRate) / MS_PER_H + 1e-5 * (o.announcedMl - announcedBefore);

  // The program as entered.
  if (ok(step, 'PROGRAM') && c?.cmd === 'PROGRAM') {
    const logged = overridesIn(newEntries);
    o.program = {
      vtbiMl: c.vtbiMl ?? 0,
      endAction: c.endAction ?? 'kvo',
      kvoMlPerH: c.kvoMlPerH ?? pump.type.defaultKvoMlPerH,
      hasLoad: c.load !== undefined,
      doseOverrideLogged: logged.has('dose'),
      vtbiOverrideLogged: logged.has('vtbi'),
      afterVtbiAllowanceMl: 0,
      pca:
        c.mode === 'pca' && c.lockoutMin !== undefined && c.limitMl !== undefined && c.windowH !== undefined
          ? { lockoutMs: c.lockoutMin * 60_000, limitMl: c.limitMl, windowMs: c.windowH * MS_PER_H }
          : undefined,
    };
    o.demandStarts = [];
    o.pcaSegments = [];
    o.nonPcaBolusActive = false;
  }
  if (ok(step, 'TITRATE') && o.program) o.program.doseOverrideLogged = overridesIn(newEntries).has('dose');

  // Volume allowed after the VTBI (KVO at most the KVO rate and never above the programmed rate; continue at the programmed rate).
  const p = o.program;
  if (p && cur.tMs > prev.tMs && cur.primaryMl >= p.vtbiMl - EPS_ML) {
    const afterRate = p.endAction === 'stop' ? 0 : p.endAction === 'kvo' ? Math.min(p.kvoMlPerH, prev.programRateMlPerH) : prev.programRateMlPerH;
    o.program = { ...p, afterVtbiAllowanceMl: p.afterVtbiAllowanceMl + (afterRate * (cur.tMs - prev.tMs)) / MS_PER_H };
  }

  // PCA volume record: a step with no clinician or loading bolus counts all its VTBI volume.
  let bolusDuringStep = o.nonPcaBolusActive;
  if (ok(step, 'BOLUS') || (ok(step, 'START') && o.program?.hasLoad)) {
    o.nonPcaBolusActive = true;
    bolusDuringStep = true;
  }
  for (const e of events) if (e.type === 'BOLUS_END' && e.kind !== 'demand') o.nonPcaBolusActive = false;
  const dPrimary = ok(step, 'PROGRAM') ? 0 : cur.primaryMl - prev.primaryMl;
  if (o.program?.pca && !bolusDuringStep && dPrimary > 0) o.pcaSegments.push({ startMs: prev.tMs, endMs: cur.tMs, ml: dPrimary });

  const violations = [
    ...checkVolumeMonotonic(v),
    ...checkVolumeWithinVtbi(v, o),
    ...checkAccuracy(pump, v, o),
    ...checkHardLimits(pump, v),
    ...checkSoftLimitOverride(pump, v, o),
    ...checkNoFlowInAlarm(pump, v, conditionsAtStart),
    ...checkPcaLockout(v, o),
    ...checkPcaWindowLimit(pump, v, o),
    ...checkLatchingAlarms(v),
    ...checkLog(pump, v, o),
    ...checkErrChangesNothing(v),
    ...o.lsa.step({ cmd: c, reply: step.reply, events, prev, cur }),
  ];

  // Move on.
  if (ok(step, 'DEMAND')) o.demandStarts.push(cur.tMs);
  if (o.program?.pca) {
    const w = o.program.pca.windowMs;
    o.pcaSegments = o.pcaSegments.filter((s) => s.endMs > cur.tMs - w);
    const lockout = o.program.pca.lockoutMs;
    o.demandStarts = o.demandStarts.filter((d, i, a) => i === a.length - 1 || d > cur.tMs - lockout);
  }
  if (c?.cmd === 'INJECT' && step.reply?.ok) {
    const i = c.input;
    if (i.sensor === 'door') o.conditions.doorOpen = i.value === 'open';
    if (i.sensor === 'container') o.conditions.containerEmpty = i.value === 'empty';
    if (i.sensor === 'selftest') o.conditions.selfTestFailed = i.value === 'fail';
  }
  o.last = cur;
  o.steps++;
  return violations;
}

/** The checks worth doing once at the end of a run when `fullLogVerify` is off. */
export function finalCheck(pump: Pump): Violation[] {
  const bad = pump.log.verify();
  return bad === -1 ? [] : [{ rule: RULES.logChain, detail: `log.verify() fails at seq ${bad}` }];
}

export function formatViolations(vs: readonly Violation[]): string {
  return vs.map((x) => `[${x.rule}] ${x.detail}`).join('\n');
}
