/**
 * From the trace, when the report is given one: a page per pump (its alarm timeline and its event
 * log, folded, reached from the pump tables) and the outcome of every escalation of an unanswered
 * high-priority alarm by the gateway (level 1: charge nurse, level 2: rapid response team;
 * docs/scenarios.md, "Gateway").
 */
import type { AlarmRecord, RunResult } from '../run/result.js';
import { formatTraceRecord, type TraceRecord } from '../trace/trace.js';
import { alarmOutcome } from './alarmAnswers.js';
import { PRIORITY_COLOR, PRIORITY_MARK } from './charts/alarmChart.js';
import { renderLaneChart } from './charts/lanes.js';
import { escapeHtml } from './charts/svg.js';
import { percentile, secondsText } from './summary.js';
import { clockText, describeEvent, traceLineForPeople } from './timeline.js';

/** Lines of a pump's event log in the report; the whole log is in the trace (--trace). */
export const PUMP_LOG_LINES = 300;
/** Escalations listed one by one; the counts cover all. */
export const ESCALATION_ROWS = 100;

/** Link targets of the pump pages: `pump-<index in result.pumps>` (pump ids may hold any character). */
export function pumpAnchors(r: RunResult): Map<string, string> {
  return new Map(r.pumps.map((p, i) => [p.id, `pump-${i + 1}`]));
}

function logLine(rec: TraceRecord): string {
  if (rec.kind === 'pump') return `${clockText(rec.tMs)}  ${describeEvent(rec.event) ?? rec.event.type}`;
  return traceLineForPeople(formatTraceRecord(rec));
}

function pumpTimeline(r: RunResult, alarms: readonly AlarmRecord[]): string {
  return renderLaneChart({
    title: 'alarms of this pump',
    durationMs: r.scenario.durationMs,
    lanes: [
      {
        label: 'alarms',
        bars: alarms.map((a) => ({
          startMs: a.raisedMs,
          endMs: a.endedMs,
          subRow: PRIORITY_MARK[a.priority].row,
          fill: PRIORITY_COLOR[a.priority],
          cls: `prio-${a.priority}`,
          marker: PRIORITY_MARK[a.priority].marker,
          label: a.id,
          title: `${a.id} ${a.priority}: ${clockText(a.raisedMs)} to ${a.endedMs !== undefined ? clockText(a.endedMs) : 'end of run'}`,
          tickMs: a.answeredMs,
        })),
      },
    ],
    subRows: ['!!!', '!!', '!'],
    subRowPx: 12,
    legend: [],
    emptyText: 'no alarms',
  });
}

export function pumpPagesHtml(r: RunResult, records: readonly TraceRecord[]): string {
  const anchors = pumpAnchors(r);
  const logs = new Map<string, TraceRecord[]>();
  for (const rec of records) {
    if (!('pumpId' in rec) || rec.pumpId === undefined || rec.kind === 'ingest') continue;
    const list = logs.get(rec.pumpId) ?? [];
    list.push(rec);
    logs.set(rec.pumpId, list);
  }
  const pages = r.pumps.map((p) => {
    const log = logs.get(p.id) ?? [];
    const alarms = r.alarms.filter((a) => a.pumpId === p.id);
    const shown = log.slice(0, PUMP_LOG_LINES).map(logLine);
    const more = log.length > PUMP_LOG_LINES ? `\n… ${log.length - PUMP_LOG_LINES} more records in the trace (infusim run --trace)` : '';
    return (
      `<details class="pump-page" id="${anchors.get(p.id) ?? ''}"><summary>${escapeHtml(p.id)}: ${escapeHtml(p.unit)}, ${escapeHtml(p.type)}, firmware ${escapeHtml(p.firmware)}, ended ${escapeHtml(p.finalState)}, ${alarms.length} alarm${alarms.length === 1 ? '' : 's'}</summary>` +
      `${pumpTimeline(r, alarms)}<pre>${escapeHtml(shown.join('\n') + more)}</pre></details>`
    );
  });
  return `<section id="pump-pages"><h2>Pump by pump</h2><p class="desc">Each pump's alarms over time and its event log (first ${PUMP_LOG_LINES} records). Open one from here or from a pump id in the tables.</p>\n${pages.join('\n')}\n</section>`;
}

