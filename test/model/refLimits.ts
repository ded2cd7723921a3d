/**
 * The four-limit check of a drug library (docs/clinical.md#drug-library):
 * below lower hard or above upper hard is refused (HARD_LIMIT); beyond a soft limit needs
 * `override=1` (SOFT_LIMIT without it). A value equal to a limit is inside it.
 */
export interface RefLimits {
  lowerHard?: number | undefined;
  lowerSoft?: number | undefined;
  upperSoft?: number | undefined;
  upperHard?: number | undefined;
}

export type LimitVerdict = 'ok' | 'soft' | 'hard';

/** Relative slack for values computed back from a rate (a dose exactly at a limit stays inside). */
const EPS = 1e-9;
const above = (v: number, lim: number | undefined): boolean => lim !== undefined && v > lim * (1 + EPS);
const below = (v: number, lim: number | undefined): boolean => lim !== undefined && v < lim * (1 - EPS);

export function checkLimits(value: number, l: RefLimits | undefined): LimitVerdict {
  if (!l) return 'ok';
  if (below(value, l.lowerHard) || above(value, l.upperHard)) return 'hard';
  if (below(value, l.lowerSoft) || above(value, l.upperSoft)) return 'soft';
  return 'ok';
}
