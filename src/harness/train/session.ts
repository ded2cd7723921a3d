/**
 * A training session: the fleet, network, gateway, safety monitor and timeline of a scenario
 * (composed as src/harness/run/runScenario.ts composes them for a batch run), played on a paced,
 * pausable clock, with a trainee acting through front panels and a central station, an
 * instructor injecting faults, and objectives scored as it goes.
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
import { Pump } from '../../sim/pump/pump.js';
import { pumpTypeById } from '../../sim/pump/pumpTypes.js';
import { ed25519FromSeed } from '../../sim/security/remoteCommand.js';
import { Prng } from '../../sim/time/prng.js';
import type { PumpEvent } from '../../sim/trace/events.js';
import { reconnectStorm, startFault, rogueSend, type FaultContext } from '../faults/faults.js';
import { Gateway } from '../gateway/gateway.js';
import { Network } from '../link/network.js';
import { linkConditionsOf } from '../scenario/linkConditions.js';
import { ackKeyFor } from '../link/signedDown.js';
import { PumpAgent } from '../link/pumpAgent.js';
import { loadLibraryFile } from '../paths.js';
import { clockText, describeEvent } from '../report/timeline.js';
import { actionCommand } from '../run/actions.js';
import { SafetyMonitor } from '../safety/monitor.js';
import { parseDurationMs } from '../scenario/duration.js';
import { fleetPumps, resolveTarget, type FleetPump } from '../scenario/fleet.js';
import { FAULT_ARGS, scenarioLibraryPath } from '../scenario/load.js';
import { WardActivity } from '../world/wardActivity.js';
import { World } from '../world/world.js';
import { PacedClock } from './clock.js';
import type { DebriefData } from './debrief.js';
import { clientMessage, zodMessage, type ClientMessage, type InstructorAction, type ServerReply } from './messages.js';
import { ObjectiveBook, type ObjectiveStatus, type Prompt, type TraineeDeed } from './objectives.js';
import type { LoadedTraining } from './schema.js';

export type Role = 'station' | 'pump' | 'instructor' | 'debrief';

/** What the server knows about one browser connection. */
export interface Connection {
  role?: Role;
  pumpId?: string;
}

export type LogWho = 'pump' | 'trainee' | 'instructor' | 'scenario' | 'network' | 'security' | 'objective' | 'safety';

export interface LogEntry {
  tMs: number;
  who: LogWho;
  pumpId?: string | undefined;
  text: string;
  ok?: boolean | undefined;
}

export interface AlarmView {
  pumpId: string;
  unit: string;
  id: string;
  text: string;
  priority: AlarmPriority;
  raisedMs: number;
  acknowledged: boolean;
  audioPaused: boolean;
  causeActive: boolean;
}

export interface PumpView {
  id: string;
  unit: string;
  type: 'lvp' | 'syringe';
  state: string;
  mode: string;
  drug: string;
  drugName: string;
  dose: number | null;
  doseUnit: string;
  rate: number;
  vi: number;
  vtbi: number;
  /** Minutes to the end of the VTBI at the present rate; null when not flowing. */
  remainingMin: number | null;
  audio: string;
  battery: number;
  mains: boolean;
  commLost: boolean;
  /** Remote commands the pump refused (a sign of a client that is not the gateway). */
  refused: number;
  alarms: AlarmView[];
}

export interface ObjectiveView {
  id: string;
  kind: string;
  title: string;
  task?: string | undefined;
  hint: string;
  score: number;
  status: ObjectiveStatus;
  openedMs?: number | undefined;
  deadlineMs?: number | undefined;
  doneMs?: number | undefined;
  pumpId?: string | undefined;
  note: string;
}

export interface Snapshot {
  type: 'snapshot';
  name: string;
  description: string;
  tMs: number;
  durationMs: number;
  speed: number;
  paused: boolean;
  ended: boolean;
  units: { id: string; name: string; careArea: string; pumps: PumpView[] }[];
  /** Every active alarm, highest priority first, then oldest first. */
  alarms: AlarmView[];
  station: { audio: AlarmPriority | 'off'; pausedUntilMs: number | null };
  score: { points: number; max: number; met: number; missed: number; open: number };
  objectives: ObjectiveView[];
  prompts: Prompt[];
  log: LogEntry[];
}

export interface DrugView {
  id: string;
  name: string;
  doseUnit: string;
  concentration: string;
  soft: string;
  hard: string;
  weightBased: boolean;
}

export interface Welcome {
  type: 'welcome';
  role: Role;
  pumpId?: string | undefined;
  brief: string;
  pumps: { id: string; unit: string; type: string }[];
  units: string[];
  faults: { name: string; args: string[] }[];
  drugs?: DrugView[] | undefined;
}

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
}

