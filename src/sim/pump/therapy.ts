/**
 * The therapy commands: PROGRAM, START, PAUSE, RESUME, TITRATE, BOLUS, DEMAND and STOP. Each checks what it is
 * asked against the pump's state, the program rules (programming.ts) and what is loaded, then
 * acts through the pump's state machine (`PumpHost`). An ERR changes nothing.
 */
import type { AlarmManager } from '../alarms/alarmManager.js';
import type { AlarmId } from '../alarms/alarmTable.js';
import type { FirmwareUpdater } from '../firmware/updater.js';
import { err, ok, type PumpCommand, type Reply } from '../protocol/commands.js';
import { fmtNum, type PumpEvent, type PumpState } from '../trace/events.js';
import { loadedVolumeMl, type Container } from './container.js';
import { pcaMarginMl, pcaResumeBelowMl, type Infusion } from './infusion.js';
import { bolusVolume, buildProgram, checkBolusRate, roundingFields, titrateRate, type Program, type ProgramContext } from './programming.js';
import type { PumpType } from './pumpTypes.js';
import type { ServiceState } from './service.js';
import { resumeRefusal, startRefusal } from './stateAdvice.js';

const MS_PER_H = 3_600_000;
const EPS_ML = 1e-9;
/** The reply to therapy asked of a pump out of service (docs/protocol.md, "Out of service"). */
export const OUT_OF_SERVICE_TEXT = 'out of service: a self-test failed; power cycle the pump (its self-test must pass) or replace it';

/** What the therapy commands may read and do on the pump (its state machine stays in pump.ts). */
export interface PumpHost {
  readonly type: PumpType;
  readonly infusion: Infusion;
  readonly container: Container;
  readonly alarms: AlarmManager;
  readonly service: ServiceState;
  readonly firmware: FirmwareUpdater | undefined;
  nowMs(): number;
  state(): PumpState;
  rateMlPerH(): number;
  context(): ProgramContext;
  setState(state: PumpState, reason: string): void;
  /** Enter `state` anew: a STATE event even when the pump is in it already (a new program). */
  setStateAnew(state: PumpState, reason: string): void;
  raiseAlarm(id: AlarmId): void;
  clearAlarm(id: AlarmId): void;
  emit(e: PumpEvent): void;
  emitAll(events: readonly PumpEvent[]): void;
  endBolus(cut: boolean): void;
  /** A RATE event if the motor's rate changed. */
  noteRate(): void;
}

const INFUSING: ReadonlySet<PumpState> = new Set(['RUNNING', 'PAUSED', 'ALARM', 'KVO']);

export function infusing(state: PumpState): boolean {
  return INFUSING.has(state);
}

/** Why therapy may not start or resume now (a flow-stopping alarm, out of service, an update), or undefined. */
export function flowBlocked(h: PumpHost, stoppingText: (id: AlarmId) => string): Reply | undefined {
  const stopping = h.alarms.flowStopping();
  if (stopping) return err('ALARM_ACTIVE', stoppingText(stopping.id));
  if (h.service.outOfService) return err('ALARM_ACTIVE', OUT_OF_SERVICE_TEXT);
  if (h.firmware?.blocksInfusion()) return err('BAD_STATE', `a firmware update is ${h.firmware.stage}; the infusion waits for it`);
  return undefined;
}

export function programCommand(h: PumpHost, c: Extract<PumpCommand, { cmd: 'PROGRAM' }>): Reply {
  if (infusing(h.state())) return err('BAD_STATE', `an infusion is ${h.state()}; STOP it before a new program`);
  const built = buildProgram(h.context(), c);
  if (!built.ok) return built.reply;
  const loaded = loadedVolumeMl(h.type, c);
  if (!loaded.ok) return loaded.reply;
  h.emitAll(built.events);
  const p = built.value;
  // A program loads a full container (docs/protocol.md, "What is loaded").
  h.container.load(loaded.volumeMl);
  h.clearAlarm('NEAR_EMPTY');
  if (!h.container.empty) h.clearAlarm('CONTAINER_EMPTY');
  h.infusion.load(p);
  h.clearAlarm('VTBI_COMPLETE');
  h.setStateAnew('PROGRAMMED', 'program');
  return ok({ rate: fmtNum(p.rateMlPerH), vtbi: fmtNum(p.vtbiMl), mode: p.mode, ...roundingFields(p.rateMlPerH, p.exactMlPerH, p.drug) });
}

