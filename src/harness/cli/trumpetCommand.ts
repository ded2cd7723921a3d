import type { Command } from 'commander';
import { pumpTypeById, type PumpType } from '../../sim/pump/pumpTypes.js';
import { simulateGravimetric, trumpetCurve } from '../../sim/trumpet/trumpet.js';
import { parsePositive, parsePumpId, parseSeed } from './options.js';

const sign = (n: number): string => `${n >= 0 ? '+' : ''}${n.toFixed(2)}`;

export function registerTrumpet(program: Command): void {
  const cmd = program
    .command('trumpet')
    .description('IEC 60601-2-24 trumpet curve of a simulated pump: weigh every 0.5 min for 2 h, windows 2, 5, 11, 19, 31 min in the second hour')
    .requiredOption('--pump <type>', 'pump type: lvp or syringe', parsePumpId)
    .requiredOption('--rate <mL/h>', 'rate (mL/h), within the pump type\'s range', (t: string) => parsePositive(t, '--rate'))
    .option('--seed <n>', 'seed of the pump mechanism', parseSeed, 1)
    .action((opts: { pump: PumpType['id']; rate: number; seed: number }) => {
      const type = pumpTypeById(opts.pump);
      const { rate, seed } = opts;
      if (rate < type.minRateMlPerH || rate > type.maxRateMlPerH) {
        cmd.error(`error: --rate ${rate} mL/h is outside ${type.minRateMlPerH} to ${type.maxRateMlPerH} mL/h (${type.id})`, { exitCode: 2, code: 'infusim.trumpet.rate' });
        return;
      }
      const curve = trumpetCurve(simulateGravimetric(type, rate, seed));
      const lines = [
        `Trumpet curve (IEC 60601-2-24 method): ${type.name}, ${curve.rateMlPerH} mL/h, seed ${seed}`,
        `sampling every ${curve.sampleIntervalMin} min for 120 min; analysis over the second hour; claimed accuracy ±${(type.accuracyFraction * 100).toFixed(1)}%`,
        '',
        'window (min)   Ep max (%)   Ep min (%)',
        ...curve.rows.map((r) => `${String(r.windowMin).padStart(12)}   ${sign(r.maxErrorPct).padStart(10)}   ${sign(r.minErrorPct).padStart(10)}`),
        '',
        `overall mean error A: ${sign(curve.overallErrorPct)}%`,
      ];
      process.stdout.write(lines.join('\n') + '\n');
    });
}