export interface EscalationOutcome {
  tMs: number;
  pumpId: string;
  alarm: string;
  level: number;
  outcome: 'answered' | 'ended' | 'active';
  /** From the escalation to the first answer. */
  answeredAfterMs?: number | undefined;
}

export function escalationOutcomes(r: RunResult, records: readonly TraceRecord[]): EscalationOutcome[] {
  const out: EscalationOutcome[] = [];
  for (const rec of records) {
    if (rec.kind !== 'escalation') continue;
    const a = r.alarms.find((x) => x.pumpId === rec.pumpId && x.id === rec.alarm && x.raisedMs <= rec.tMs && (x.endedMs === undefined || x.endedMs >= rec.tMs));
    const outcome = a ? alarmOutcome(a) : 'active';
    out.push({ tMs: rec.tMs, pumpId: rec.pumpId, alarm: rec.alarm, level: rec.level, outcome, answeredAfterMs: a?.answeredMs !== undefined ? a.answeredMs - rec.tMs : undefined });
  }
  return out;
}

const LEVEL_NAME: Readonly<Record<number, string>> = { 1: 'charge nurse', 2: 'rapid response team' };
const OUTCOME_TEXT: Readonly<Record<EscalationOutcome['outcome'], string>> = { answered: 'answered', ended: 'ended with nobody answering', active: 'still on at the end' };

export function escalationHtml(r: RunResult, records: readonly TraceRecord[], pumpLink: (id: string) => string): string {
  const all = escalationOutcomes(r, records);
  const out = [`<section id="escalations"><h2>Escalations (${all.length})</h2>`];
  if (all.length === 0) {
    out.push('<p class="desc">No alarm was escalated: every high-priority alarm was answered before the gateway escalated it (or the run had none).</p></section>');
    return out.join('\n');
  }
  const levels = [...new Set(all.map((e) => e.level))].sort();
  const summary = levels.map((l) => {
    const mine = all.filter((e) => e.level === l);
    const after = mine.flatMap((e) => (e.answeredAfterMs !== undefined ? [e.answeredAfterMs] : [])).sort((x, y) => x - y);
    return `<tr><td>${l} (${escapeHtml(LEVEL_NAME[l] ?? `level ${l}`)})</td><td class="num">${mine.length}</td><td class="num">${after.length}</td><td class="num">${secondsText(percentile(after, 50))}</td><td class="num">${mine.filter((e) => e.outcome === 'ended').length}</td><td class="num">${mine.filter((e) => e.outcome === 'active').length}</td></tr>`;
  });
  out.push(`<table><thead><tr><th>level</th><th class="num">escalated</th><th class="num">then answered</th><th class="num">median s to answer</th><th class="num">ended unanswered</th><th class="num">still on</th></tr></thead><tbody>${summary.join('')}</tbody></table>`);
  const rows = all.slice(0, ESCALATION_ROWS).map(
    (e) =>
      `<tr><td class="mono">${escapeHtml(clockText(e.tMs))}</td><td>${pumpLink(e.pumpId)}</td><td>${escapeHtml(e.alarm)}</td><td class="num">${e.level}</td><td>${escapeHtml(OUTCOME_TEXT[e.outcome])}${e.answeredAfterMs !== undefined ? ` ${escapeHtml(secondsText(e.answeredAfterMs))} s later` : ''}</td></tr>`,
  );
  out.push(`<details><summary>Each escalation${all.length > ESCALATION_ROWS ? ` (first ${ESCALATION_ROWS})` : ''}</summary><table><thead><tr><th>time</th><th>pump</th><th>alarm</th><th class="num">level</th><th>outcome</th></tr></thead><tbody>${rows.join('')}</tbody></table></details></section>`);
  return out.join('\n');
}
