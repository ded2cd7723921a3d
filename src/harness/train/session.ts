/**
 * A training session: the ward of a scenario (src/harness/ward, built as a run builds it: fleet,
 * network, gateway, safety monitor, timeline, the same trace), played on a paced, pausable clock,
 * with a trainee acting through front panels and a central station, an instructor injecting
 * faults, and objectives scored as it goes.
 *
 * Everything the browser sends arrives through `handle()`: validated with zod, checked against
 * the connection's role and pump, and, for a key press, parsed by the protocol's own parser and
 * run on the pump with Pump.execute, exactly as a line from a serial port. Anything refused
 * changes nothing.
 */
import { randomBytes } from 'node:crypto';
import { ALARM_TABLE, PRIORITY_RANK, type AlarmPriority } from '../../sim/alarms/alarmTable.js';
import { findCareArea } from '../../sim/druglib/load.js';
import type { DrugLibrary } from '../../sim/druglib/schema.js';
import type { PumpCommand } from '../../sim/protocol/commands.js';
import { formatCommand, parseRequest } from '../../sim/protocol/lineCodec.js';
import type { PumpEvent } from '../../sim/trace/events.js';
import { clockText, describeEvent } from '../report/timeline.js';
import { argProblems, argProblemText } from '../scenario/args.js';
import { resolveTarget, type FleetPump } from '../scenario/fleet.js';
import { faultSpec, GATEWAY_FAULT_NAMES, isInstant } from '../scenario/timelineTable.js';
import { planWard, Ward } from '../ward/ward.js';
import type { Advisory } from '../advisory/model.js';
import { AdvisoryRun } from '../advisory/runtime.js';
import { advisoryFileOf } from '../advisory/scenario.js';
import { RunInventory } from '../inventory/runInventory.js';
import { parseDurationMs } from '../scenario/duration.js';
import type { World } from '../world/world.js';
import { PacedClock } from './clock.js';
import type { DebriefData } from './debrief.js';
import { clientMessage, zodMessage, type ClientMessage, type InstructorAction, type ServerReply } from './messages.js';
import { ObjectiveBook, type TraineeDeed } from './objectives.js';
import type { LoadedTraining, Objective } from './schema.js';
import { chooseIncidentAction, IncidentDrill, incidentView } from './incident.js';
import { attachPlaybooks } from '../playbook/attach.js';
import type { PlaybookRunner } from '../playbook/runtime.js';
import { byPriority, round, trainableFaults, type AlarmView, type Connection, type DrugView, type LogEntry, type LogWho, type ObjectiveView, type PumpView, type Snapshot, type Welcome } from './views.js';

export { trainableFaults } from './views.js';
export type { AlarmView, Connection, DrugView, FaultView, LogEntry, LogWho, ObjectiveView, PumpView, Role, Snapshot, Welcome } from './views.js';

export interface SessionOptions {
  /** Wall clock in ms (injected for tests); defaults to performance.now. */
  wallNowMs?: () => number;
  /** Virtual seconds per wall second (default 1). */
  speed?: number;
  /** The instructor's key; a random one by default. */
  instructorKey?: string;
  /** The session key that front panels and the central station need (in the trainee's address); random by default. */
  traineeKey?: string;
  /** Start with the clock paused (the instructor starts it). */
  paused?: boolean;
  /** The advisory of the file's `advisory` action, read and validated (openTrainingSession does it). */
  advisory?: Advisory | undefined;
}

/**
 * A session, with the advisory of the file's `advisory` action read and validated first (a bad
 * advisory is refused before the session starts, as in a run: docs/advisories.md).
 */
export async function openTrainingSession(loaded: LoadedTraining, options: SessionOptions = {}): Promise<TrainingSession> {
  const f = advisoryFileOf(loaded);
  if (!f || options.advisory) return new TrainingSession(loaded, options);
  const { loadAdvisory } = await import('../advisory/csaf.js');
  return new TrainingSession(loaded, { ...options, advisory: await loadAdvisory(f.path) });
}

