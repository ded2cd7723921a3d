/**
 * The demo: one large-volume pump, a 2-hour heparin infusion from the drug library in virtual
 * time, a downstream occlusion at 40 min that a nurse answers and clears. Returns the timeline and
 * the delivered volume; prints nothing itself.
 */
import { Pump } from '../../sim/pump/pump.js';
import { LARGE_VOLUME_PUMP } from '../../sim/pump/pumpTypes.js';
import type { DrugLibrary } from '../../sim/druglib/schema.js';
import type { PumpCommand } from '../../sim/protocol/commands.js';
import { formatCommand } from '../../sim/protocol/lineCodec.js';
import type { PumpEvent } from '../../sim/trace/events.js';
import { describeEvent, timelineLine } from '../report/timeline.js';

export interface DemoOptions {
  library: DrugLibrary;
  seed: number;
  /** Heparin dose (units/kg/h) and weight (kg): 18 units/kg/h at 80 kg is 14.4 mL/h. */
  doseUnitsPerKgPerH?: number;
  weightKg?: number;
  occlusionAtMs?: number;
  /** How long the nurse takes to answer the alarm. */
  nurseResponseMs?: number;
  durationMs?: number;
}

export interface DemoResult {
  lines: string[];
  events: PumpEvent[];
  viMl: number;
  deliveredMl: number;
  logHead: string;
  logEntries: number;
  pump: Pump;
}

export function runHeparinDemo(o: DemoOptions): DemoResult {
  const dose = o.doseUnitsPerKgPerH ?? 18;
  const weightKg = o.weightKg ?? 80;
  const occlusionAtMs = o.occlusionAtMs ?? 40 * 60_000;
  const responseMs = o.nurseResponseMs ?? 90_000;
  const durationMs = o.durationMs ?? 135 * 60_000;
  const pump = new Pump({ type: LARGE_VOLUME_PUMP, seed: o.seed, library: o.library, areaId: 'icu' });
  const lines: string[] = [];
  const events: PumpEvent[] = [];
  const flush = (): void => {
    for (const e of pump.takeEvents()) {
      events.push(e);
      if (e.type === 'AUDIO' || e.type === 'RATE') continue;
      const text = describeEvent(e);
      if (text) lines.push(timelineLine(e.tMs, text));
    }
  };
  const run = (c: PumpCommand, who: string): void => {
    const r = pump.execute(c);
    lines.push(timelineLine(pump.nowMs, `${who.padEnd(9)} ${formatCommand(c)} -> ${r.ok ? 'OK' : `ERR ${r.code} ${r.reason}`}`));
    flush();
  };

  // A 2-hour infusion: VTBI is two hours at the dose's rate.
  const rate = (dose * weightKg) / 100; // heparin 100 units/mL in the example library
  run({ cmd: 'PROGRAM', drugId: 'heparin', dose, weightKg, vtbiMl: Number((rate * 2).toFixed(1)), endAction: 'kvo' }, 'nurse');
  run({ cmd: 'START' }, 'nurse');
  pump.advanceTo(occlusionAtMs);
  flush();
  run({ cmd: 'INJECT', input: { sensor: 'occlusion', value: 'down' } }, 'fault');
  // Jump event to event until the occlusion alarm sounds.
  while (!pump.activeAlarms.some((a) => a.id === 'OCCLUSION_DOWN') && pump.nowMs < durationMs) {
    pump.advanceTo(Math.min(durationMs, pump.nextWakeMs()));
    flush();
  }
  pump.advanceTo(Math.min(durationMs, pump.nowMs + responseMs));
  flush();
  run({ cmd: 'SILENCE' }, 'nurse');
  run({ cmd: 'INJECT', input: { sensor: 'occlusion', value: 'clear' } }, 'nurse');
  run({ cmd: 'ACK' }, 'nurse');
  run({ cmd: 'RESUME' }, 'nurse');
  while (pump.nowMs < durationMs) {
    pump.advanceTo(Math.min(durationMs, pump.nextWakeMs()));
    flush();
    if (pump.activeAlarms.some((a) => a.id === 'VTBI_COMPLETE' && !a.acknowledged) && pump.nowMs < durationMs) {
      pump.advanceTo(Math.min(durationMs, pump.nowMs + 60_000));
      flush();
      run({ cmd: 'ACK', alarm: 'VTBI_COMPLETE' }, 'nurse');
    }
  }
  const t = pump.telemetry();
  return {
    lines,
    events,
    viMl: t.primaryMl + t.afterVtbiMl,
    deliveredMl: t.mechanismOutputMl,
    logHead: pump.log.head,
    logEntries: pump.log.length,
    pump,
  };
}
