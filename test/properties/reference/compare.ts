/**
 * After every step, the pump against the reference: the reply (OK, or the ERR code; the rate or
 * volume it names), the state, the mode, the nominal volume infused and the active alarms, and
 * whether a high-priority alarm is sounding.
 *
 * Volume tolerance: the pump acts on a threshold (VTBI, bolus end, occlusion limit) at a whole
 * millisecond, so each threshold may shift the volume by up to rate × 1 ms (0.28 µL at 999 mL/h);
 * the reference works in continuous time. VI_TOLERANCE_ML plus a relative 1e-6 covers that with
 * room; it is 1/25 of the LVP's 0.05 mL stroke, so a wrong stroke count would show.
 */
import type { Reply } from '../../../src/sim/protocol/commands.js';
import type { Pump } from '../../../src/sim/pump/pump.js';
import { UNMODELLED_ALARMS } from '../../model/alarmSpec.js';
import type { RefPump } from '../../model/refPump.js';
import type { RefReply } from '../../model/refReply.js';

export const VI_TOLERANCE_ML = 0.002;
const FIELD_TOLERANCE = 1e-6;

const num = (v: unknown): number => (typeof v === 'number' ? v : Number(v));

export function compareReply(ref: RefReply, got: Reply): string[] {
  if (ref.ok !== got.ok) return [`reply: expected ${ref.ok ? 'OK' : `ERR ${ref.codes.join('|')}`}, got ${got.ok ? 'OK' : `ERR ${got.code} (${got.reason})`}`];
  if (!ref.ok && !got.ok) {
    return ref.codes.includes(got.code) ? [] : [`reply: expected ERR ${ref.codes.join('|')}, got ERR ${got.code} (${got.reason})`];
  }
  if (!ref.ok || !got.ok) return [];
  const out: string[] = [];
  if (ref.rateMlPerH !== undefined && Math.abs(num(got.fields.rate) - ref.rateMlPerH) > FIELD_TOLERANCE + 1e-9 * ref.rateMlPerH) out.push(`reply rate: expected ${ref.rateMlPerH}, got ${String(got.fields.rate)}`);
  for (const [k, v] of Object.entries(ref.exact ?? {})) if (String(got.fields[k]) !== v) out.push(`reply ${k}: expected ${v}, got ${String(got.fields[k])}`);
  for (const k of ref.absent ?? []) if (got.fields[k] !== undefined && String(got.fields[k]) !== '0') out.push(`reply ${k}: expected none, got ${String(got.fields[k])}`);
  for (const [k, [v, tol]] of Object.entries(ref.approx ?? {})) if (!(Math.abs(num(got.fields[k]) - v) <= tol)) out.push(`reply ${k}: expected ${v}, got ${String(got.fields[k])}`);
  if (ref.volumeMl !== undefined && Math.abs(num(got.fields.volume) - ref.volumeMl) > 0.0005 + 1e-6 * ref.volumeMl) out.push(`reply volume: expected ${ref.volumeMl}, got ${String(got.fields.volume)}`);
  return out;
}

export function alarmsShown(pump: Pump): string[] {
  return pump.activeAlarms.map((a) => a.id).filter((id) => !UNMODELLED_ALARMS.has(id)).sort();
}

export function compareState(ref: RefPump, pump: Pump): string[] {
  const out: string[] = [];
  const s = pump.status();
  if (s.state !== ref.state) out.push(`state: expected ${ref.state}, got ${s.state}`);
  if (s.mode !== ref.mode) out.push(`mode: expected ${ref.mode}, got ${s.mode}`);
  if (Math.abs(s.viMl - ref.viMl) > VI_TOLERANCE_ML + 1e-6 * ref.viMl) out.push(`vi: expected ${ref.viMl.toFixed(6)} mL, got ${s.viMl.toFixed(6)} mL`);
  const want = ref.alarms.ids().filter((id) => !UNMODELLED_ALARMS.has(id)).sort().join(',');
  const got = alarmsShown(pump).join(',');
  if (want !== got) out.push(`alarms: expected [${want}], got [${got}]`);
  // A powered-off pump's signal is hardware the reference does not model.
  const high = ref.alarms.highSounding(ref.nowMs);
  if (ref.state !== 'OFF' && high !== (pump.audioPriority === 'high')) out.push(`audio: expected ${high ? 'high sounding' : 'no high-priority signal'}, got ${pump.audioPriority}`);
  return out;
}
