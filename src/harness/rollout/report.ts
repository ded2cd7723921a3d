/**
 * The rollout in the reports: per-wave counts, the gate's decisions, which pumps were updated
 * when (and why not), pumps still on a weak profile, refusals, and the versions over time chart.
 * The terminal summary and the HTML report each call one function here.
 */
import { renderLineChart } from '../report/charts/lineChart.js';
import { escapeHtml } from '../report/charts/svg.js';
import { clockText } from '../report/timeline.js';
import type { RolloutResult } from './runtime.js';
import { PUMP_UPDATE_STATUSES } from './types.js';

/** What the rollout section reads of a run's result (a RunResult has it; rollout/ does not import run/). */
interface WithRollout {
  scenario: { durationMs: number };
  rollout?: RolloutResult | undefined;
}

const STATUS_HEADERS = ['pending', 'downloading', 'deferred (infusing)', 'installing', 'installed', 'failed', 'rolled back', 'timed out'];

export function waveRows(r: RolloutResult): string[][] {
  return r.waves.map((w) => [w.wave, String(w.size), ...PUMP_UPDATE_STATUSES.map((s) => String(w.counts[s])), w.startedMs !== undefined ? clockText(w.startedMs) : '-', w.passedMs !== undefined ? clockText(w.passedMs) : '-']);
}

export const WAVE_HEADERS = ['wave', 'pumps', ...STATUS_HEADERS, 'started', 'passed'];

/** Key lines of the orchestrator's log (gate decisions, commands): what a reader needs to see why. */
export function keyLog(r: RolloutResult): RolloutResult['log'] {
  return r.log.filter((l) => !l.what.startsWith('pump-'));
}

const STATUS_WORDS: Readonly<Record<string, string>> = {
  pending: 'not offered yet',
  downloading: 'downloading',
  deferred: 'deferred while infusing (installs when its infusion ends)',
  installing: 'installing',
  failed: 'failed',
  'rolled-back': 'rolled back',
  'timed-out': 'timed out',
};

/**
 * What each started wave waited for, in words: a wave still open names the pumps it waits for and
 * why (a canary pump that kept infusing defers its install); a wave that passed names its last
 * install and the soak before the health check (docs/rollout.md, "Gates").
 */
export function rolloutWaits(r: RolloutResult, endMs: number): string[] {
  const out: string[] = [];
  if (r.phase === 'awaiting-approval') out.push('waits for a person to approve the rollout (approval: required; the rollout-approve action)');
  if (r.phase === 'scheduled') out.push('waits for its start time or its maintenance window');
  for (const w of r.waves) {
    if (w.startedMs === undefined) continue;
    const mine = r.pumps.filter((p) => p.wave === w.wave);
    const installed = mine.filter((p) => p.status === 'installed');
    const soak = r.log.find((l) => l.what === 'soak' && l.wave === w.wave);
    const soakText = soak ? `; soak from ${clockText(soak.tMs)} (${soak.detail})` : '';
    if (w.gateReason !== undefined) continue;
    if (w.passedMs !== undefined) {
      const last = installed.reduce<(typeof mine)[number] | undefined>((a, p) => ((p.finishedMs ?? 0) > (a?.finishedMs ?? -1) ? p : a), undefined);
      const lastText = last?.finishedMs !== undefined ? `; its last install: ${last.pumpId} at ${clockText(last.finishedMs)}${last.offeredMs !== undefined ? ` (offered ${clockText(last.offeredMs)})` : ''}` : '';
      out.push(`wave ${w.wave} took ${clockText(w.passedMs - w.startedMs)} from ${clockText(w.startedMs)} to pass${lastText}${soakText}`);
      continue;
    }
    const waiting = mine.filter((p) => p.status !== 'installed');
    const list = waiting.slice(0, 6).map((p) => `${p.pumpId} ${STATUS_WORDS[p.status] ?? p.status}${p.reason ? ` (${p.reason})` : ''}`);
    const what = soak ? `the health check after its soak${soakText}` : `${waiting.length} more install${waiting.length === 1 ? '' : 's'}: ${list.join('; ')}${waiting.length > 6 ? '; ...' : ''}`;
    out.push(`wave ${w.wave} open for ${clockText(endMs - w.startedMs)} since ${clockText(w.startedMs)}, ${installed.length} of ${w.size} installed; waits for ${what}`);
  }
  return out;
}

