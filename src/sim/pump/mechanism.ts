/**
 * The delivery mechanism: a stepper moves a fixed stroke volume per step. What leaves the pump
 * is a function of the commanded (nominal) volume, in closed form, so no step is ever ticked:
 *   output(V) = (n·stroke + stroke·jitter·(u(n) − u(0))) · (1 + systematic),  n = ⌊V / stroke⌋
 * The systematic error and the jitter u(n) ∈ [−1, 1) come from the pump's seed; the error of
 * short windows is larger than of long ones, as the IEC 60601-2-24 trumpet curve shows.
 */
import { hashToSigned, type Prng } from '../time/prng.js';
import type { PumpType } from './pumpTypes.js';

export class Mechanism {
  /** Systematic flow error (fraction), within half the type's claimed accuracy. */
  readonly systematicFraction: number;
  private readonly jitterSeed: number;
  private readonly u0: number;

  constructor(
    private readonly type: PumpType,
    prng: Prng,
  ) {
    this.systematicFraction = prng.uniform(-0.5, 0.5) * type.accuracyFraction;
    this.jitterSeed = prng.nextUint32();
    this.u0 = hashToSigned(this.jitterSeed, 0);
  }

  /** Physical output (mL) after `nominalMl` of commanded motion. */
  outputMl(nominalMl: number): number {
    const stroke = this.type.strokeMl;
    const n = Math.floor(nominalMl / stroke + 1e-9);
    if (n <= 0) return 0;
    const jitter = stroke * this.type.strokeJitterFraction * (hashToSigned(this.jitterSeed, n) - this.u0);
    return (n * stroke + jitter) * (1 + this.systematicFraction);
  }

  /** The bound |output − nominal| may reach: accuracy plus two strokes of quantisation and jitter. */
  toleranceMl(nominalMl: number): number {
    const stroke = this.type.strokeMl;
    return this.type.accuracyFraction * nominalMl + stroke * (1 + 2 * this.type.strokeJitterFraction) * (1 + this.type.accuracyFraction);
  }
}
