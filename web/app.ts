/**
 * The infusim training app: central station, pump front panel, instructor page and debrief, over
 * one WebSocket to the training server. Plain TypeScript and the DOM; compiled by
 * tsconfig.web.json into dist/web and served by the server (no CDN: it works offline).
 *
 * Routes: #/station, #/pump/<id>, #/instructor/<key>, #/debrief; #/key/<session key> (the address
 * infusim train prints) keeps the session key in this browser and opens the station.
 * When the link drops, the page says so and hides the numbers until it is back (no stale data).
 */
import { AlarmSound } from './audio.js';
import { h } from './dom.js';
import { incidentCard } from './incident.js';
import type { Snapshot, Welcome, Reply, ServerMessage } from './messages.js';
import { alarmItem, clock, codeInWords, fieldsInWords, PRIO_TEXT } from './words.js';

// ------------------------------------------------------------------ helpers

const $ = (id: string): HTMLElement => document.getElementById(id) ?? h('div');
/** The key a nurse most likely needs next, by pump state: Resume in ALARM and PAUSED, not Start. */
const PRIMARY_KEY: Record<string, string> = { IDLE: 'key-program', PROGRAMMED: 'key-start', RUNNING: 'key-pause', KVO: 'key-stop', PAUSED: 'key-resume', ALARM: 'key-resume', COMPLETE: 'key-program' };
/** The scenario has an objective of this kind (then its report button is shown). */
function hasObjective(s: Snapshot, kind: string): boolean {
  return s.objectives.some((o) => o.kind === kind);
}

// ------------------------------------------------------------------ connection

let ws: WebSocket | undefined;
let snapshot: Snapshot | undefined;
let welcome: Welcome | undefined;
let refSeq = 0;
const pending = new Map<string, (r: Reply) => void>();
let retryMs = 500;
const sound = new AlarmSound();

