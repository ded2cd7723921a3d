/** The invariants of what the pump records: latching alarms until acknowledged, the log's chain and times, ERR changes nothing. */
import { ALARM_TABLE, type AlarmId } from '../alarms/alarmTable.js';
import type { Pump } from '../pump/pump.js';
import { verifyChain } from '../trace/eventLog.js';
import { RULES, type InvariantObserver, type StepView, type Violation } from './observer.js';

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
