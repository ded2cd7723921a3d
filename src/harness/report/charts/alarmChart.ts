/**
 * The alarm timeline: a lane per pump for small fleets, per unit otherwise; each alarm a bar in its
 * priority's colour from raised to ended, its shape and !!!/!!/! so colour is not the only cue, a
 * tick when it was first answered. Past DENSITY_AT alarms the bars become counts per time slot (a
 * density view) so 1,600 alarms stay readable. Checkboxes above the chart hide priorities and lanes
 * (CSS only, the page has no script). Colours come from the page's stylesheet by class
 * (`prio-high` ...) as well as from the SVG attributes, so a browser that drops one keeps the other.
 */
import type { AlarmPriority } from '../../../sim/alarms/alarmTable.js';
import type { AlarmRecord, RunResult } from '../../run/result.js';
import { alarmOutcome } from '../alarmAnswers.js';
import { clockText } from '../timeline.js';
import { renderLaneChart, markerSvg, violationMarks, type Lane, type Marker } from './lanes.js';
import { escapeHtml, px, type LegendItem } from './svg.js';

export const PRIORITIES: readonly AlarmPriority[] = ['high', 'medium', 'low'];
export const PRIORITY_COLOR: Readonly<Record<AlarmPriority, string>> = { high: '#d62728', medium: '#f0a202', low: '#1f8fd1' };
/** IEC 60601-1-8 style marks: shape and !!! / !! / ! so colour is not the only cue. */
export const PRIORITY_MARK: Readonly<Record<AlarmPriority, { marker: Marker; text: string; row: number }>> = {
  high: { marker: 'triangle', text: '!!! high', row: 0 },
  medium: { marker: 'diamond', text: '!! medium', row: 1 },
  low: { marker: 'circle', text: '! low', row: 2 },
};

/** Lanes per pump when the fleet has at most this many pumps, per unit otherwise. */
export const MAX_PUMP_LANES = 40;
/** Past this many alarms the chart shows counts per time slot instead of one bar per alarm. */
export const DENSITY_AT = 300;
/** Time slots of the density view. */
export const DENSITY_SLOTS = 120;
/** A lane checkbox each up to this many lanes (more would bury the chart under checkboxes). */
const MAX_LANE_FILTERS = 40;

/** The stylesheet part that colours the alarm chart and shows the filters; html.ts puts it in the page. */
export function alarmChartCss(): string {
  const prio = PRIORITIES.map((p) => `svg .prio-${p} rect,svg .prio-${p} .marker,svg .prio-${p}>rect{fill:${PRIORITY_COLOR[p]};stroke:${PRIORITY_COLOR[p]}}svg .prio-${p} .marker{stroke:#222}`).join('');
  const hidePrio = PRIORITIES.map((p) => `.alarm-chart:has(.f-prio-${p}:not(:checked)) svg .prio-${p}{display:none}`).join('');
  const hideLane = Array.from({ length: MAX_LANE_FILTERS }, (_, i) => `.alarm-chart:has(.f-lane-${i}:not(:checked)) svg .lane-${i}`).join(',');
  return (
    `svg.chart{forced-color-adjust:none;print-color-adjust:exact;-webkit-print-color-adjust:exact}${prio}${hidePrio}${hideLane}{display:none}` +
    'svg .mark line{stroke:#b00020;stroke-width:1.5;stroke-dasharray:4 3}svg .mark text{fill:#b00020;font-weight:700}' +
    '.alarm-filters{font-size:13px;margin:4px 0}.alarm-filters label{margin-right:12px;white-space:nowrap}.alarm-filters details{display:inline-block}'
  );
}

function laneKeys(result: RunResult, perPump: boolean): string[] {
  const keys = perPump ? result.pumps.map((p) => p.id) : result.units.map((u) => u.id);
  for (const a of result.alarms) {
    const k = perPump ? a.pumpId : a.unit;
    if (!keys.includes(k)) keys.push(k);
  }
  return keys;
}

function alarmBars(alarms: readonly AlarmRecord[], perPump: boolean): Lane['bars'] {
  return alarms.map((a) => {
    const mark = PRIORITY_MARK[a.priority] ?? PRIORITY_MARK.low;
    const outcome = alarmOutcome(a);
    const answered = outcome === 'answered' ? `, answered ${clockText(a.answeredMs ?? 0)}` : outcome === 'ended' ? ', ended with nobody answering' : ', unanswered';
    const ended = a.endedMs !== undefined ? clockText(a.endedMs) : 'end of run (still active)';
    return {
      startMs: a.raisedMs,
      endMs: a.endedMs,
      subRow: mark.row,
      fill: PRIORITY_COLOR[a.priority] ?? PRIORITY_COLOR.low,
      cls: `prio-${a.priority}`,
      marker: mark.marker,
      ...(perPump ? { label: a.id } : {}),
      title: `${a.pumpId} (${a.unit}) ${a.id} ${a.priority}: ${clockText(a.raisedMs)} to ${ended}${answered}`,
      tickMs: a.answeredMs,
    };
  });
}