export function startCommand(h: PumpHost): Reply {
  const inf = h.infusion;
  const p = inf.program;
  if (h.state() !== 'PROGRAMMED' || !p) return err('BAD_STATE', startRefusal(h.state(), p !== undefined));
  const blocked = flowBlocked(h, (id) => `${id} is active`);
  if (blocked) return blocked;
  if (p.loading && inf.loadingPending) {
    inf.bolus = { kind: 'loading', volumeMl: p.loading.volumeMl, remainingMl: p.loading.volumeMl, rateMlPerH: p.loading.rateMlPerH };
  }
  h.setState('RUNNING', 'start');
  // Conditions present when flow starts raise their alarms at once.
  if (h.container.empty) h.raiseAlarm('CONTAINER_EMPTY');
  return ok();
}

export function pauseCommand(h: PumpHost): Reply {
  const state = h.state();
  if (state !== 'RUNNING' && state !== 'KVO') return err('BAD_STATE', `cannot pause in ${state}`);
  h.endBolus(true);
  h.setState('PAUSED', 'pause');
  return ok();
}

/** RESUME: back to where the infusion was (running, KVO or complete); an empty container alarms instead. */
export function resumeCommand(h: PumpHost): Reply {
  const state = h.state();
  if (state !== 'PAUSED' && state !== 'ALARM') return err('BAD_STATE', resumeRefusal(state));
  const blocked = flowBlocked(h, (id) => (id === 'SELF_TEST_FAIL' ? OUT_OF_SERVICE_TEXT : `${id} is active; clear its cause and acknowledge it first`));
  if (blocked) return blocked;
  if (h.container.empty) {
    h.raiseAlarm('CONTAINER_EMPTY');
    return ok();
  }
  const inf = h.infusion;
  h.setState(inf.vtbiDone && inf.program?.endAction === 'kvo' ? 'KVO' : inf.vtbiDone && inf.program?.endAction === 'stop' ? 'COMPLETE' : 'RUNNING', 'resume');
  return ok();
}

export function titrateCommand(h: PumpHost, c: Extract<PumpCommand, { cmd: 'TITRATE' }>): Reply {
  const inf = h.infusion;
  const p = inf.program;
  if (!p || !['PROGRAMMED', 'RUNNING', 'PAUSED', 'ALARM'].includes(h.state())) return err('BAD_STATE', 'no infusion to titrate');
  if (inf.vtbiDone) return err('BAD_STATE', 'the VTBI is complete');
  const r = titrateRate(h.context(), p, c);
  if (!r.ok) return r.reply;
  const { rateMlPerH: rate, drug } = r.value;
  h.emitAll(r.events);
  p.rateMlPerH = rate;
  p.exactMlPerH = r.value.exactMlPerH;
  p.drug = drug;
  // Near end is re-judged at the new rate.
  if (inf.nearEndRaised) {
    inf.nearEndRaised = false;
    h.clearAlarm('NEAR_END');
  }
  return ok({ rate: fmtNum(rate), ...roundingFields(rate, r.value.exactMlPerH, drug) });
}

export function bolusCommand(h: PumpHost, c: Extract<PumpCommand, { cmd: 'BOLUS' }>): Reply {
  const inf = h.infusion;
  const p = inf.program;
  if (!p || h.state() !== 'RUNNING' || inf.vtbiDone) return err('BAD_STATE', 'a bolus needs a running infusion');
  if (inf.bolus) return err('BAD_STATE', `a ${inf.bolus.kind} is in progress`);
  const rate = c.rateMlPerH ?? h.type.defaultBolusRateMlPerH;
  const badRate = checkBolusRate(h.type, rate);
  if (badRate) return badRate;
  const vol = bolusVolume(h.context(), p.drug, c.volumeMl, c.dose, c.override === true);
  if (!vol.ok) return vol.reply;
  h.emitAll(vol.events);
  inf.bolus = { kind: 'bolus', volumeMl: vol.value, remainingMl: vol.value, rateMlPerH: rate };
  return ok({ volume: fmtNum(vol.value), rate: fmtNum(rate) });
}

