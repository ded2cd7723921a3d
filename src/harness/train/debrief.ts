/**
 * The debrief: one self-contained HTML page (no scripts, no external files) with the score,
 * each objective met or missed with its time and hint, and a timeline of what happened and what
 * the trainee did. The app shows it at /debrief; `infusim train --html` writes it to a file.
 */
import { clockText } from '../report/timeline.js';
import type { LogEntry, ObjectiveView } from './session.js';
import { logTextInWords } from './plainWords.js';

export interface DebriefData {
  name: string;
  description: string;
  tMs: number;
  ended: boolean;
  score: { points: number; max: number; met: number; missed: number; open: number };
  objectives: ObjectiveView[];
  log: LogEntry[];
}

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}

const STATUS_TEXT: Record<string, string> = { met: '✔ MET', missed: '✘ MISSED', open: '… OPEN', pending: '○ NOT STARTED' };

export function renderDebriefHtml(d: DebriefData): string {
  const pct = d.score.max > 0 ? Math.round((d.score.points / d.score.max) * 100) : 0;
  const rows = d.objectives
    .map(
      (o) => `<tr class="obj ${o.status}" data-objective="${esc(o.id)}">
  <td class="status">${STATUS_TEXT[o.status] ?? o.status}</td>
  <td><strong>${esc(o.title)}</strong>${o.task ? `<div class="task">${esc(o.task)}</div>` : ''}</td>
  <td class="num">${o.status === 'met' ? o.score : 0} / ${o.score}</td>
  <td>${o.openedMs !== undefined ? clockText(o.openedMs) : '-'}</td>
  <td>${o.doneMs !== undefined ? clockText(o.doneMs) : '-'}</td>
  <td>${esc(o.note || '-')}${o.status !== 'met' ? `<div class="hint"><b>Hint:</b> ${esc(o.hint)}</div>` : ''}</td>
</tr>`,
    )
    .join('\n');
  const timeline = d.log
    .map((e) => `<tr class="who-${e.who}${e.ok === false ? ' bad' : ''}"><td>${clockText(e.tMs)}</td><td>${esc(e.pumpId ?? '')}</td><td>${esc(e.who)}</td><td>${esc(logTextInWords(e.text))}</td></tr>`)
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Debrief: ${esc(d.name)}</title>
<style>
body { font: 15px/1.45 system-ui, sans-serif; margin: 1.5rem auto; max-width: 1100px; padding: 0 1rem; color: #111; background: #fff; }
h1 { margin-bottom: .2rem; } .sub { color: #444; margin-top: 0; }
.score { font-size: 1.6rem; font-weight: 700; margin: 1rem 0; padding: .6rem 1rem; border: 3px solid #222; display: inline-block; border-radius: 6px; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1.5rem; }
th, td { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid #ccc; vertical-align: top; }
th { background: #eee; }
.num { text-align: right; white-space: nowrap; }
.status { font-weight: 700; white-space: nowrap; }
tr.met .status { color: #0a6b2b; } tr.missed .status { color: #b00020; } tr.open .status, tr.pending .status { color: #555; }
.task { color: #333; font-size: .9em; } .hint { margin-top: .3rem; background: #fff7d6; border-left: 4px solid #c99a00; padding: .2rem .4rem; }
.timeline td:first-child { font-family: ui-monospace, monospace; white-space: nowrap; }
tr.who-trainee td { background: #eef5ff; } tr.who-objective td { font-weight: 600; } tr.bad td:last-child { color: #b00020; }
tr.who-security td { background: #fdeeee; }
@media print { body { margin: 0; max-width: none; font-size: 11pt; } * { print-color-adjust: exact; -webkit-print-color-adjust: exact; } tr { break-inside: avoid; } h2 { break-after: avoid; } }
</style>
</head>
<body>
<h1>Debrief: ${esc(d.name)}</h1>
<p class="sub">${esc(d.description)}${d.ended ? '' : ' (session still running: this is the debrief so far)'} &middot; virtual time ${clockText(d.tMs)}</p>
<div class="score" id="score" data-points="${d.score.points}" data-max="${d.score.max}">Score ${d.score.points} / ${d.score.max} (${pct}%) &middot; ${d.score.met} met, ${d.score.missed} missed${d.score.open ? `, ${d.score.open} open` : ''}</div>
<h2>Objectives</h2>
<table class="objectives">
<thead><tr><th>Result</th><th>Objective</th><th class="num">Points</th><th>Started</th><th>Done</th><th>What happened</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>
<h2>Timeline</h2>
<p>What the pumps, the network and the scenario did, and what the trainee did (shaded).</p>
<table class="timeline">
<thead><tr><th>Time</th><th>Pump</th><th>Who</th><th>What</th></tr></thead>
<tbody>
${timeline}
</tbody>
</table>
</body>
</html>
`;
}