const STATION_PAUSE_MS = 120_000;
const PANEL_COMMANDS = new Set(['PROGRAM', 'START', 'PAUSE', 'RESUME', 'STOP', 'TITRATE', 'BOLUS', 'ACK', 'SILENCE', 'DEMAND', 'STATUS', 'INFO', 'PING']);
/** The bedside actions a front panel offers that reach the pump as sensor inputs (the line is unclamped, the door closed, a new bag hung). */
const BEDSIDE_INPUTS = new Set(['occlusion=clear', 'door=closed', 'container=ok']);
const LOGGED_EVENTS = new Set(['ALARM', 'ALARM_END', 'ESCALATE', 'STATE', 'OVERRIDE', 'NO_LIBRARY', 'CLEAR_BOLUS', 'VTBI_DONE', 'REMOTE_REFUSED']);

export class TrainingSession {
  readonly world = new World();
  readonly clock: PacedClock;
  readonly durationMs: number;
  readonly instructorKey: string;
  readonly traineeKey: string;
  readonly objectives: ObjectiveBook;
  readonly log: LogEntry[] = [];
  readonly fleet: FleetPump[];
  private readonly library: DrugLibrary;
  private readonly network: Network;
  private readonly gateway: Gateway;
  private readonly monitor: SafetyMonitor;
  private readonly agents = new Map<string, PumpAgent>();
  private readonly activities = new Map<string, WardActivity>();
  private readonly faultCtx: FaultContext;
  private readonly faultEnds: (() => void)[] = [];
  private readonly refused = new Map<string, number>();
  private stationPausedUntilMs: number | null = null;
  private endedValue = false;
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
    this.durationMs = parseDurationMs(s.duration);
    this.library = loadLibraryFile(scenarioLibraryPath(loaded));
    this.fleet = fleetPumps(s);
    this.objectives = new ObjectiveBook(loaded.objectives, this.fleet);
    const world = this.world;
    const seeds = new Prng(s.seed);
    const keys = ed25519FromSeed(new Uint8Array(32).map(() => seeds.nextUint32() & 0xff));
    this.network = new Network(world, seeds.nextUint32(), linkConditionsOf(s.link));
    this.monitor = new SafetyMonitor((v) => this.note(v.tMs, 'safety', `${v.rule}: ${v.detail}`, v.pumpId));
    this.gateway = new Gateway(world, this.network, keys.privateKey, {
      onEscalate: (pumpId, alarmId, level, tMs) => this.note(tMs, 'network', `gateway escalated unanswered ${alarmId} to ${level === 1 ? 'the charge nurse' : 'the rapid response team'}`, pumpId),
    });
    const telemetryEveryMs = parseDurationMs(s.telemetryEvery);
    for (const fp of this.fleet) {
      const unit = s.site.units.find((u) => u.id === fp.unit);
      const area = findCareArea(this.library, fp.careArea);
      if (!unit || !area) throw new RangeError(`unit ${fp.unit} or care area ${fp.careArea} missing`);
      const pump = new Pump({
        type: pumpTypeById(fp.type),
        seed: seeds.nextUint32(),
        library: this.library,
        areaId: area.id,
        firmwareVersion: fp.firmware,
        serial: fp.id,
        maxLogEntries: 20_000,
        remote: { trustedKey: keys.publicKey, pumpId: fp.id, acceptUnauthenticated: fp.profile === 'legacy-unauthenticated' },
      });
      this.gateway.register(fp.id);
      const agent = new PumpAgent(fp.id, fp.segment, world, this.network, { telemetryEveryMs, provenance: (e) => (this.gateway.consumeSent(e) ? 'gateway' : 'rogue'), auth: { trustedKey: keys.publicKey, ackKey: ackKeyFor(keys.privateKey, fp.id), acceptUnauthenticated: fp.profile === 'legacy-unauthenticated' } }, (r) => {
        this.monitor.remote(r);
        if (r.source === 'rogue') {
          this.objectives.onRogueCommand(r.pumpId, r.tMs);
          this.note(r.tMs, 'security', `command from a client that is not the gateway: ${r.command} -> ${r.verdict === 'accepted' ? 'OBEYED' : `refused (${r.verdict})`}`, r.pumpId, r.verdict !== 'accepted');
        }
      });
      this.agents.set(fp.id, agent);
      world.addPump(fp.id, pump);
      this.monitor.watch(fp.id, pump);
      this.activities.set(
        fp.id,
        new WardActivity(world, fp.id, seeds.nextUint32(), {
          area,
          generate: unit.patients !== undefined,
          respond: unit.nurse.respond,
          nurseResponseMs: [parseDurationMs(unit.nurse.responseTime.min), parseDurationMs(unit.nurse.responseTime.max)],
          ...(unit.patients ?? {}),
        }),
      );
    }
    world.setStepHook((slot, step) => this.monitor.step(slot.id, slot.pump, step));
    world.onCommand((pumpId, c, r, source) => this.monitor.noteCommand(pumpId, world.nowMs, source, c, r));
    world.onEvent((pumpId, e) => {
      this.monitor.event(pumpId, e);
      this.agents.get(pumpId)?.onPumpEvent(e);
      this.activities.get(pumpId)?.onEvent(e);
      this.objectives.onPumpEvent(pumpId, e, world);
      if (e.type === 'REMOTE_REFUSED') this.refused.set(pumpId, (this.refused.get(pumpId) ?? 0) + 1);
      if (LOGGED_EVENTS.has(e.type)) {
        const text = describeEvent(e);
        if (text) this.note(e.tMs, 'pump', text.replace(/\s+/g, ' '), pumpId);
      }
    });
    this.faultCtx = {
      world,
      network: this.network,
      gateway: this.gateway,
      agents: this.agents,
      monitor: this.monitor,
      net: (what, target) => this.note(world.nowMs, 'network', `${what.replace('-', ' ')}: ${target}`),
    };
    const startPrng = new Prng(seeds.nextUint32());
    for (const fp of this.fleet) {
      this.agents.get(fp.id)?.start(Math.floor(startPrng.uniform(0, telemetryEveryMs)));
      this.activities.get(fp.id)?.start(this.durationMs);
    }
    this.scheduleTimeline(new Prng(seeds.nextUint32()));
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

