/**
 * The report's incident response section (docs/playbooks.md, Figures): per playbook its trigger,
 * time to detect, time to contain, infusions interrupted, events lost and pumps affected, and its
 * steps with role, action, target, approval and when each ended. Terminal and HTML; the JSON
 * report carries `playbooks` as it is.
 */
import { escapeHtml } from './charts/svg.js';
import { clockText } from './timeline.js';
import type { RunResult } from '../run/result.js';
import type { PlaybookResult } from '../playbook/figures.js';

function span(ms: number | undefined, none: string): string {
  if (ms === undefined) return none;
  return ms < 60_000 ? `${Math.round(ms / 1000)} s` : `${(ms / 60_000).toFixed(1)} min`;
}

const FIGURE_HEADERS = ['playbook', 'trigger', 'at', 'attack', 'time to detect', 'time to contain', 'infusions interrupted', 'events lost', 'pumps affected'];
const STEP_HEADERS = ['playbook', 'step', 'role', 'action', 'target', 'approved', 'started', 'ended', 'pumps'];

function figureRows(ps: readonly PlaybookResult[]): string[][] {
  return ps.map((p) => [p.id, p.trigger ? `${p.trigger.kind} (${p.trigger.severity})` : 'not triggered', p.trigger ? clockText(p.trigger.atMs) : '-', p.attack ? `${p.attack.what} ${p.attack.target}` : '-', span(p.timeToDetectMs, '-'), span(p.timeToContainMs, p.triggered ? 'NOT CONTAINED' : '-'), String(p.infusionsInterrupted), String(p.eventsLost), String(p.pumpsAffected)]);
}

function stepRows(ps: readonly PlaybookResult[]): string[][] {
  const rows: string[][] = [];
  for (const p of ps) {
    for (const s of p.steps) rows.push([p.id, String(s.n), s.role, s.action, s.target ?? '-', s.approval ? `${s.approval.role} ${clockText(s.approval.atMs)}` : '-', clockText(s.startMs), clockText(s.doneMs), String(s.pumps.length)]);
    for (const c of p.chosen ?? []) rows.push([p.id, 'trainee', '-', c.action, c.target ?? '-', '-', '-', clockText(c.tMs), String(c.pumps.length)]);
  }
  return rows;
}

export function playbookSummaryLines(result: RunResult, textTable: (headers: string[], rows: string[][]) => string): string[] {
  const ps = result.playbooks;
  if (!ps?.length) return [];
  const out = ['', `Incident response: ${ps.filter((p) => p.triggered).length} of ${ps.length} playbook(s) triggered, ${ps.filter((p) => p.containedMs !== undefined).length} contained`];
  out.push(textTable(FIGURE_HEADERS, figureRows(ps)));
  const steps = stepRows(ps);
  if (steps.length) out.push(textTable(STEP_HEADERS, steps));
  return out;
}

function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const head = `<tr>${headers.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr>`;
  return `<table>${head}${rows.map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`).join('')}</table>`;
}

export function playbookHtmlSection(result: RunResult): string {
  const ps = result.playbooks;
  if (!ps?.length) return '';
  const steps = stepRows(ps);
  return ['<section id="playbooks"><h2>Incident response</h2>', table(FIGURE_HEADERS, figureRows(ps)), '<h3>Steps</h3>', steps.length ? table(STEP_HEADERS, steps) : '<p class="desc">no step ran</p>', '</section>'].join('\n');
}