function route(): { page: string; arg: string } {
  const parts = location.hash.replace(/^#\/?/, '').split('/');
  return { page: parts[0] || 'station', arg: decodeURIComponent(parts[1] ?? '') };
}

const KEY_STORE = 'infusim-train-key';

/** The session key front panels and the station need: from #/key/<key>, kept for this server's origin. */
function sessionKey(): string {
  try {
    return localStorage.getItem(KEY_STORE) ?? '';
  } catch {
    return '';
  }
}

function takeKeyFromAddress(): void {
  const r = route();
  const key = r.page === 'key' ? r.arg : r.page === 'instructor' && !sessionKey() ? r.arg : '';
  if (key) {
    try {
      localStorage.setItem(KEY_STORE, key);
    } catch {
      // storage off: the page still works until it is reloaded
    }
  }
  // Keep the key out of the address bar and the history.
  if (r.page === 'key') location.replace('#/station');
}

function hello(): Record<string, unknown> {
  const r = route();
  if (r.page === 'pump') return { type: 'hello', role: 'pump', pumpId: r.arg, key: sessionKey() };
  if (r.page === 'instructor') return { type: 'hello', role: 'instructor', key: r.arg };
  if (r.page === 'debrief') return { type: 'hello', role: 'debrief' };
  return { type: 'hello', role: 'station', key: sessionKey() };
}

function send(msg: Record<string, unknown>): Promise<Reply> {
  return new Promise((resolve) => {
    if (!ws || ws.readyState !== WebSocket.OPEN) return resolve({ type: 'reply', ok: false, code: 'OFFLINE', message: 'not connected to the training server' });
    const ref = `r${++refSeq}`;
    pending.set(ref, resolve);
    ws.send(JSON.stringify({ ...msg, ref }));
  });
}

function setLost(lost: boolean): void {
  document.body.classList.toggle('lost', lost);
  const c = $('conn');
  c.className = lost ? 'down' : 'up';
  c.textContent = lost ? 'LOST CONTACT' : 'live';
  if (lost) {
    snapshot = undefined;
    sound.set('off');
    $('clock').textContent = '--:--:--';
  }
}

function connect(): void {
  const sock = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`);
  ws = sock;
  sock.addEventListener('open', () => {
    retryMs = 500;
    sock.send(JSON.stringify({ ...hello(), ref: 'hello' }));
  });
  sock.addEventListener('message', (ev) => {
    let m: ServerMessage;
    try {
      m = JSON.parse(String(ev.data)) as ServerMessage;
    } catch {
      return;
    }
    if (m.type === 'welcome') {
      welcome = m;
      setLost(false);
      build();
    } else if (m.type === 'snapshot') {
      if (!welcome) return;
      snapshot = m;
      setLost(false);
      update();
    } else if (m.type === 'reply') {
      if (m.ref === 'hello' && !m.ok) showFatal(m.message);
      const p = m.ref !== undefined ? pending.get(m.ref) : undefined;
      if (p && m.ref !== undefined) {
        pending.delete(m.ref);
        p(m);
      }
    }
  });
  sock.addEventListener('close', () => {
    if (ws !== sock) return;
    welcome = undefined;
    setLost(true);
    for (const p of pending.values()) p({ type: 'reply', ok: false, code: 'OFFLINE', message: 'lost contact with the training server' });
    pending.clear();
    window.setTimeout(connect, retryMs);
    retryMs = Math.min(5000, retryMs * 2);
  });
}

function showFatal(text: string): void {
  const main = $('main');
  main.replaceChildren(h('div', { class: 'msg err', role: 'alert' }, text));
}

// ------------------------------------------------------------------ pages

let updateView: (() => void) | undefined;

function build(): void {
  const w = welcome;
  if (!w) return;
  $('pumplinks').replaceChildren(...w.pumps.map((p) => h('a', { href: `#/pump/${p.id}`, style: 'margin-right:.5rem' }, p.id)));
  const r = route();
  const main = $('main');
  main.replaceChildren();
  if (r.page === 'pump') updateView = buildPump(main, r.arg, w);
  else if (r.page === 'instructor') updateView = buildInstructor(main, r.arg, w);
  else if (r.page === 'debrief') updateView = buildDebrief(main);
  else updateView = buildStation(main, w);
  update();
}

function update(): void {
  const s = snapshot;
  if (!s) return;
  $('clock').textContent = `${clock(s.tMs)} / ${clock(s.durationMs)} · ${s.paused ? 'PAUSED' : `${s.speed}x`}${s.ended ? ' · ENDED' : ''}`;
  sound.set(route().page === 'station' ? s.station.audio : 'off');
  updateView?.();
}

function soundToggle(): HTMLButtonElement {
  const b = h('button', { type: 'button', id: 'sound' }, 'Turn sound on');
  b.addEventListener('click', () => {
    if (sound.enabled) sound.disable();
    else sound.enable();
    b.textContent = sound.enabled ? 'Turn sound off' : 'Turn sound on';
    if (snapshot) sound.set(snapshot.station.audio);
  });
  return b;
}

function buildStation(main: HTMLElement, w: Welcome): () => void {
  const audioSig = h('span', { class: 'sig live', id: 'station-audio' });
  const pauseInfo = h('span', { class: 'live', id: 'station-pause' });
  const status = h('div', { role: 'status', id: 'station-msg' });
  const pauseBtn = h('button', { type: 'button', id: 'station-silence', class: 'primary' }, 'Pause station audio (120 s)');
  pauseBtn.addEventListener('click', async () => {
    const r = await send({ type: 'station-silence' });
    status.replaceChildren(h('div', { class: `msg ${r.ok ? 'ok' : 'err'}` }, r.message));
  });
  const alarmList = h('ul', { class: 'alarms live', id: 'alarm-list', 'aria-live': 'polite' });
  const units = h('div', { class: 'live', id: 'units' });
  const tasks = h('ul', { class: 'live', id: 'tasks' });
  main.append(
    h('h1', {}, 'Central station'),
    ...(w.brief ? [h('div', { class: 'card' }, h('strong', {}, 'Brief: '), w.brief)] : []),
    h('div', { class: 'card audio' }, h('span', {}, 'Audible signal:'), audioSig, pauseBtn, pauseInfo, soundToggle()),
    status,
    h('h2', {}, 'Active alarms (highest priority first)'),
    alarmList,
    h('h2', {}, 'Your tasks'),
    tasks,
    ...(w.incidents ? [incidentCard(w.incidents, status, send)] : []),
    units,
  );
  return () => {
    const s = snapshot;
    if (!s) return;
    audioSig.textContent = s.station.audio === 'off' ? 'silent' : (PRIO_TEXT[s.station.audio] ?? s.station.audio);
    audioSig.className = `sig live ${s.station.audio === 'off' ? '' : `prio-${s.station.audio}`}`;
    pauseInfo.textContent = s.station.pausedUntilMs !== null ? `paused until ${clock(s.station.pausedUntilMs)}` : '';
    alarmList.replaceChildren(...(s.alarms.length ? s.alarms.map((a) => alarmItem(a, true)) : [h('li', {}, 'No active alarms.')]));
    tasks.replaceChildren(...s.objectives.filter((o) => o.task && o.status !== 'pending').map((o) => h('li', {}, `${o.task} `, h('span', { class: o.status }, `(${o.status})`))));
    if (!tasks.childElementCount) tasks.append(h('li', {}, 'No task given: watch the fleet.'));
    units.replaceChildren(
      ...s.units.map((u) =>
        h(
          'section',
          {},
          h('h2', {}, `${u.name} (${u.careArea})`),
          h(
            'table',
            { 'data-unit': u.id },
            h('thead', {}, h('tr', {}, ...['Pump', 'State', 'Drug', 'Dose', 'Rate mL/h', 'Infused / VTBI mL', 'Time left', 'Alarm', 'Network', hasObjective(s, 'report-unknown-source') ? 'Report' : ''].map((t) => h('th', {}, t)))),
            h(
              'tbody',
              {},
              ...u.pumps.map((p) =>
                h(
                  'tr',
                  { 'data-pump': p.id },
                  h('td', {}, h('a', { href: `#/pump/${p.id}` }, p.id)),
                  h('td', { class: `state state-${p.state}` }, p.state),
                  h('td', {}, p.drugName || '-'),
                  h('td', {}, p.dose !== null ? `${p.dose} ${p.doseUnit}` : '-'),
                  h('td', { class: 'num' }, String(p.rate)),
                  h('td', { class: 'num' }, `${p.vi} / ${p.vtbi}`),
                  h('td', { class: 'num' }, p.remainingMin !== null ? `${Math.floor(p.remainingMin / 60)} h ${p.remainingMin % 60} min` : '-'),
                  h('td', {}, p.alarms[0] ? `${PRIO_TEXT[p.alarms[0].priority] ?? ''} ${p.alarms[0].text}` : '-'),
                  h('td', {}, `${p.commLost ? 'LOST' : 'ok'}${p.refused ? ` · ${p.refused} remote cmd refused` : ''}`),
                  h('td', {}, hasObjective(s, 'report-unknown-source') ? reportButton(p.id, 'unknown-source', 'Report unknown source', status) : ''),
                ),
              ),
            ),
          ),
        ),
      ),
    );
  };
}

function reportButton(pumpId: string, concern: string, label: string, status: HTMLElement): HTMLButtonElement {
  const b = h('button', { type: 'button', 'data-report': concern }, label);
  b.addEventListener('click', async () => {
    const r = await send({ type: 'report', pumpId, concern });
    status.replaceChildren(h('div', { class: `msg ${r.ok ? 'ok' : 'err'}`, role: 'status' }, r.message));
  });
  return b;
}

function num(input: HTMLInputElement): string {
  return input.value.trim();
}

function buildPump(main: HTMLElement, pumpId: string, w: Welcome): () => void {
  const drugs = w.drugs ?? [];
  const display = h('div', { class: 'display live', id: 'display', 'aria-live': 'polite' });
  const msg = h('div', { id: 'panel-msg', role: 'alert' });
  const confirmBox = h('div', { id: 'confirm' });
  const promptBox = h('div', { id: 'prompt' });
  const setMsg = (cls: string, text: string): void => {
    msg.replaceChildren(h('div', { class: `msg ${cls}` }, text));
  };
  const key = async (line: string, label = line): Promise<Reply> => {
    confirmBox.replaceChildren();
    const r = await send({ type: 'command', pumpId, line });
    const what = r.words ?? label;
    if (r.ok) {
      const more = fieldsInWords(r.fields);
      setMsg('ok', `Done: ${what}${more ? ` (${more})` : ''}.`);
    } else if (r.code === 'HARD_LIMIT') setMsg('hard', `HARD LIMIT: ${r.message}. Refused: a hard limit cannot be overridden; query the order.`);
    else if (r.code === 'SOFT_LIMIT') {
      setMsg('err', `SOFT LIMIT: ${r.message}.`);
      const confirm = h('button', { type: 'button', class: 'primary', id: 'confirm-override' }, 'Confirm override');
      const cancel = h('button', { type: 'button', id: 'cancel-override' }, 'Cancel');
      confirm.addEventListener('click', () => void key(`${line} override=1`, `${label}, override confirmed`));
      cancel.addEventListener('click', () => {
        confirmBox.replaceChildren();
        setMsg('ok', 'Override cancelled: the program was not entered.');
      });
      confirmBox.replaceChildren(h('div', { class: 'confirm', role: 'alertdialog', 'aria-label': 'Confirm soft limit override' }, h('p', {}, `The dose is outside the soft limit. ${r.message}. Confirm it is what was ordered?`), h('div', { class: 'row' }, confirm, cancel)));
      confirm.focus();
    } else setMsg('err', `Not done: ${what}. Refused (${codeInWords(r.code)}): ${r.message}`);
    return r;
  };
  const button = (label: string, line: string | (() => string | undefined), id: string, cls = ''): HTMLButtonElement => {
    const b = h('button', { type: 'button', id, class: cls }, label);
    b.addEventListener('click', () => {
      const l = typeof line === 'string' ? line : line();
      if (l) void key(l, label);
    });
    return b;
  };

  // Program from the drug library.
  const drugSel = h('select', { id: 'drug' }, ...drugs.map((d) => h('option', { value: d.id }, d.name)));
  const dose = h('input', { id: 'dose', inputmode: 'decimal', size: '7' });
  const weight = h('input', { id: 'weight', inputmode: 'decimal', size: '5' });
  const vtbi = h('input', { id: 'vtbi', inputmode: 'decimal', size: '6', value: '250' });
  const drugInfo = h('div', { id: 'drug-info' });
  const showDrug = (): void => {
    const d = drugs.find((x) => x.id === drugSel.value);
    drugInfo.textContent = d ? `${d.concentration} · dose in ${d.doseUnit} · soft ${d.soft} · hard ${d.hard}` : '';
    weight.disabled = !d?.weightBased;
  };
  drugSel.addEventListener('change', showDrug);
  showDrug();
  const programLine = (): string | undefined => {
    const d = drugs.find((x) => x.id === drugSel.value);
    if (!d) return undefined;
    const parts = ['PROGRAM', `drug=${d.id}`, `dose=${num(dose)}`];
    if (d.weightBased) parts.push(`weight=${num(weight)}`);
    parts.push(`vtbi=${num(vtbi)}`);
    return parts.join(' ');
  };
  const rate = h('input', { id: 'titrate-rate', inputmode: 'decimal', size: '6' });
  const tdose = h('input', { id: 'titrate-dose', inputmode: 'decimal', size: '6' });
  const bolus = h('input', { id: 'bolus-volume', inputmode: 'decimal', size: '5' });
  const status = h('div', { role: 'status' });
  // Shown only where the scenario has such a concern to raise (docs/training.md, objectives).
  const concernUnknown = reportButton(pumpId, 'unknown-source', 'Report commands from an unknown source', status);
  const concernFirmware = reportButton(pumpId, 'firmware-prompt', 'Report a suspicious firmware prompt', status);
  concernUnknown.hidden = true;
  concernFirmware.hidden = true;

  main.append(
    h('h1', {}, `Pump ${pumpId}: front panel`),
    h(
      'div',
      { class: 'pump' },
      h('div', {}, display, msg, confirmBox, promptBox),
      h(
        'div',
        {},
        h('div', { class: 'keys', role: 'group', 'aria-label': 'Pump keys' },
          button('Start', 'START', 'key-start'),
          button('Pause', 'PAUSE', 'key-pause'),
          button('Resume', 'RESUME', 'key-resume'),
          button('Stop', 'STOP', 'key-stop', 'danger'),
          button('Silence', 'SILENCE', 'key-silence'),
          button('Acknowledge', 'ACK', 'key-ack'),
          button('Clear line (bedside)', 'INJECT occlusion=clear', 'key-clear'),
          button('Close door', 'INJECT door=closed', 'key-door'),
          button('New container', 'INJECT container=ok', 'key-container'),
        ),
        h('form', { class: 'card', id: 'program-form', onsubmit: (e: Event) => { e.preventDefault(); const l = programLine(); if (l) void key(l, 'Program'); } },
          h('h2', {}, 'Program from the drug library'),
          h('div', { class: 'row' }, h('label', {}, 'Drug', drugSel), h('label', {}, 'Dose', dose), h('label', {}, 'Weight kg', weight), h('label', {}, 'VTBI mL', vtbi)),
          drugInfo,
          h('button', { type: 'submit', class: 'primary', id: 'key-program' }, 'Program'),
        ),
        h('div', { class: 'card' },
          h('h2', {}, 'Titrate and bolus'),
          h('div', { class: 'row' },
            h('label', {}, 'New rate mL/h', rate), button('Titrate rate', () => (num(rate) ? `TITRATE rate=${num(rate)}` : undefined), 'key-titrate-rate'),
            h('label', {}, 'New dose', tdose), button('Titrate dose', () => (num(tdose) ? `TITRATE dose=${num(tdose)}` : undefined), 'key-titrate-dose'),
          ),
          h('div', { class: 'row' }, h('label', {}, 'Bolus mL', bolus), button('Bolus', () => (num(bolus) ? `BOLUS volume=${num(bolus)}` : undefined), 'key-bolus')),
        ),
        h('div', { class: 'card' },
          h('h2', {}, 'Raise a concern'),
          h('div', { class: 'row' }, reportButton(pumpId, 'order-query', 'Query the order with the prescriber', status), concernUnknown, concernFirmware),
          status,
        ),
      ),
    ),
  );
  let shownPrompt = '';
  return () => {
    const s = snapshot;
    if (!s) return;
    const p = s.units.flatMap((u) => u.pumps).find((x) => x.id === pumpId);
    if (!p) return;
    concernUnknown.hidden = !hasObjective(s, 'report-unknown-source');
    concernFirmware.hidden = !hasObjective(s, 'decline-firmware');
    const primary = PRIMARY_KEY[p.state];
    for (const b of main.querySelectorAll<HTMLButtonElement>('.keys button')) b.classList.toggle('primary', b.id === primary);
    display.replaceChildren(
      h('div', { class: 'lbl' }, `${p.id} · ${p.type === 'lvp' ? 'large-volume pump' : 'syringe pump'} · ${p.unit}`),
      h('div', { class: `big state-${p.state}`, id: 'pump-state' }, p.state),
      h('div', {}, p.drugName || 'No program'),
      h('div', { class: 'grid' },
        h('div', {}, h('div', { class: 'lbl' }, 'Dose'), p.dose !== null ? `${p.dose} ${p.doseUnit}` : '-'),
        h('div', {}, h('div', { class: 'lbl' }, 'Rate'), h('span', { id: 'pump-rate' }, `${p.rate} mL/h`)),
        h('div', {}, h('div', { class: 'lbl' }, 'Infused / VTBI'), `${p.vi} / ${p.vtbi} mL`),
        h('div', {}, h('div', { class: 'lbl' }, 'Time left'), p.remainingMin !== null ? `${Math.floor(p.remainingMin / 60)} h ${p.remainingMin % 60} min` : '-'),
        h('div', {}, h('div', { class: 'lbl' }, 'Audio'), p.audio === 'off' ? 'silent' : (PRIO_TEXT[p.audio] ?? p.audio)),
        h('div', {}, h('div', { class: 'lbl' }, 'Power · network'), `${p.mains ? 'mains' : 'BATTERY'} ${p.battery}% · ${p.commLost ? 'NETWORK LOST' : 'network ok'}${p.refused ? ` · ${p.refused} remote commands refused` : ''}`),
      ),
      h('ul', { class: 'alarms', id: 'pump-alarms' }, ...p.alarms.map((a) => alarmItem(a, false))),
    );
    const prompt = s.prompts.find((x) => x.pumpId === pumpId);
    const key2 = prompt ? `${prompt.objectiveId}` : '';
    if (key2 !== shownPrompt) {
      shownPrompt = key2;
      if (!prompt) promptBox.replaceChildren();
      else {
        const answer = (a: 'install' | 'decline') => async () => {
          const r = await send({ type: 'prompt', pumpId, objective: prompt.objectiveId, answer: a });
          setMsg(r.ok ? 'ok' : 'err', r.message);
        };
        const inst = h('button', { type: 'button', id: 'prompt-install' }, 'Install');
        const dec = h('button', { type: 'button', id: 'prompt-decline', class: 'primary' }, 'Decline');
        inst.addEventListener('click', () => void answer('install')());
        dec.addEventListener('click', () => void answer('decline')());
        promptBox.replaceChildren(h('div', { class: 'prompt', role: 'alertdialog', 'aria-label': 'Firmware prompt' }, h('strong', {}, 'Firmware update'), h('p', {}, prompt.text), h('div', { class: 'row' }, inst, dec)));
      }
    }
  };
}

function buildInstructor(main: HTMLElement, instructorKey: string, w: Welcome): () => void {
  const status = h('div', { role: 'status', id: 'instr-msg' });
  const act = async (action: Record<string, unknown>): Promise<void> => {
    const r = await send({ type: 'instructor', key: instructorKey, action });
    status.replaceChildren(h('div', { class: `msg ${r.ok ? 'ok' : 'err'}` }, r.ok ? r.message : `${r.code ?? 'ERR'}: ${r.message}`));
  };
  const speed = h('select', { id: 'speed' }, ...[0.5, 1, 2, 5, 10, 30, 60, 120].map((x) => h('option', { value: String(x), ...(x === 1 ? { selected: true } : {}) }, `${x}x`)));
  const faultSel = h('select', { id: 'fault' }, ...w.faults.map((f) => h('option', { value: f.name }, f.name)));
  const pumpTargets = ['all', ...w.units.map((u) => `unit:${u}`), ...w.pumps.map((p) => p.id)];
  const targetSel = h('select', { id: 'fault-target' });
  const args = h('input', { id: 'fault-args', placeholder: 'side=down', size: '24' });
  const forS = h('input', { id: 'fault-for', inputmode: 'numeric', size: '6', placeholder: 'until end' });
  const argHelp = h('span', { id: 'fault-arg-help' });
  // What the timeline table says of the fault: its args with units and defaults, whether it may
  // target the gateway, whether it happens once.
  const showArgs = (): void => {
    const f = w.faults.find((x) => x.name === faultSel.value);
    argHelp.textContent = `args: ${f?.args.join(', ') || 'none'}${f?.instant ? ' (happens once)' : ''}`;
    const keep = targetSel.value;
    const targets = [...pumpTargets, ...(f?.gateway ? ['gateway'] : [])];
    targetSel.replaceChildren(...targets.map((t) => h('option', { value: t, ...(t === keep ? { selected: true } : {}) }, t)));
  };
  faultSel.addEventListener('change', showArgs);
  showArgs();
  const inject = (): void => {
    const a: Record<string, string | number | boolean> = {};
    for (const word of args.value.trim().split(/\s+/).filter(Boolean)) {
      const [k, ...rest] = word.split('=');
      const v = rest.join('=');
      if (!k) continue;
      a[k] = v === 'true' ? true : v === 'false' ? false : v !== '' && !Number.isNaN(Number(v)) ? Number(v) : v;
    }
    const action: Record<string, unknown> = { do: 'fault', fault: faultSel.value, target: targetSel.value, args: a };
    if (forS.value.trim()) action.forS = Number(forS.value.trim());
    void act(action);
  };
  const score = h('div', { class: 'score live', id: 'score' });
  const objectives = h('tbody', { class: 'live' });
  const log = h('div', { class: 'log live', id: 'log' });
  const btn = (label: string, id: string, f: () => void, cls = ''): HTMLButtonElement => {
    const b = h('button', { type: 'button', id, class: cls }, label);
    b.addEventListener('click', f);
    return b;
  };
  /** End the session only on a second click: the first asks (no browser dialog, so nothing blocks the page). */
  const endButton = (): HTMLElement => {
    const box = h('span', { class: 'row' });
    const ask = btn('End session and debrief', 'end', () => {
      const yes = btn('Yes, end the session', 'end-confirm', () => void act({ do: 'end' }).then(() => (location.hash = '#/debrief')), 'danger');
      const no = btn('Keep going', 'end-cancel', () => box.replaceChildren(ask));
      box.replaceChildren(h('span', { role: 'alert' }, 'End the session for everyone? The score is final.'), yes, no);
      yes.focus();
    }, 'danger');
    box.append(ask);
    return box;
  };
  main.append(
    h('h1', {}, 'Instructor'),
    h('div', { class: 'card' }, h('h2', {}, 'Clock'), h('div', { class: 'row' }, btn('Pause', 'clock-pause', () => void act({ do: 'pause' })), btn('Resume', 'clock-resume', () => void act({ do: 'resume' }), 'primary'), h('label', {}, 'Speed', speed), btn('Set speed', 'clock-speed', () => void act({ do: 'speed', speed: Number(speed.value) })), endButton())),
    h('div', { class: 'card' }, h('h2', {}, 'Inject a fault'), h('div', { class: 'row' }, h('label', {}, 'Fault', faultSel), h('label', {}, 'Target', targetSel), h('label', {}, 'Args', args), h('label', {}, 'For (s)', forS), btn('Inject', 'inject', inject, 'primary')), argHelp),
    status,
    h('div', { class: 'card' }, h('h2', {}, 'Score'), score, h('table', {}, h('thead', {}, h('tr', {}, ...['Objective', 'Status', 'Points', 'Started', 'Done', 'Note / hint'].map((t) => h('th', {}, t)))), objectives)),
    h('div', { class: 'card' }, h('h2', {}, 'What happened'), log),
  );
  return () => {
    const s = snapshot;
    if (!s) return;
    score.textContent = `Score ${s.score.points} / ${s.score.max} · ${s.score.met} met · ${s.score.missed} missed · ${s.score.open} to go`;
    objectives.replaceChildren(...s.objectives.map((o) => h('tr', { 'data-objective': o.id }, h('td', {}, o.title), h('td', { class: o.status }, o.status), h('td', { class: 'num' }, `${o.status === 'met' ? o.score : 0} / ${o.score}`), h('td', {}, o.openedMs !== undefined ? clock(o.openedMs) : '-'), h('td', {}, o.doneMs !== undefined ? clock(o.doneMs) : '-'), h('td', {}, o.note || `hint: ${o.hint}`))));
    log.textContent = s.log.map((e) => `${clock(e.tMs)}  ${(e.pumpId ?? '').padEnd(8)} ${e.who.padEnd(10)} ${e.text}`).join('\n');
  };
}

function buildDebrief(main: HTMLElement): () => void {
  const frame = h('iframe', { src: '/debrief', title: 'Debrief', id: 'debrief-frame' });
  const reload = h('button', { type: 'button', id: 'debrief-reload' }, 'Refresh');
  reload.addEventListener('click', () => frame.contentWindow?.location.reload());
  const print = h('button', { type: 'button', id: 'debrief-print' }, 'Print');
  print.addEventListener('click', () => frame.contentWindow?.print());
  main.append(h('h1', {}, 'Debrief'), h('div', { class: 'row' }, reload, print, h('a', { href: '/debrief', target: '_blank' }, 'Open as a page (save it as the HTML report)')), frame);
  return () => undefined;
}

window.addEventListener('hashchange', () => {
  takeKeyFromAddress();
  if (route().page === 'key') return;
  // A new page says hello again (its role and pump change).
  if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ ...hello(), ref: 'hello' }));
});
takeKeyFromAddress();
connect();