const STATION_PAUSE_MS = 120_000;
const PANEL_COMMANDS = new Set(['PROGRAM', 'START', 'PAUSE', 'RESUME', 'STOP', 'TITRATE', 'BOLUS', 'ACK', 'SILENCE', 'DEMAND', 'STATUS', 'INFO', 'PING']);
/** The bedside actions a front panel offers that reach the pump as sensor inputs (the line is unclamped, the door closed, a new bag hung). */
const BEDSIDE_INPUTS = new Set(['occlusion=clear', 'door=closed', 'container=ok']);
const LOGGED_EVENTS = new Set(['ALARM', 'ALARM_END', 'ESCALATE', 'STATE', 'OVERRIDE', 'NO_LIBRARY', 'CLEAR_BOLUS', 'VTBI_DONE', 'REMOTE_REFUSED']);

export class TrainingSession {
  /** The ward: built as a run builds it (src/harness/ward), driven by the paced clock. */
  readonly ward: Ward;
  readonly world: World;
  readonly clock: PacedClock;
  readonly durationMs: number;
  readonly instructorKey: string;
  readonly traineeKey: string;
  readonly objectives: ObjectiveBook;
  /** Playbooks left to the trainee, scored step by step (incident.ts); the others run by themselves. */
  readonly drill: IncidentDrill;
  readonly playbooks: PlaybookRunner | undefined;
  readonly log: LogEntry[] = [];
  readonly fleet: FleetPump[];
  private readonly library: DrugLibrary;
  private readonly refused = new Map<string, number>();
  private stationPausedUntilMs: number | null = null;
  private endedValue = false;
  private endedAtMs: number | undefined;
  private commandSeq = 0;
  private readonly endListeners: (() => void)[] = [];

  constructor(
    readonly loaded: LoadedTraining,
    options: SessionOptions = {},
  ) {
    const s = loaded.scenario;
    this.clock = new PacedClock(options.wallNowMs ?? (() => performance.now()), options.speed ?? 1, 0, options.paused ?? false);
    this.instructorKey = options.instructorKey ?? randomBytes(12).toString('hex');
    this.traineeKey = options.traineeKey ?? randomBytes(12).toString('hex');
    const plan = planWard(loaded);
    this.world = plan.world;
    this.durationMs = plan.durationMs;
    this.library = plan.library;
    this.fleet = plan.fleet;
    const incidentDefs = loaded.objectives.filter((o): o is Extract<Objective, { kind: 'respond-incident' }> => o.kind === 'respond-incident');
    this.objectives = new ObjectiveBook(loaded.objectives.filter((o) => o.kind !== 'respond-incident'), this.fleet);
    this.drill = new IncidentDrill(this.objectives, incidentDefs, s.playbooks ?? []);
    const incident: { runner?: PlaybookRunner | undefined } = {};
    const world = this.world;
    // The advisory loop, as in a run (src/harness/run/runScenario.ts): set once the ward exists.
    const advisoryFile = advisoryFileOf(loaded);
    if (advisoryFile && !options.advisory) throw new Error(`${loaded.file}: the advisory ${advisoryFile.given} must be read first: open the session with openTrainingSession`);
    let advisoryRun: AdvisoryRun | undefined;
    this.ward = new Ward(plan, {
      hooks: {
        onAdvisory: (tMs) => {
          advisoryRun?.act(tMs);
          const r = advisoryRun?.result();
          if (r) this.note(tMs, 'security', `advisory ${r.advisory.id} (${r.advisory.title}): ${r.affected} pumps affected, ${r.patchTargets.length} to be patched by the rollout, ${r.mitigated.length} that cannot be patched put under compensating controls (commands from the gateway only, segment isolated)`);
        },
        onSample: (tMs) => advisoryRun?.sample(tMs),
        onAlert: (a) => {
          this.note(a.atMs, 'security', `monitor alert ${a.kind} (${a.severity}): ${a.detail}`, a.pumpId);
          incident.runner?.onAlert(a);
        },
        onViolation: (v) => this.note(v.tMs, 'safety', `${v.rule}: ${v.detail}`, v.pumpId),
        onEscalate: (pumpId, alarmId, level, tMs) => this.note(tMs, 'network', `gateway escalated unanswered ${alarmId} to ${level === 1 ? 'the charge nurse' : 'the rapid response team'}`, pumpId),
        onRemote: (r) => {
          if (r.source !== 'rogue') return;
          this.objectives.onRogueCommand(r.pumpId, r.tMs);
          this.note(r.tMs, 'security', `command from a client that is not the gateway: ${r.command} -> ${r.verdict === 'accepted' ? 'OBEYED' : `refused (${r.verdict})`}`, r.pumpId, r.verdict !== 'accepted');
        },
        onPumpEvent: (pumpId, e) => {
          this.objectives.onPumpEvent(pumpId, e, world);
          if (e.type === 'REMOTE_REFUSED') this.refused.set(pumpId, (this.refused.get(pumpId) ?? 0) + 1);
          if (LOGGED_EVENTS.has(e.type)) {
            const text = describeEvent(e);
            if (text) this.note(e.tMs, 'pump', text.replace(/\s+/g, ' '), pumpId);
          }
        },
        onNet: (what, target) => this.note(world.nowMs, 'network', `${what.replace('-', ' ')}: ${target}`),
        onFault: (phase, fault, target, args, who) => {
          const argText = Object.keys(args).length ? ` (${Object.entries(args).map(([k, v]) => `${k}=${String(v)}`).join(' ')})` : '';
          this.note(world.nowMs, who, phase === 'start' ? `fault ${fault} on ${target}${argText}` : `fault ${fault} on ${target} ends`);
        },
        onTimelineCommand: (pumpId, c, r) => this.note(world.nowMs, 'scenario', `${formatCommand(c)} -> ${r.ok ? 'OK' : `ERR ${r.code}`}`, pumpId, r.ok),
      },
    });
    if (advisoryFile && options.advisory) {
      const ward = this.ward;
      const inventory = new RunInventory(loaded, this.fleet, world, ward.gateway, parseDurationMs(s.telemetryEvery));
      advisoryRun = new AdvisoryRun(options.advisory, advisoryFile.given, inventory, ward.trace, { startRollout: (ids) => ward.rollout?.startFromAdvisory(ids), isolate: (id) => ward.network.isolateToGateway(id), narrowAcl: (id) => ward.network.narrowAcl(id) });
    }
    this.playbooks = incident.runner = attachPlaybooks(this.ward, this.drill.playbookIds, (r) => {
      const tMs = r.trigger?.atMs ?? world.nowMs;
      this.note(tMs, 'security', r.trainee ? `playbook ${r.book.id} triggered: the response is yours (choose its actions on the central station)` : `playbook ${r.book.id} triggered: the team carries out its ${r.book.steps.length} step(s)`);
      if (r.trainee) this.drill.onTrigger(r.book.id, tMs);
    });
    this.note(0, 'scenario', `session started: ${s.name}`);
  }

