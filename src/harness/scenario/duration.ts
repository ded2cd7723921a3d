/** Durations in scenario files: "90s", "5m", "2h", "1h30m", "250ms", or a number of milliseconds. */
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, min: 60_000, h: 3_600_000, d: 86_400_000 };
const PART_RE = /(\d+(?:\.\d+)?)(ms|s|min|m|h|d)/g;

export function parseDurationMs(value: string | number): number {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) throw new RangeError(`a duration must be 0 or more ms, got ${value}`);
    return value;
  }
  const text = value.trim();
  if (!/^((\d+(\.\d+)?)(ms|s|min|m|h|d))+$/.test(text)) {
    throw new RangeError(`"${value}" is not a duration like 90s, 5m, 2h, 1h30m or 250ms`);
  }
  let total = 0;
  for (const m of text.matchAll(PART_RE)) total += Number(m[1]) * (UNIT_MS[m[2] ?? 'ms'] ?? 1);
  return Math.round(total);
}

export function formatDurationMs(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

const DAY_S = 86_400;

/** A time as a clock reads it: `hh:mm:ss`, or `d+hh:mm:ss` from the first day on (`1+02:03:04`). */
export function clockText(tMs: number): string {
  const all = Math.floor(Math.max(0, tMs) / 1000);
  const d = Math.floor(all / DAY_S);
  const s = all % DAY_S;
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  return `${d > 0 ? `${d}+` : ''}${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:${String(sec).padStart(2, '0')}`;
}
