import type { Command } from 'commander';
import { accuracyAt, pumpTypeById, type PumpType } from '../../sim/pump/pumpTypes.js';
import { simulateGravimetric, trumpetCurve } from '../../sim/trumpet/trumpet.js';
import { parsePositive, parsePumpId, parseSeed } from './options.js';
import { writeFileSync } from 'node:fs';
import { renderTrumpetHtml } from '../report/trumpetHtml.js';

const sign = (n: number): string => `${n >= 0 ? '+' : ''}${n.toFixed(2)}`;
const pct = (fraction: number): string => `±${+(fraction * 100).toFixed(2)}%`;

/** The accuracy claim with its rate range (docs/clinical.md#accuracy), and which part applies at this rate. */
export function accuracyLines(type: PumpType, rateMlPerH: number): string[] {
  const r = type.accuracyRange;
  const at = accuracyAt(type, rateMlPerH);
  return [
    `claimed accuracy ${pct(type.accuracyFraction)} from ${r.fromRateMlPerH} to ${type.maxRateMlPerH} mL/h (overall error A and every 31-min window); below ${r.fromRateMlPerH} mL/h ${pct(r.belowFraction)} (overall error A only)`,
    at.inRange
      ? `${rateMlPerH} mL/h is inside the claimed range: ${pct(at.fraction)}`
      : `${rateMlPerH} mL/h is below the claimed range (from ${r.fromRateMlPerH} mL/h): only ${pct(at.fraction)} on the overall error A is claimed; short windows see whole strokes`,
  ];
}

export function registerTrumpet(program: Command): void {
  const cmd = program
    .command('trumpet')
    .description('IEC 60601-2-24 trumpet curve of a simulated pump: weigh every 0.5 min for 2 h, windows 2, 5, 11, 19, 31 min in the second hour')
    .requiredOption('--pump <type>', 'pump type: lvp or syringe', parsePumpId)
    .requiredOption('--rate <mL/h>', 'rate (mL/h), within the pump type\'s range', (t: string) => parsePositive(t, '--rate'))
    .option('--seed <n>', 'seed of the pump mechanism', parseSeed, 1)
    .option('--html <file>', 'also write the curve as a chart on a self-contained HTML page')
    .action((opts: { pump: PumpType['id']; rate: number; seed: number; html?: string }) => {
      const type = pumpTypeById(opts.pump);
      const { rate, seed } = opts;
      if (rate < type.minRateMlPerH || rate > type.maxRateMlPerH) {
        cmd.error(`error: --rate ${rate} mL/h is outside ${type.minRateMlPerH} to ${type.maxRateMlPerH} mL/h (${type.id})`, { exitCode: 2, code: 'infusim.trumpet.rate' });
        return;
      }
      const curve = trumpetCurve(simulateGravimetric(type, rate, seed));
      const lines = [
        `Trumpet curve (IEC 60601-2-24 method): ${type.name}, ${curve.rateMlPerH} mL/h, seed ${seed}`,
        `sampling every ${curve.sampleIntervalMin} min for 120 min; analysis over the second hour`,
        ...accuracyLines(type, curve.rateMlPerH),
        '',
        'window (min)   Ep max (%)   Ep min (%)',
        ...curve.rows.map((r) => `${String(r.windowMin).padStart(12)}   ${sign(r.maxErrorPct).padStart(10)}   ${sign(r.minErrorPct).padStart(10)}`),
        '',
        `overall mean error A: ${sign(curve.overallErrorPct)}%`,
      ];
      process.stdout.write(lines.join('\n') + '\n');
      if (opts.html) {
        const at = accuracyAt(type, curve.rateMlPerH);
        writeFileSync(opts.html, renderTrumpetHtml({ pumpName: type.name, seed, curve, claimFraction: at.fraction, windowsClaimed: at.inRange, claimLines: accuracyLines(type, curve.rateMlPerH) }));
        process.stdout.write(`HTML chart: ${opts.html}\n`);
      }
    });
}