  get ended(): boolean {
    return this.endedValue;
  }

  onEnd(listener: () => void): void {
    this.endListeners.push(listener);
  }

  private note(tMs: number, who: LogWho, text: string, pumpId?: string, ok?: boolean): void {
    this.log.push({ tMs, who, text, ...(pumpId !== undefined ? { pumpId } : {}), ...(ok !== undefined ? { ok } : {}) });
  }

  /** Bring the world to the clock's time; judge objectives; end at the scenario's duration. */
  advance(): void {
    if (this.endedValue) return;
    const target = Math.min(this.durationMs, Math.floor(this.clock.virtualNowMs()));
    if (target > this.world.nowMs) for (const step of this.ward.stepsTo(target)) this.world.runUntil(step);
    this.objectives.tick(this.world.nowMs, this.world);
    this.noteObjectives();
    if (this.world.nowMs >= this.durationMs) this.end();
  }

  private readonly noted = new Set<string>();
  private noteObjectives(): void {
    for (const s of this.objectives.states) {
      const key = `${s.def.id}/${s.status}`;
      if ((s.status === 'met' || s.status === 'missed') && !this.noted.has(key)) {
        this.noted.add(key);
        this.note(s.doneMs ?? this.world.nowMs, 'objective', `${s.status === 'met' ? 'MET' : 'MISSED'} ${s.def.title}: ${s.note}`, s.pumpId, s.status === 'met');
      }
    }
  }

  /**
   * End the session: the clock stops, open objectives are judged; then the ward ends as a run
   * does (faults end, links heal, outboxes drain, every event ingested exactly once).
   */
  end(): void {
    if (this.endedValue) return;
    this.endedValue = true;
    const endMs = this.world.nowMs;
    this.endedAtMs = endMs;
    this.clock.stopAt(endMs);
    this.objectives.finish(endMs, this.world);
    this.noteObjectives();
    this.ward.stopActivity();
    for (const step of this.ward.settleSteps()) this.world.runUntil(step);
    this.ward.finalChecks();
    this.note(endMs, 'scenario', 'session ended');
    for (const l of this.endListeners) l();
  }

