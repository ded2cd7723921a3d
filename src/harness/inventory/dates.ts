/** Calendar dates (YYYY-MM-DD, UTC) for support status: the run's date plus whole days of virtual time. */
const DAY_MS = 86_400_000;

/** `date` plus the whole days in `tMs`. */
export function dateAt(date: string, tMs: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d) + Math.floor(tMs / DAY_MS) * DAY_MS).toISOString().slice(0, 10);
}
