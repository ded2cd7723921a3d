/**
 * Live progress for the terminal: one line redrawn in place with `\r`, throttled to about ten
 * redraws per wall second. On a stream that is not a TTY it prints nothing, or one line per 10 %
 * of virtual time with `enabled: 'lines'` (for CI logs).
 */

export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean | undefined;
  columns?: number | undefined;
}

export interface ProgressUpdate {
  tMs: number;
  pumps: number;
  activeAlarms: number;
  violations: number;
}

export interface ProgressOptions {
  stream: ProgressStream;
  /** Virtual duration of the run. */
  totalMs: number;
  /** false: never; true (default): a bar on a TTY, nothing otherwise; 'lines': a bar on a TTY, lines every 10 % otherwise. */
  enabled?: boolean | 'lines';
  /** Wall clock for throttling (ms); defaults to performance.now. */
  nowMs?: () => number;
  /** Minimum wall time between redraws; default 100 ms. */
  minRedrawMs?: number;
}

export interface Progress {
  update(p: ProgressUpdate): void;
  /** Draws the last state, ends the line; later updates are ignored. */
  done(): void;
}

/** `hh:mm` of virtual time (hours can pass 99). */
export function hhmm(tMs: number): string {
  const totalMin = Math.floor(Math.max(0, tMs) / 60_000);
  return `${String(Math.floor(totalMin / 60)).padStart(2, '0')}:${String(totalMin % 60).padStart(2, '0')}`;
}

function fraction(tMs: number, totalMs: number): number {
  if (!(totalMs > 0)) return 1;
  return Math.min(1, Math.max(0, tMs / totalMs));
}

function stats(p: ProgressUpdate): string {
  return `pumps ${p.pumps}  alarms ${p.activeAlarms}  violations ${p.violations}`;
}

/** The bar line, fitted to `columns` (a line one short of the width never wraps). */
export function progressLine(p: ProgressUpdate, totalMs: number, columns = 80): string {
  const f = fraction(p.tMs, totalMs);
  const pct = `${String(Math.floor(f * 100)).padStart(3)}%`;
  const head = `${hhmm(Math.min(p.tMs, totalMs))} / ${hhmm(totalMs)} `;
  const tail = ` ${pct}  ${stats(p)}`;
  const room = columns - 1 - head.length - tail.length - 2;
  const barWidth = Math.max(10, Math.min(40, room));
  const filled = Math.round(f * barWidth);
  const line = `${head}[${'#'.repeat(filled)}${'-'.repeat(barWidth - filled)}]${tail}`;
  return line.length > columns - 1 ? line.slice(0, Math.max(0, columns - 1)) : line;
}

const noop: Progress = { update: () => undefined, done: () => undefined };

export function createProgress(opts: ProgressOptions): Progress {
  const enabled = opts.enabled ?? true;
  const tty = opts.stream.isTTY === true;
  if (enabled === false) return noop;
  if (!tty) return enabled === 'lines' ? lineProgress(opts) : noop;
  return barProgress(opts);
}

function barProgress(opts: ProgressOptions): Progress {
  const now = opts.nowMs ?? (() => performance.now());
  const minRedrawMs = opts.minRedrawMs ?? 100;
  let lastDrawMs = -Infinity;
  let lastWidth = 0;
  let latest: ProgressUpdate | undefined;
  let drawnLatest = false;
  let finished = false;

  const draw = (): void => {
    if (!latest) return;
    const line = progressLine(latest, opts.totalMs, opts.stream.columns ?? 80);
    opts.stream.write(`\r${line.padEnd(lastWidth)}`);
    lastWidth = line.length;
    drawnLatest = true;
  };

  return {
    update(p) {
      if (finished) return;
      latest = { ...p };
      drawnLatest = false;
      const t = now();
      if (t - lastDrawMs < minRedrawMs) return;
      lastDrawMs = t;
      draw();
    },
    done() {
      if (finished) return;
      finished = true;
      if (!drawnLatest) draw();
      if (lastWidth > 0) opts.stream.write('\n');
    },
  };
}

function lineProgress(opts: ProgressOptions): Progress {
  let lastDecile = -1;
  let latest: ProgressUpdate | undefined;
  let finished = false;
  const print = (p: ProgressUpdate, pct: number): void => {
    opts.stream.write(`progress ${String(pct).padStart(3)}%  ${hhmm(Math.min(p.tMs, opts.totalMs))} / ${hhmm(opts.totalMs)}  ${stats(p)}\n`);
  };
  return {
    update(p) {
      if (finished) return;
      latest = { ...p };
      const decile = Math.floor(fraction(p.tMs, opts.totalMs) * 10);
      if (decile <= lastDecile) return;
      lastDecile = decile;
      print(latest, decile * 10);
    },
    done() {
      if (finished) return;
      finished = true;
      if (latest && lastDecile < 10) print(latest, Math.floor(fraction(latest.tMs, opts.totalMs) * 100));
    },
  };
}
