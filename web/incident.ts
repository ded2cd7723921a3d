/**
 * The central station's Incident response card (docs/playbooks.md, Training): for a playbook left
 * to the trainee, pick an action and what it acts on; the server checks it, carries it out and
 * scores it against the playbook's steps. The card lists every action, never the steps.
 */
import { h } from './dom.js';

/** What the station's welcome offers (src/harness/train/views.ts IncidentView). */
export interface IncidentView {
  playbooks: string[];
  actions: { name: string; target: string }[];
  segments: string[];
}

type Send = (msg: Record<string, unknown>) => Promise<{ ok: boolean; message: string }>;

const TARGET_HINT: Record<string, string> = { segment: 'a segment id', pump: 'a pump id', pumps: 'a pump, unit:<id>, segment:<id> or all', client: 'a client id (from the alert)', none: 'no target' };

export function incidentCard(v: IncidentView, status: HTMLElement, send: Send): HTMLElement {
  const playbook = h('select', { id: 'incident-playbook', 'aria-label': 'Playbook' }, ...v.playbooks.map((p) => h('option', { value: p }, p)));
  const action = h('select', { id: 'incident-action', 'aria-label': 'Action' }, ...v.actions.map((a) => h('option', { value: a.name }, a.name)));
  const target = h('input', { id: 'incident-target', 'aria-label': 'Target', list: 'incident-segments' });
  const hint = h('span', { class: 'meta' });
  const showHint = (): void => {
    const t = v.actions.find((a) => a.name === action.value)?.target ?? 'none';
    hint.textContent = `target: ${TARGET_HINT[t] ?? t}`;
    target.disabled = t === 'none';
  };
  action.addEventListener('change', showHint);
  showHint();
  const go = h('button', { type: 'button', id: 'incident-go', class: 'primary' }, 'Carry out');
  go.addEventListener('click', async () => {
    const text = target.value.trim();
    const r = await send({ type: 'incident', playbook: playbook.value, action: action.value, ...(target.disabled || text === '' ? {} : { target: text }) });
    status.replaceChildren(h('div', { class: `msg ${r.ok ? 'ok' : 'err'}`, role: 'status' }, r.message));
  });
  return h('div', { class: 'card', id: 'incident' }, h('h2', {}, 'Incident response'), h('datalist', { id: 'incident-segments' }, ...v.segments.map((x) => h('option', { value: x }))), h('div', { class: 'row' }, playbook, action, target, go), hint);
}
