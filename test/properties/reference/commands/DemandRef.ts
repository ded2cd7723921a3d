import type fc from 'fast-check';
import type { RefPump } from '../../../model/refPump.js';
import { runBoth, type RefReal } from '../world.js';
import { TickRef } from './TickRef.js';

/**
 * DEMAND (the PCA patient button). With `afterLockout`, on a PCA program inside its lockout,
 * time first moves just past the lockout (a TICK, as TickRef moves it), so that demands add up to
 * the window limit (PCA_LIMIT, a demand cut) within a run. The wait comes from the reference.
 */
export class DemandRef implements fc.Command<RefPump, RefReal> {
  private waitedMs = 0;
  constructor(
    readonly afterLockout: boolean,
    /** How long after the lockout (ms), so that presses do not line up with the window's edges. */
    readonly extraMs = 1,
  ) {}
  check(m: Readonly<RefPump>): boolean {
    // The waiting variant only where it can wait: a running PCA program.
    return !this.afterLockout || (m.program?.mode === 'pca' && m.state === 'RUNNING');
  }
  run(m: RefPump, r: RefReal): void {
    const pca = m.program?.pca;
    this.waitedMs = 0;
    if (this.afterLockout && pca && m.lastDemandMs !== undefined) {
      const waitMs = Math.ceil(m.lastDemandMs + pca.lockoutMs - m.nowMs) + this.extraMs;
      if (waitMs > 0) {
        const tick = new TickRef(waitMs, false);
        this.waitedMs = tick.steppedMs(m);
        tick.run(m, r);
      }
    }
    runBoth(m, r, { cmd: 'DEMAND' }, this.afterLockout ? 'DEMAND (after lockout)' : 'DEMAND');
  }
  toString(): string {
    return `${this.afterLockout ? 'DEMAND(after lockout)' : 'DEMAND'}${this.waitedMs ? ` = TICK ms=${this.waitedMs}, DEMAND` : ''}`;
  }
}