  private scheduleTimeline(prng: Prng): void {
    const s = this.loaded.scenario;
    s.timeline.forEach((entry, index) => {
      const atMs = parseDurationMs(entry.at);
      const endMs = entry.end !== undefined ? parseDurationMs(entry.end) : undefined;
      const everyMs = entry.every !== undefined ? parseDurationMs(entry.every) : undefined;
      const pick = (): FleetPump[] => {
        const pumps = resolveTarget(entry.target, this.fleet);
        if (entry.fraction === undefined) return pumps;
        const chosen = [...pumps];
        for (let i = chosen.length - 1; i > 0; i--) {
          const j = prng.int(0, i);
          [chosen[i], chosen[j]] = [chosen[j]!, chosen[i]!];
        }
        return chosen.slice(0, Math.round(pumps.length * entry.fraction));
      };
      if (entry.fault !== undefined) {
        const fault = entry.fault;
        this.world.at(atMs, () => {
          const end = this.startFaultNow(fault, entry.target, pick(), entry.args, 'scenario');
          if (fault === 'rogue-client' && everyMs !== undefined && endMs !== undefined) {
            const pumps = pick().map((p) => p.id);
            for (let t = atMs + everyMs; t < endMs; t += everyMs) this.world.at(t, () => rogueSend(this.faultCtx, pumps, entry.args));
          }
          if (fault === 'reconnect-storm' && everyMs !== undefined && endMs !== undefined) {
            const pumps = pick().map((p) => p.id);
            for (let t = atMs + everyMs; t < endMs; t += everyMs) this.world.at(t, () => reconnectStorm(this.faultCtx, entry.target, pumps, entry.args));
          }
          if (endMs !== undefined) this.world.at(endMs, end);
        });
      } else if (entry.action !== undefined) {
        const action = entry.action;
        const times: number[] = [atMs];
        if (everyMs !== undefined && endMs !== undefined) for (let t = atMs + everyMs; t < endMs; t += everyMs) times.push(t);
        const spreadMs = entry.spread !== undefined ? parseDurationMs(entry.spread) : 0;
        for (const t of times) {
          this.world.at(t, () => {
            for (const p of pick()) {
              let delayMs = spreadMs > 0 ? prng.uniform(0, spreadMs) : 0;
              if (entry.delay) delayMs += prng.uniform(parseDurationMs(entry.delay.min), parseDurationMs(entry.delay.max));
              this.world.at(this.world.nowMs + Math.floor(delayMs), () => {
                if (action === 'remote') {
                  const text = typeof entry.args.command === 'string' ? entry.args.command : 'STATUS';
                  this.gateway.sendCommand(p.id, text, { signed: !(entry.args.signed === false || entry.args.signed === 'false') });
                  return;
                }
                const c = actionCommand(action as Parameters<typeof actionCommand>[0], entry.args, `timeline[${index}]`);
                const r = this.world.command(p.id, c, 'nurse');
                this.note(this.world.nowMs, 'scenario', `${formatCommand(c)} -> ${r.ok ? 'OK' : `ERR ${r.code}`}`, p.id, r.ok);
              });
            }
          });
        }
      }
    });
  }

