/**
 * The delivery mechanism: a stepper moves a fixed stroke volume per step. What leaves the pump
 * is a function of the commanded (nominal) volume, in closed form, so no step is ever ticked:
 *   output(V) = (n·stroke + stroke·jitter·(u(n) − u(0))) · (1 + systematic),  n = ⌊V / stroke⌋
 * The systematic error and the jitter u(n) ∈ [−1, 1) come from the pump's seed; the error of
 * short windows is larger than of long ones, as the IEC 60601-2-24 trumpet curve shows. Figures
 * in the pump type's `mechanism` group; it counts the motion commanded (no wake, nothing due).
 */
import { hashToSigned, type Prng } from '../time/prng.js';

export interface MechanismConfig {
  /** Volume moved by one motor stroke (mL): the pulsatility seen in the trumpet curve. */
  strokeMl: number;
  /** Per-stroke position jitter, as a fraction of a stroke (seeded). */
  strokeJitterFraction: number;
}

export class Mechanism {
  /** Systematic flow error (fraction), within half the type's claimed accuracy. */
  readonly systematicFraction: number;
  /** All commanded motor motion since power-on (mL). */
  nominalMl = 0;
  /** Extra volume moved by a firmware with a dosing defect (profile rateErrorFactor ≠ 1). */
  private profileExtraMl = 0;
  private readonly jitterSeed: number;
  private readonly u0: number;

  constructor(
    private readonly config: MechanismConfig,
    /** The type's claimed accuracy as a fraction (pumpTypes.ts `accuracyFraction`). */
    private readonly accuracyFraction: number,
    prng: Prng,
  ) {
    this.systematicFraction = prng.uniform(-0.5, 0.5) * accuracyFraction;
    this.jitterSeed = prng.nextUint32();
    this.u0 = hashToSigned(this.jitterSeed, 0);
  }

  /** `dvMl` of commanded motion; a dosing defect of the running firmware moves more (or less) than it counts. */
  integrate(dvMl: number, rateErrorFactor: number): void {
    this.nominalMl += dvMl;
    if (rateErrorFactor !== 1) this.profileExtraMl += dvMl * (rateErrorFactor - 1);
  }

  /** Physical output of all the motion so far (mL). */
  physicalOutputMl(): number {
    return this.outputMl(this.nominalMl) + this.profileExtraMl;
  }

  /** Physical output (mL) after `nominalMl` of commanded motion. */
  outputMl(nominalMl: number): number {
    const stroke = this.config.strokeMl;
    const n = Math.floor(nominalMl / stroke + 1e-9);
    if (n <= 0) return 0;
    const jitter = stroke * this.config.strokeJitterFraction * (hashToSigned(this.jitterSeed, n) - this.u0);
    return (n * stroke + jitter) * (1 + this.systematicFraction);
  }

  /** The bound |output − nominal| may reach: accuracy plus two strokes of quantisation and jitter. */
  toleranceMl(nominalMl: number): number {
    const stroke = this.config.strokeMl;
    return this.accuracyFraction * nominalMl + stroke * (1 + 2 * this.config.strokeJitterFraction) * (1 + this.accuracyFraction);
  }
}
