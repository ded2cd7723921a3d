/**
 * The trumpet curve of IEC 60601-2-24: weigh the output every Δt = 0.5 min for 120 min; from the
 * second hour, for observation windows P = 2, 5, 11, 19, 31 min, the largest and smallest mean
 * percentage flow error over all windows of length P (Ep max, Ep min), and the overall mean
 * error A. Q_i = 60·ΔW_i / (Δt·ρ) mL/h with ρ ≈ 0.998 g/mL (docs/clinical.md#trumpet-curve).
 */
import { Pump } from '../pump/pump.js';
import type { PumpType } from '../pump/pumpTypes.js';

export const WATER_DENSITY_G_PER_ML = 0.998;
export const TRUMPET_WINDOWS_MIN = [2, 5, 11, 19, 31] as const;

export interface TrumpetRow {
  windowMin: number;
  maxErrorPct: number;
  minErrorPct: number;
}

export interface TrumpetCurve {
  rateMlPerH: number;
  sampleIntervalMin: number;
  /** Overall mean percentage error A over the analysis period. */
  overallErrorPct: number;
  rows: TrumpetRow[];
}

export interface GravimetricRun {
  rateMlPerH: number;
  sampleIntervalMin: number;
  /** Cumulative mass on the balance at each sample, starting with 0 at t = 0 (g). */
  massG: number[];
}

/** Run a pump at a constant rate and weigh its output like a test balance would. */
export function simulateGravimetric(type: PumpType, rateMlPerH: number, seed: number, durationMin = 120, sampleIntervalMin = 0.5): GravimetricRun {
  const pump = new Pump({ type, seed });
  const vtbiMl = Math.min(type.maxVtbiMl, rateMlPerH * (durationMin / 60) * 1.5 + 1);
  const programmed = pump.execute({ cmd: 'PROGRAM', rateMlPerH, vtbiMl, endAction: 'stop' });
  if (!programmed.ok) throw new RangeError(`cannot program ${rateMlPerH} mL/h on ${type.id}: ${programmed.reason}`);
  pump.execute({ cmd: 'START' });
  const stepMs = sampleIntervalMin * 60_000;
  const n = Math.round(durationMin / sampleIntervalMin);
  const massG: number[] = [0];
  for (let i = 1; i <= n; i++) {
    pump.advanceTo(i * stepMs);
    massG.push(pump.telemetry().mechanismOutputMl * WATER_DENSITY_G_PER_ML);
  }
  return { rateMlPerH: pump.currentProgram?.rateMlPerH ?? rateMlPerH, sampleIntervalMin, massG };
}

/** Compute the curve from balance readings, analysing from `fromMin` (the second hour by default). */
export function trumpetCurve(run: GravimetricRun, fromMin = 60, windowsMin: readonly number[] = TRUMPET_WINDOWS_MIN): TrumpetCurve {
  const dt = run.sampleIntervalMin;
  const r = run.rateMlPerH;
  const first = Math.round(fromMin / dt);
  // Q_i for each interval i (from sample i-1 to i), in the analysis period.
  const flowErrorPct: number[] = [];
  for (let i = first + 1; i < run.massG.length; i++) {
    const dW = (run.massG[i] ?? 0) - (run.massG[i - 1] ?? 0);
    const q = (60 * dW) / (dt * WATER_DENSITY_G_PER_ML);
    flowErrorPct.push((100 * (q - r)) / r);
  }
  if (flowErrorPct.length === 0) throw new RangeError('no samples in the analysis period');
  const overallErrorPct = flowErrorPct.reduce((s, e) => s + e, 0) / flowErrorPct.length;
  const rows = windowsMin.map((p) => {
    const m = Math.round(p / dt);
    let maxErrorPct = -Infinity;
    let minErrorPct = Infinity;
    let sum = 0;
    for (let j = 0; j < flowErrorPct.length; j++) {
      sum += flowErrorPct[j] ?? 0;
      if (j >= m) sum -= flowErrorPct[j - m] ?? 0;
      if (j >= m - 1) {
        const ep = sum / m;
        maxErrorPct = Math.max(maxErrorPct, ep);
        minErrorPct = Math.min(minErrorPct, ep);
      }
    }
    return { windowMin: p, maxErrorPct, minErrorPct };
  });
  return { rateMlPerH: r, sampleIntervalMin: dt, overallErrorPct, rows };
}