export function demandCommand(h: PumpHost): Reply {
  const inf = h.infusion;
  const p = inf.program;
  if (!p?.pca || !inf.pca) return err('BAD_STATE', 'not a PCA program');
  if (h.state() !== 'RUNNING' || inf.vtbiDone) return err('BAD_STATE', 'PCA demand needs a running infusion');
  const now = h.nowMs();
  const limitReached = (): Reply => {
    h.emit({ type: 'DENIED', tMs: now, reason: 'PCA_LIMIT' });
    return err('PCA_LIMIT', `the ${fmtNum((p.pca?.windowMs ?? 0) / MS_PER_H)} h limit of ${fmtNum(p.pca?.limitMl ?? 0)} mL is reached`);
  };
  // Every press is logged, granted or not.
  if (now - inf.lastDemandStartMs < p.pca.lockoutMs) {
    h.emit({ type: 'DENIED', tMs: now, reason: 'LOCKOUT' });
    return err('LOCKOUT', `lockout until t=${inf.lastDemandStartMs + p.pca.lockoutMs}`);
  }
  if (inf.pcaSuspended || inf.pca.totalMl(now) >= p.pca.limitMl - pcaMarginMl(h.rateMlPerH())) return limitReached();
  if (inf.bolus) return err('BAD_STATE', `a ${inf.bolus.kind} is in progress`);
  // A dose that would pass the window limit (or the VTBI) is cut now, and the reply says so:
  // it delivers what is left of the limit (docs/clinical.md, "Bolus and PCA limits").
  const rate = h.type.defaultBolusRateMlPerH;
  const roomMl = Math.min(p.pca.limitMl - inf.pca.totalMl(now) - pcaMarginMl(rate), p.vtbiMl - inf.primaryMl);
  const volumeMl = Math.min(p.pca.demandMl, roomMl);
  if (!(volumeMl > 1e-6)) return limitReached();
  const cut = volumeMl < p.pca.demandMl - 1e-9;
  inf.lastDemandStartMs = now;
  inf.bolus = { kind: 'demand', volumeMl, remainingMl: volumeMl, rateMlPerH: rate, cut };
  return ok(cut ? { volume: fmtNum(volumeMl), cut: 1 } : { volume: fmtNum(volumeMl) });
}

export function stopCommand(h: PumpHost): Reply {
  const inf = h.infusion;
  if (!inf.program) return err('BAD_STATE', 'no program to stop');
  const vi = inf.viMl;
  h.endBolus(true);
  // The volume counter goes with the program (docs/protocol.md, STOP): IDLE shows vi=0.
  inf.clear();
  h.clearAlarm('NEAR_END');
  h.clearAlarm('NEAR_EMPTY');
  h.clearAlarm('VTBI_COMPLETE');
  h.setState('IDLE', 'stop');
  return ok({ vi: fmtNum(vi) });
}

/**
 * What falls due while RUNNING: a bolus ends, the PCA window limit holds the basal (and cuts a
 * demand in progress; docs/clinical.md#pca) or lets it go on, the loading dose gives way to the
 * continuous infusion, the near-end pre-alarm, VTBI complete and the end action. `rate` is the
 * rate when the check began.
 */
export function runningDue(h: PumpHost, p: Program, now: number, rate: number): void {
  const inf = h.infusion;
  if (inf.bolus && inf.bolus.remainingMl <= EPS_ML) h.endBolus(false);
  if (p.pca && inf.pca) {
    const total = inf.pca.totalMl(now);
    if (!inf.pcaSuspended && total >= p.pca.limitMl - pcaMarginMl(rate)) {
      if (inf.bolus?.kind === 'demand') h.endBolus(true);
      inf.pcaSuspended = true;
      h.noteRate();
    } else if (inf.pcaSuspended && total <= pcaResumeBelowMl(p) + 1e-6) {
      inf.pcaSuspended = false;
      h.noteRate();
    }
  }
  if (!inf.bolus && inf.loadingPending) inf.loadingPending = false;
  if (!inf.vtbiDone && !inf.nearEndRaised && !inf.bolus && p.vtbiMl - inf.primaryMl <= (p.rateMlPerH * h.type.nearEndLeadMs) / MS_PER_H + EPS_ML) {
    inf.nearEndRaised = true;
    h.raiseAlarm('NEAR_END');
  }
  if (!inf.vtbiDone && inf.primaryMl >= p.vtbiMl - EPS_ML) {
    inf.vtbiDone = true;
    h.endBolus(inf.bolus !== undefined);
    inf.primaryMl = p.vtbiMl;
    h.emit({ type: 'VTBI_DONE', tMs: now, viMl: inf.primaryMl });
    h.raiseAlarm('VTBI_COMPLETE');
    h.clearAlarm('NEAR_END');
    if (p.endAction === 'kvo') h.setState('KVO', 'vtbi_done');
    else if (p.endAction === 'stop') h.setState('COMPLETE', 'vtbi_done');
    h.noteRate();
  }
}