  /** Start a fault now; returns its end (idempotent). */
  private startFaultNow(fault: string, target: string, pumps: FleetPump[], args: Readonly<Record<string, string | number | boolean>>, who: LogWho): () => void {
    this.note(this.world.nowMs, who, `fault ${fault} on ${target}${Object.keys(args).length ? ` (${Object.entries(args).map(([k, v]) => `${k}=${String(v)}`).join(' ')})` : ''}`);
    const end = startFault(this.faultCtx, fault, target, pumps, args);
    let ended = false;
    const finish = (): void => {
      if (ended) return;
      ended = true;
      end();
      this.note(this.world.nowMs, who, `fault ${fault} on ${target} ends`);
    };
    this.faultEnds.push(finish);
    return finish;
  }

  /** Bring the world to the clock's time; judge objectives; end at the scenario's duration. */
  advance(): void {
    if (this.endedValue) return;
    const target = Math.min(this.durationMs, Math.floor(this.clock.virtualNowMs()));
    if (target > this.world.nowMs) this.world.runUntil(target);
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

  /** End the session: the clock stops, open objectives are judged, faults end. */
  end(): void {
    if (this.endedValue) return;
    this.endedValue = true;
    this.clock.stopAt(this.world.nowMs);
    this.objectives.finish(this.world.nowMs, this.world);
    this.noteObjectives();
    for (const a of this.activities.values()) a.stop();
    for (const a of this.agents.values()) a.stop();
    this.note(this.world.nowMs, 'scenario', 'session ended');
    for (const l of this.endListeners) l();
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
      faults: Object.entries(FAULT_ARGS).map(([name, args]) => ({ name, args: Object.keys(args) })),
      ...(drugs ? { drugs } : {}),
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
        const specs = FAULT_ARGS[a.fault];
        for (const [k, v] of Object.entries(a.args)) {
          const spec = specs[k];
          if (!spec) return refuse(ref, 'BAD_ARG', `${a.fault} takes ${Object.keys(specs).join(', ') || 'no args'}; not ${k}`);
          if (spec.kind === 'number') {
            if (typeof v !== 'number' || !Number.isFinite(v)) return refuse(ref, 'BAD_ARG', `${k} is a number`);
            if ((spec.min !== undefined && (spec.aboveMin ? v <= spec.min : v < spec.min)) || (spec.max !== undefined && v > spec.max)) return refuse(ref, 'OUT_OF_RANGE', `${k}=${v} is outside ${spec.min ?? '-'} to ${spec.max ?? '-'}`);
          } else if (spec.kind === 'boolean' && typeof v !== 'boolean') return refuse(ref, 'BAD_ARG', `${k} is true or false`);
          else if (spec.kind === 'enum' && !spec.values.includes(String(v))) return refuse(ref, 'BAD_ARG', `${k} is one of ${spec.values.join(', ')}`);
          else if (spec.kind === 'command' && (typeof v !== 'string' || 'error' in parseRequest(`r ${v}`))) return refuse(ref, 'BAD_ARG', `${k} is a protocol command line such as PAUSE`);
        }
        const gatewayOk = a.fault === 'partition' || a.fault === 'gateway-outage';
        const pumps = resolveTarget(a.target, this.fleet);
        if (a.target === 'gateway' ? !gatewayOk : pumps.length === 0 && a.fault !== 'gateway-outage') return refuse(ref, 'NO_PUMP', `target "${a.target}" selects no pump`);
        const end = this.startFaultNow(a.fault, a.target, pumps, a.args, 'instructor');
        if (a.forS !== undefined) this.world.at(this.world.nowMs + a.forS * 1000, end);
        else if (a.fault === 'air' || a.fault === 'rogue-client' || a.fault === 'reconnect-storm') end();
        return ok(`fault ${a.fault} on ${a.target}${a.forS !== undefined ? ` for ${a.forS} s` : ''}`);
      }
    }
  }

  // ------------------------------------------------------------------------------- views

  snapshot(): Snapshot {
    const s = this.loaded.scenario;
    const now = this.world.nowMs;
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
        commLost: this.agents.get(fp.id)?.isCommLost ?? false,
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
    return { name: s.name, description: s.description, tMs: this.world.nowMs, ended: this.endedValue, score: this.objectives.score(), objectives: this.objectiveViews(), log: this.sortedLog() };
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

function round(n: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

function byPriority(a: AlarmView, b: AlarmView): number {
  return PRIORITY_RANK[b.priority] - PRIORITY_RANK[a.priority] || a.raisedMs - b.raisedMs || a.pumpId.localeCompare(b.pumpId);
}

export type { PumpEvent };