  /** The session's time: the world's, or the end once the session ended (the ward settles after it). */
  get nowMs(): number {
    return this.endedAtMs ?? this.world.nowMs;
  }

  // ------------------------------------------------------------------------------- messages

  welcome(conn: Connection): Welcome {
    const drugs = conn.pumpId !== undefined ? this.drugsFor(conn.pumpId) : undefined;
    return {
      type: 'welcome',
      role: conn.role ?? 'station',
      ...(conn.pumpId !== undefined ? { pumpId: conn.pumpId } : {}),
      brief: this.loaded.brief,
      pumps: this.fleet.map((p) => ({ id: p.id, unit: p.unit, type: p.type })),
      units: this.loaded.scenario.site.units.map((u) => u.id),
      faults: trainableFaults(),
      ...(drugs ? { drugs } : {}),
      ...(conn.role === 'station' ? incidentView(this.drill, this.loaded.scenario.site.segments.map((x) => x.id)) : {}),
    };
  }

  private drugsFor(pumpId: string): DrugView[] {
    const fp = this.fleet.find((p) => p.id === pumpId);
    const area = fp ? findCareArea(this.library, fp.careArea) : undefined;
    if (!area || !fp) return [];
    const lim = (a: number | undefined, b: number | undefined): string => `${a ?? '-'} to ${b ?? '-'}`;
    return area.drugs
      .filter((d) => !d.pumpTypes || d.pumpTypes.includes(fp.type))
      .map((d) => ({
        id: d.id,
        name: d.name,
        doseUnit: d.doseUnit,
        concentration: `${d.concentration.amount} ${d.concentration.unit} in ${d.concentration.volumeMl} mL`,
        soft: lim(d.limits.doseRate?.lowerSoft, d.limits.doseRate?.upperSoft),
        hard: lim(d.limits.doseRate?.lowerHard, d.limits.doseRate?.upperHard),
        weightBased: d.doseUnit.includes('/kg'),
      }));
  }

  /** Handle one message from a browser; the reply goes back to it. Refused messages change nothing. */
  handle(conn: Connection, raw: unknown): ServerReply | Welcome {
    let data: unknown = raw;
    if (typeof raw === 'string') {
      if (raw.length > 4096) return refuse(undefined, 'BAD_MESSAGE', 'message refused: longer than 4096 characters');
      try {
        data = JSON.parse(raw);
      } catch {
        return refuse(undefined, 'BAD_MESSAGE', 'message refused: not JSON');
      }
    }
    const parsed = clientMessage.safeParse(data);
    const refGuess = typeof data === 'object' && data !== null && typeof (data as { ref?: unknown }).ref === 'string' ? String((data as { ref: string }).ref).slice(0, 16) : undefined;
    if (!parsed.success) return refuse(refGuess, 'BAD_MESSAGE', `message refused: ${zodMessage(parsed.error)}`);
    const m = parsed.data;
    if (m.type === 'hello') return this.hello(conn, m);
    if (conn.role === undefined) return refuse(m.ref, 'FORBIDDEN', 'say hello first: which page is this (station, pump, instructor)?');
    if (this.endedValue && m.type !== 'instructor') return refuse(m.ref, 'ENDED', 'the session has ended: read the debrief');
    this.advance();
    switch (m.type) {
      case 'command':
        return this.panelCommand(conn, m);
      case 'report':
        return this.report(conn, m);
      case 'prompt':
        return this.prompt(conn, m);
      case 'incident': {
        if (conn.role !== 'station') return refuse(m.ref, 'FORBIDDEN', 'incident response actions are chosen on the central station');
        const a = chooseIncidentAction(this.drill, this.playbooks, { pumps: this.fleet, segmentIds: this.loaded.scenario.site.segments.map((x) => x.id) }, m, this.world.nowMs);
        if (a.ok) this.note(this.world.nowMs, 'trainee', `incident ${m.playbook}: ${a.message}`);
        this.noteObjectives();
        return a.ok ? { type: 'reply', ref: m.ref, ok: true, message: a.message } : refuse(m.ref, a.code, a.message);
      }
      case 'station-silence':
        if (conn.role !== 'station') return refuse(m.ref, 'FORBIDDEN', 'the audio pause is on the central station');
        this.stationPausedUntilMs = this.world.nowMs + STATION_PAUSE_MS;
        this.note(this.world.nowMs, 'trainee', 'central station audio paused for 120 s');
        return { type: 'reply', ref: m.ref, ok: true, message: 'station audio paused for 120 s' };
      case 'instructor':
        if (m.key !== this.instructorKey) return refuse(m.ref, 'FORBIDDEN', 'instructor actions need the instructor key (printed by infusim train)');
        return this.instructor(m.ref, m.action);
    }
  }