/** Counts per (lane, priority, slot): one bar per slot with alarms, darker for more. */
function densityBars(alarms: readonly AlarmRecord[], laneOf: (a: AlarmRecord) => string, lanes: readonly string[], durationMs: number): Map<string, Lane['bars']> {
  const slotMs = Math.max(1, durationMs / DENSITY_SLOTS);
  const cells = new Map<string, { lane: string; prio: AlarmPriority; slot: number; n: number; open: number }>();
  for (const a of alarms) {
    const slot = Math.min(DENSITY_SLOTS - 1, Math.floor(a.raisedMs / slotMs));
    const key = `${laneOf(a)}\u0000${a.priority}\u0000${slot}`;
    const c = cells.get(key) ?? { lane: laneOf(a), prio: a.priority, slot, n: 0, open: 0 };
    c.n++;
    if (alarmOutcome(a) === 'active') c.open++;
    cells.set(key, c);
  }
  const busiest = Math.max(1, ...[...cells.values()].map((c) => c.n));
  const out = new Map<string, Lane['bars']>(lanes.map((l) => [l, []]));
  for (const c of cells.values()) {
    const startMs = c.slot * slotMs;
    const endMs = Math.min(durationMs, startMs + slotMs);
    out.get(c.lane)?.push({
      startMs,
      endMs,
      subRow: PRIORITY_MARK[c.prio].row,
      fill: PRIORITY_COLOR[c.prio],
      cls: `prio-${c.prio}`,
      opacity: 0.2 + 0.8 * (c.n / busiest),
      marker: 'none',
      title: `${c.lane}: ${c.n} ${c.prio} alarm${c.n === 1 ? '' : 's'} raised ${clockText(startMs)} to ${clockText(endMs)}${c.open ? `, ${c.open} still on at the end` : ''}`,
    });
  }
  return out;
}

function filters(lanes: readonly string[], perPump: boolean, counts: Record<AlarmPriority, number>): string {
  const prio = PRIORITIES.map((p) => `<label><input type="checkbox" class="f-prio-${p}" checked> ${escapeHtml(PRIORITY_MARK[p].text)} (${counts[p]})</label>`).join('');
  const laneBoxes =
    lanes.length > 1 && lanes.length <= MAX_LANE_FILTERS
      ? `<details><summary>${perPump ? 'pumps' : 'units'} shown</summary>${lanes.map((l, i) => `<label><input type="checkbox" class="f-lane-${i}" checked> ${escapeHtml(l)}</label>`).join('')}</details>`
      : '';
  return `<div class="alarm-filters">show: ${prio}${laneBoxes}</div>`;
}

export function renderAlarmTimeline(result: RunResult, widthPx?: number): string {
  const perPump = result.pumps.length <= MAX_PUMP_LANES;
  const density = result.alarms.length > DENSITY_AT;
  const keys = laneKeys(result, perPump);
  const laneOf = (a: AlarmRecord): string => (perPump ? a.pumpId : a.unit);
  const durationMs = result.scenario.durationMs;
  const lanes: Lane[] = keys.map((k) => ({ label: k, bars: [] }));
  if (density) {
    const bars = densityBars(result.alarms, laneOf, keys, durationMs);
    for (const l of lanes) l.bars = bars.get(l.label) ?? [];
  } else {
    const byKey = new Map(lanes.map((l) => [l.label, l]));
    for (const a of result.alarms) byKey.get(laneOf(a))?.bars.push(...alarmBars([a], perPump));
  }
  const legend: LegendItem[] = PRIORITIES.map((p) => ({
    label: `${PRIORITY_MARK[p].text} priority`,
    swatch: (x, y) =>
      `<g class="prio-${p}"><rect x="${px(x)}" y="${px(y)}" width="22" height="12" fill="${PRIORITY_COLOR[p]}" fill-opacity="0.75"/>${density ? '' : markerSvg(PRIORITY_MARK[p].marker, x, y + 6, 6, PRIORITY_COLOR[p])}</g>`,
  }));
  if (density) {
    legend.push({ label: "darker: more alarms", swatch: (x, y) => `<rect x="${px(x)}" y="${px(y)}" width="11" height="12" fill="#777" fill-opacity="0.25"/><rect x="${px(x + 11)}" y="${px(y)}" width="11" height="12" fill="#777"/>` });
  } else {
    legend.push({ label: 'first answered', swatch: (x, y) => `<line class="answer" x1="${px(x + 11)}" y1="${px(y - 1)}" x2="${px(x + 11)}" y2="${px(y + 13)}"/>` });
    legend.push({ label: 'active at end of run', swatch: (x, y) => `<path d="M${px(x + 8)} ${px(y)}L${px(x + 18)} ${px(y + 6)}L${px(x + 8)} ${px(y + 12)}Z" fill="#666"/>` });
  }
  const counts = { high: 0, medium: 0, low: 0 };
  for (const a of result.alarms) counts[a.priority]++;
  const svg = renderLaneChart({
    title: `Alarm timeline, a lane per ${perPump ? 'pump' : 'unit'}${density ? `: ${result.alarms.length} alarms as counts per ${clockText(durationMs / DENSITY_SLOTS)}` : ''}`,
    durationMs,
    lanes,
    subRows: ['!!!', '!!', '!'],
    subRowPx: perPump ? 11 : 13,
    legend,
    emptyText: 'no pumps',
    marks: violationMarks(result, 'alarm-mark'),
    ...(widthPx !== undefined ? { widthPx } : {}),
  });
  const note = density ? `<p class="desc">${result.alarms.length} alarms: each box counts the alarms raised in a slot of ${escapeHtml(clockText(durationMs / DENSITY_SLOTS))}; hover for the count.</p>` : '';
  return `<div class="alarm-chart">${filters(keys, perPump, counts)}${note}${svg}</div>`;
}