/** Lines for the terminal summary (empty when the run had no updates). */
export function rolloutSummaryLines(result: WithRollout, table: (headers: string[], rows: string[][]) => string): string[] {
  const r = result.rollout;
  if (!r) return [];
  const out: string[] = [''];
  if (r.release !== undefined) {
    out.push(`Rollout of ${r.release} (${r.version}), policy ${r.policy}: ${r.phase}; ${r.targets} target pumps; full coverage ${r.fullCoverageMs !== undefined ? `at ${clockText(r.fullCoverageMs)}` : 'not reached'}${r.restarts ? `; orchestrator restarted ${r.restarts}x` : ''}`);
    out.push(table(WAVE_HEADERS, waveRows(r)));
    for (const l of rolloutWaits(r, result.scenario.durationMs)) out.push(`  ${l}`);
    for (const l of keyLog(r)) out.push(`  ${clockText(l.tMs)}  ${l.what}${l.wave ? ` [${l.wave}]` : ''}  ${l.detail}`);
  } else {
    out.push('Updates');
  }
  const last = r.versions.at(-1);
  if (last) out.push(`  versions at the end: ${Object.entries(last.versions).map(([v, n]) => `${v} x${n}`).join(', ')}`);
  const refusals = Object.entries(r.refusals);
  if (refusals.length) out.push(`  refused: ${refusals.map(([k, n]) => `${k} x${n}`).join(', ')}`);
  if (r.libraryActivations) out.push(`  library activations: ${r.libraryActivations} (${[...new Set(r.libraries.map((l) => l.active ?? '-'))].join(', ')} active at the end)`);
  out.push(`  pumps on a weak profile at the end: ${r.weakProfiles.length ? r.weakProfiles.map((w) => `${w.pumpId} (${w.profile})`).slice(0, 12).join(', ') + (r.weakProfiles.length > 12 ? ', ...' : '') : 'none'}`);
  return out;
}

function table(headers: readonly string[], rows: readonly (readonly string[])[], numericFrom = 1): string {
  const th = headers.map((h, i) => `<th${i >= numericFrom ? ' class="num"' : ''}>${escapeHtml(h)}</th>`).join('');
  const body = rows.map((r) => `<tr>${r.map((c, i) => `<td${i >= numericFrom ? ' class="num"' : ''}>${escapeHtml(c)}</td>`).join('')}</tr>`).join('\n');
  return `<table><thead><tr>${th}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

/** The versions-over-time chart: pumps running each version. */
export function renderVersionChart(result: WithRollout): string {
  const r = result.rollout;
  if (!r) return '';
  const series = r.versionNames.map((v) => ({ label: v, points: r.versions.map((p) => ({ tMs: p.tMs, value: p.versions[v] ?? 0 })) }));
  return renderLineChart({ title: 'Pumps running each firmware version over virtual time', valueUnit: 'pumps', durationMs: result.scenario.durationMs, series });
}

/** The HTML section (empty when the run had no updates). */
export function rolloutHtmlSection(result: WithRollout): string {
  const r = result.rollout;
  if (!r) return '';
  const out: string[] = ['<section id="rollout"><h2>Firmware and library updates</h2>'];
  if (r.release !== undefined) {
    out.push(
      `<p class="desc">Rollout of <b>${escapeHtml(r.release)}</b> (${escapeHtml(r.version ?? '')}) under policy <b>${escapeHtml(r.policy ?? '')}</b>: ${escapeHtml(r.phase ?? '')}. ${r.targets} target pumps. Full coverage: ${r.fullCoverageMs !== undefined ? clockText(r.fullCoverageMs) : 'not reached'}.${r.restarts ? ` The orchestrator restarted ${r.restarts} time(s) and resumed from its saved state.` : ''}</p>`,
    );
    const tripped = r.waves.filter((w) => w.gateReason !== undefined);
    for (const w of tripped) out.push(`<p class="desc"><b>Why the rollout stopped at wave ${escapeHtml(w.wave)}:</b> ${escapeHtml(w.gateReason ?? '')}</p>`);
    out.push('<h3>Waves</h3>', table(WAVE_HEADERS, waveRows(r)));
    const waits = rolloutWaits(r, result.scenario.durationMs);
    if (waits.length) out.push('<h3>What the rollout waited for</h3>', `<ul>${waits.map((l) => `<li>${escapeHtml(l)}</li>`).join('')}</ul>`);
    out.push('<h3>Orchestrator decisions</h3>', table(['time', 'what', 'wave', 'detail'], keyLog(r).map((l) => [clockText(l.tMs), l.what, l.wave ?? '', l.detail]), 9));
  }
  out.push('<h3>Versions over time</h3>', renderVersionChart(result));
  if (r.pumps.length) {
    const rows = r.pumps.map((p) => [p.pumpId, p.unit, p.type, p.wave, p.status, p.version, p.offeredMs !== undefined ? clockText(p.offeredMs) : '-', p.finishedMs !== undefined ? clockText(p.finishedMs) : '-', p.reason ?? '']);
    out.push(`<details><summary>Which pump was updated when (${r.pumps.length})</summary>`, table(['pump', 'unit', 'type', 'wave', 'status', 'version', 'offered', 'finished', 'why'], rows, 99), '</details>');
  }
  const refusals = Object.entries(r.refusals);
  out.push('<h3>Refusals</h3>', refusals.length ? table(['reason', 'count'], refusals.map(([k, n]) => [k, String(n)])) : '<p class="desc">none</p>');
  out.push(
    '<h3>Pumps on a weak profile at the end</h3>',
    r.weakProfiles.length ? table(['pump', 'version', 'profile', 'weaknesses'], r.weakProfiles.map((w) => [w.pumpId, w.version, w.profile, w.weaknesses.join(', ')]), 99) : '<p class="desc">none</p>',
  );
  if (r.libraryActivations || r.libraries.some((l) => l.queued)) {
    out.push('<h3>Drug libraries at the end</h3>', table(['pump', 'active', 'queued'], r.libraries.map((l) => [l.pumpId, l.active ?? '-', l.queued ?? '-']), 99));
  }
  out.push('</section>');
  return out.join('\n');
}