  private hello(conn: Connection, m: Extract<ClientMessage, { type: 'hello' }>): ServerReply | Welcome {
    if (m.role === 'instructor' && m.key !== this.instructorKey) return refuse(m.ref, 'FORBIDDEN', 'the instructor page needs the instructor key (printed by infusim train)');
    // Front panels and the station act on pumps and on the score: they need the session key too.
    if ((m.role === 'pump' || m.role === 'station') && m.key !== this.traineeKey && m.key !== this.instructorKey) {
      return refuse(m.ref, 'FORBIDDEN', `the ${m.role === 'pump' ? 'pump front panel' : 'central station'} needs the session key: open the address infusim train printed (open ...#/key/...)`);
    }
    if (m.role === 'pump') {
      if (m.pumpId === undefined || !this.fleet.some((p) => p.id === m.pumpId)) return refuse(m.ref, 'NO_PUMP', `no pump "${m.pumpId ?? ''}" in this scenario (pumps: ${this.fleet.map((p) => p.id).join(', ')})`);
      conn.pumpId = m.pumpId;
    } else delete conn.pumpId;
    conn.role = m.role;
    return this.welcome(conn);
  }

  private panelCommand(conn: Connection, m: Extract<ClientMessage, { type: 'command' }>): ServerReply {
    if (conn.role !== 'pump') return refuse(m.ref, 'FORBIDDEN', 'pump commands come from a pump front panel');
    if (m.pumpId !== conn.pumpId) return refuse(m.ref, 'WRONG_PUMP', `this front panel is ${conn.pumpId ?? '-'}; a command for ${m.pumpId} is refused`);
    const id = `t${(++this.commandSeq % 1_000_000).toString()}`;
    const parsed = parseRequest(`${id} ${m.line}`);
    if ('error' in parsed) {
      const e = parsed.error;
      return refuse(m.ref, e.ok ? 'BAD_LINE' : e.code, `refused before the pump: ${e.ok ? '' : e.reason}`);
    }
    const c: PumpCommand = parsed.command;
    if (c.cmd === 'INJECT') {
      const text = formatCommand(c).slice('INJECT '.length);
      if (!BEDSIDE_INPUTS.has(text)) return refuse(m.ref, 'FORBIDDEN', `a front panel cannot inject ${text}: faults come from the instructor`);
    } else if (!PANEL_COMMANDS.has(c.cmd)) return refuse(m.ref, 'FORBIDDEN', `${c.cmd} is not a front-panel key`);
    const line = formatCommand(c);
    const r = this.world.command(m.pumpId, c, 'nurse');
    const tMs = this.world.nowMs;
    this.note(tMs, 'trainee', `${line} -> ${r.ok ? 'OK' : `ERR ${r.code} ${r.reason}`}`, m.pumpId, r.ok);
    const deed: TraineeDeed = { kind: 'command', tMs, pumpId: m.pumpId, cmd: c, reply: r };
    this.objectives.onTrainee(deed);
    this.objectives.tick(tMs, this.world);
    this.noteObjectives();
    return r.ok ? { type: 'reply', ref: m.ref, ok: true, message: `${c.cmd} OK`, line, fields: { ...r.fields } } : { type: 'reply', ref: m.ref, ok: false, code: r.code, message: r.reason, line };
  }

