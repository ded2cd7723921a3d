import type fc from 'fast-check';
import { runCommand, type PumpModel, type PumpReal } from './model.js';

/** DEMAND: the PCA patient button. */
export class DemandCommand implements fc.Command<PumpModel, PumpReal> {
  check(m: Readonly<PumpModel>): boolean {
    return m.mode === 'pca';
  }
  run(m: PumpModel, r: PumpReal): void {
    runCommand(m, r, { cmd: 'DEMAND' });
  }
  toString(): string {
    return 'DEMAND';
  }
}
