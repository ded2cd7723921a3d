/**
 * Alarm burden, what a biomed engineer looks for: alarms per pump (a pump is a bed) per day by
 * unit, the distribution of response times, and the noisiest pumps. Pure functions over the
 * RunResult, and their HTML section.
 */
import type { AlarmRecord, RunResult } from '../run/result.js';
import { alarmOutcome } from './alarmAnswers.js';
import { fixed } from './summary.js';
import { escapeHtml } from './charts/svg.js';

const DAY_MS = 86_400_000;

export interface UnitBurden {
  unit: string;
  pumps: number;
  alarms: number;
  /** Alarms per pump per 24 h of virtual time. */
  perPumpPerDay: number;
  high: number;
}

export function burdenByUnit(r: RunResult): UnitBurden[] {
  const days = r.scenario.durationMs / DAY_MS;
  return r.units.map((u) => {
    const mine = r.alarms.filter((a) => a.unit === u.id);
    return {
      unit: u.id,
      pumps: u.pumps,
      alarms: mine.length,
      perPumpPerDay: u.pumps > 0 && days > 0 ? mine.length / u.pumps / days : NaN,
      high: mine.filter((a) => a.priority === 'high').length,
    };
  });
}

/** Response-time buckets: upper bounds in ms (the last is open). */
export const RESPONSE_BUCKETS: readonly { label: string; upToMs: number }[] = [
  { label: 'within 30 s', upToMs: 30_000 },
  { label: '30 s to 1 min', upToMs: 60_000 },
  { label: '1 to 2 min', upToMs: 120_000 },
  { label: '2 to 5 min', upToMs: 300_000 },
  { label: '5 to 10 min', upToMs: 600_000 },
  { label: 'over 10 min', upToMs: Infinity },
];

/** How many alarms were answered in each bucket, then those nobody answered (ended by itself, still on). */
export function responseDistribution(alarms: readonly AlarmRecord[]): { label: string; count: number }[] {
  const counts = RESPONSE_BUCKETS.map((b) => ({ label: b.label, count: 0 }));
  let ended = 0;
  let active = 0;
  for (const a of alarms) {
    const o = alarmOutcome(a);
    if (o === 'ended') ended++;
    else if (o === 'active') active++;
    else {
      const dt = (a.answeredMs ?? a.raisedMs) - a.raisedMs;
      const i = RESPONSE_BUCKETS.findIndex((b) => dt <= b.upToMs);
      const c = counts[i < 0 ? counts.length - 1 : i];
      if (c) c.count++;
    }
  }
  return [...counts, { label: 'not answered, ended by itself', count: ended }, { label: 'not answered, still on at the end', count: active }];
}

export interface NoisyPump {
  pumpId: string;
  unit: string;
  alarms: number;
  /** Its most frequent alarm kind and how often. */
  top: string;
}

export function noisiestPumps(alarms: readonly AlarmRecord[], n = 10): NoisyPump[] {
  const by = new Map<string, AlarmRecord[]>();
  for (const a of alarms) by.set(a.pumpId, [...(by.get(a.pumpId) ?? []), a]);
  return [...by.entries()]
    .map(([pumpId, mine]) => {
      const kinds = new Map<string, number>();
      for (const a of mine) kinds.set(a.id, (kinds.get(a.id) ?? 0) + 1);
      const [topId, topN] = [...kinds.entries()].sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : 1))[0] ?? ['', 0];
      return { pumpId, unit: mine[0]?.unit ?? '', alarms: mine.length, top: `${topId} x${topN}` };
    })
    .sort((x, y) => y.alarms - x.alarms || (x.pumpId < y.pumpId ? -1 : 1))
    .slice(0, n);
}

export type TableFn = (headers: readonly string[], rows: readonly (readonly string[])[], numeric?: readonly boolean[], name?: string) => string;

export function burdenHtml(r: RunResult, table: TableFn, pumpLink: (id: string) => string): string {
  const units = burdenByUnit(r).map((u) => [u.unit, String(u.pumps), String(u.alarms), String(u.high), fixed(u.perPumpPerDay, 1)]);
  const dist = responseDistribution(r.alarms).map((d) => [d.label, String(d.count)]);
  const noisy = noisiestPumps(r.alarms);
  return [
    '<section id="burden"><h2>Alarm burden</h2>',
    '<p class="desc">Alarms per pump per day: a pump stands for a bed; a run shorter than a day is scaled to 24 h.</p>',
    table(['unit', 'pumps', 'alarms', 'high', 'alarms per pump per day'], units, [false, true, true, true, true], 'burden-by-unit'),
    '<h3>Response times (raised to first answer)</h3>',
    table(['answered', 'alarms'], dist, [false, true], 'response-distribution'),
    '<h3>Noisiest pumps</h3>',
    noisy.length
      ? `<table><thead><tr><th>pump</th><th>unit</th><th class="num">alarms</th><th>most frequent</th></tr></thead><tbody>${noisy.map((p) => `<tr><td>${pumpLink(p.pumpId)}</td><td>${escapeHtml(p.unit)}</td><td class="num">${p.alarms}</td><td>${escapeHtml(p.top)}</td></tr>`).join('')}</tbody></table>`
      : '<p class="desc">none</p>',
    '</section>',
  ].join('\n');
}