  private report(conn: Connection, m: Extract<ClientMessage, { type: 'report' }>): ServerReply {
    if (conn.role !== 'station' && !(conn.role === 'pump' && conn.pumpId === m.pumpId)) return refuse(m.ref, 'WRONG_PUMP', `a front panel reports only its own pump (${conn.pumpId ?? '-'})`);
    if (!this.fleet.some((p) => p.id === m.pumpId)) return refuse(m.ref, 'NO_PUMP', `no pump "${m.pumpId}" in this scenario`);
    const what = { 'unknown-source': 'commands from an unknown source', 'firmware-prompt': 'a suspicious firmware prompt', 'order-query': 'an order queried with the prescriber' }[m.concern];
    this.note(this.world.nowMs, 'trainee', `reported ${what}`, m.pumpId);
    this.objectives.onTrainee({ kind: 'report', tMs: this.world.nowMs, pumpId: m.pumpId, concern: m.concern });
    this.noteObjectives();
    return { type: 'reply', ref: m.ref, ok: true, message: `reported: ${what} on ${m.pumpId}` };
  }

  private prompt(conn: Connection, m: Extract<ClientMessage, { type: 'prompt' }>): ServerReply {
    if (conn.role !== 'pump' || conn.pumpId !== m.pumpId) return refuse(m.ref, 'WRONG_PUMP', 'a prompt is answered on its own pump');
    const p = this.objectives.prompts().find((x) => x.pumpId === m.pumpId && x.objectiveId === m.objective);
    if (!p) return refuse(m.ref, 'NO_PROMPT', `no prompt "${m.objective}" is showing on ${m.pumpId}`);
    this.note(this.world.nowMs, 'trainee', `${m.answer === 'install' ? 'INSTALLED' : 'declined'} the firmware prompt`, m.pumpId, m.answer === 'decline');
    this.objectives.onTrainee({ kind: 'prompt', tMs: this.world.nowMs, pumpId: m.pumpId, objectiveId: m.objective, answer: m.answer });
    this.noteObjectives();
    return { type: 'reply', ref: m.ref, ok: true, message: m.answer === 'install' ? 'installing firmware...' : 'firmware update declined' };
  }

  private instructor(ref: string | undefined, a: InstructorAction): ServerReply {
    const ok = (message: string): ServerReply => ({ type: 'reply', ref, ok: true, message });
    if (this.endedValue) return refuse(ref, 'ENDED', 'the session has ended');
    switch (a.do) {
      case 'pause':
        this.clock.pause();
        this.note(this.world.nowMs, 'instructor', 'clock paused');
        return ok('clock paused');
      case 'resume':
        this.clock.resume();
        this.note(this.world.nowMs, 'instructor', 'clock resumed');
        return ok('clock running');
      case 'speed':
        this.clock.setSpeed(a.speed);
        this.note(this.world.nowMs, 'instructor', `speed ${a.speed}x`);
        return ok(`speed ${a.speed}x`);
      case 'end':
        this.end();
        return ok('session ended');
      case 'fault': {
        const spec = faultSpec(a.fault);
        if (!spec.trainable) return refuse(ref, 'FORBIDDEN', `the fault ${a.fault} is for scenario files, not for the instructor (docs/training.md)`);
        const bad = argProblems('fault', a.fault, spec.args, a.args)[0];
        if (bad) return refuse(ref, 'BAD_ARG', argProblemText(bad));
        const pumps = resolveTarget(a.target, this.fleet);
        if (a.target === 'gateway' ? !spec.gateway : pumps.length === 0 && a.fault !== 'gateway-outage') return refuse(ref, 'NO_PUMP', a.target === 'gateway' ? `the fault ${a.fault} acts on pumps; only ${GATEWAY_FAULT_NAMES.join(' and ')} take the gateway` : `target "${a.target}" selects no pump`);
        this.objectives.addInjected(a.fault, a.target, pumps.map((p) => p.id), this.world.nowMs);
        const end = this.ward.startFault(a.fault, a.target, pumps, a.args, 'instructor');
        if (a.forS !== undefined) this.world.at(this.world.nowMs + a.forS * 1000, end);
        else if (isInstant(a.fault)) end();
        return ok(`fault ${a.fault} on ${a.target}${a.forS !== undefined ? ` for ${a.forS} s` : ''}`);
      }
    }
  }

  // ------------------------------------------------------------------------------- views

  snapshot(): Snapshot {
    const s = this.loaded.scenario;
    const now = this.nowMs;
    const alarms: AlarmView[] = [];
    const pumpViews = new Map<string, PumpView>();
    let audio: AlarmPriority | 'off' = 'off';
    for (const fp of this.fleet) {
      const slot = this.world.pump(fp.id);
      this.world.touch(slot);
      const p = slot.pump;
      const st = p.status();
      const prog = p.currentProgram;
      const own: AlarmView[] = p.activeAlarms.map((a) => ({
        pumpId: fp.id,
        unit: fp.unit,
        id: a.id,
        text: ALARM_TABLE[a.id].text,
        priority: a.priority,
        raisedMs: a.raisedAtMs,
        acknowledged: a.acknowledged,
        audioPaused: a.pausedUntilMs > now,
        causeActive: a.causeActive,
      }));
      alarms.push(...own);
      const pa = p.audioPriority;
      if ((pa === 'high' || pa === 'medium' || pa === 'low') && (audio === 'off' || PRIORITY_RANK[pa] > PRIORITY_RANK[audio])) audio = pa;
      const flowing = st.rateMlPerH > 0 && st.vtbiMl > 0 && (st.state === 'RUNNING');
      pumpViews.set(fp.id, {
        id: fp.id,
        unit: fp.unit,
        type: fp.type,
        state: st.state,
        mode: st.mode,
        drug: st.drug,
        drugName: prog?.drug?.entry.name ?? (prog ? (prog.mode === 'pca' ? 'PCA' : 'Basic infusion') : ''),
        dose: prog?.drug ? round(prog.drug.dose, 3) : null,
        doseUnit: prog?.drug?.entry.doseUnit ?? '',
        rate: round(st.rateMlPerH, 2),
        vi: round(st.viMl, 2),
        vtbi: round(st.vtbiMl, 2),
        remainingMin: flowing ? Math.max(0, Math.round(((st.vtbiMl - st.viMl) / st.rateMlPerH) * 60)) : null,
        audio: pa,
        battery: Math.round(st.batteryPercent),
        mains: st.onMains,
        commLost: this.ward.agents.get(fp.id)?.isCommLost ?? false,
        refused: this.refused.get(fp.id) ?? 0,
        alarms: own.sort(byPriority),
      });
    }
    alarms.sort(byPriority);
    const stationPaused = this.stationPausedUntilMs !== null && this.stationPausedUntilMs > now;
    return {
      type: 'snapshot',
      name: s.name,
      description: s.description,
      tMs: now,
      durationMs: this.durationMs,
      speed: this.clock.speed,
      paused: this.clock.paused,
      ended: this.endedValue,
      units: s.site.units.map((u) => ({ id: u.id, name: u.name ?? u.id, careArea: u.careArea, pumps: this.fleet.filter((p) => p.unit === u.id).map((p) => pumpViews.get(p.id)!) })),
      alarms,
      station: { audio: stationPaused ? 'off' : audio, pausedUntilMs: stationPaused ? this.stationPausedUntilMs : null },
      score: this.objectives.score(),
      objectives: this.objectiveViews(),
      prompts: this.objectives.prompts(),
      log: this.log.slice(-40),
    };
  }

  objectiveViews(): ObjectiveView[] {
    return this.objectives.states.map((o) => ({
      id: o.def.id,
      kind: o.def.kind,
      title: o.def.title,
      task: o.def.task,
      hint: o.def.hint,
      score: o.def.score,
      status: o.status,
      openedMs: o.openedMs,
      deadlineMs: o.deadlineMs,
      doneMs: o.doneMs,
      pumpId: o.pumpId,
      note: o.note,
    }));
  }

  debrief(): DebriefData {
    const s = this.loaded.scenario;
    return { name: s.name, description: s.description, tMs: this.nowMs, ended: this.endedValue, score: this.objectives.score(), objectives: this.objectiveViews(), log: this.sortedLog() };
  }

  /** The log as readable lines: `00:21:40  icu-3  pump  ALARM high Downstream occlusion`. */
  logLines(): string[] {
    return this.sortedLog().map((e) => `${clockText(e.tMs)}  ${(e.pumpId ?? '').padEnd(8)} ${e.who.padEnd(10)} ${e.text}`);
  }

  sortedLog(): LogEntry[] {
    return this.log.map((e, i) => ({ e, i })).sort((a, b) => a.e.tMs - b.e.tMs || a.i - b.i).map((x) => x.e);
  }
}

function refuse(ref: string | undefined, code: string, message: string): ServerReply {
  return { type: 'reply', ref, ok: false, code, message };
}

export type { PumpEvent };
