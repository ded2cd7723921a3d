/**
 * PCD-03 in a run (`infusim run --hl7-listen port`): infusim's gateway as the Infusion Order
 * Consumer. It takes infusion orders (RGV^O15) over MLLP, checks them against the scenario (the
 * pump, the patient at its bed, the drug in the pump's care area), and programs the pump through
 * the gateway's signed-command path: a signed PROGRAM, then a signed START, which the pump holds
 * for a person's confirmation at the pump (src/sim/pump/remoteIntent.ts). The nurse of the pump's
 * unit confirms it `confirmAfterMs` later (when the unit's nurses respond), or a timeline `confirm`.
 * Each order is answered once, on its connection, with RRG^O16: AA when the pump took the program
 * and holds its start for confirmation; AR with the reason for a malformed order, an unknown pump
 * or patient, and a program the pump refuses (a drug library limit: the pump's own reason); AE when
 * the pump cannot take it now (busy, no answer). Nothing is sent to a pump for a refused order.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { findCareArea } from '../../sim/druglib/load.js';
import type { DrugEntry, DrugLibrary } from '../../sim/druglib/schema.js';
import type { Reply } from '../../sim/protocol/commands.js';
import type { PumpEvent } from '../../sim/trace/events.js';
import type { Gateway } from '../gateway/gateway.js';
import type { RemoteCommandRecord } from '../link/pumpAgent.js';
import type { FleetPump } from '../scenario/fleet.js';
import type { World } from '../world/world.js';
import { HL7_ERROR } from './ack.js';
import { MllpDeframer, writeFrame } from './mllp.js';
import { buildRrg, isVolumeRate, readOrder, type InfusionOrder, type OrderAnswer } from './pcd03.js';
import { ucumDoseUnit } from './pcd01.js';
import { patientsOf, type Place } from '../scenario/beds.js';

/** How long (virtual) the desk waits for the pump's answer to each command before answering AE. */
export const PUMP_ANSWER_WITHIN_MS = 60_000;
/** Answers remembered by control id (a resent order gets the same answer), oldest forgotten first. */
const MAX_REMEMBERED = 10_000;
/** Pump error codes that refuse the order itself (AR); any other refusal is AE (try again later). */
const REJECTING_CODES = new Set(['HARD_LIMIT', 'SOFT_LIMIT', 'NO_DRUG', 'OUT_OF_RANGE', 'BAD_ARG', 'MISSING_ARG']);

export interface OrderDeskOptions {
  host?: string;
  port: number;
  /** How long after the START is held the unit's nurse confirms it; undefined for a unit whose nurses do not respond. */
  confirmAfterMs: (pumpId: string) => number | undefined;
  log?: (line: string) => void;
}

interface InProgress {
  order: InfusionOrder;
  socket: Socket;
  stage: 'program' | 'start';
  command: string;
  program: string;
  sentMs: number;
}

export interface OrderStats {
  received: number;
  refused: number;
  programmed: number;
  confirmed: number;
}

export class Hl7OrderDesk {
  readonly stats: OrderStats = { received: 0, refused: 0, programmed: 0, confirmed: 0 };
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private readonly byPump = new Map<string, InProgress>();
  private readonly awaitingConfirm = new Set<string>();
  private readonly answered = new Map<string, string>();
  private world: World | undefined;
  private gateway: Gateway | undefined;
  private answers = 0;
  private readonly patients: Map<string, Place>;

  constructor(
    private readonly fleet: readonly FleetPump[],
    private readonly places: ReadonlyMap<string, Place>,
    private readonly library: DrugLibrary,
    private readonly options: OrderDeskOptions,
  ) {
    this.patients = patientsOf(places);
    this.server = createServer((s) => this.connection(s));
  }

  listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port, this.options.host ?? '127.0.0.1', () => {
        this.server.off('error', reject);
        const a = this.server.address();
        resolve(typeof a === 'object' && a ? a.port : 0);
      });
    });
  }

  attach(world: World, gateway: Gateway): void {
    this.world = world;
    this.gateway = gateway;
  }

  /** The end of the run: an order still waiting for its pump is answered AE; the port closes. */
  async close(): Promise<void> {
    for (const p of [...this.byPump.values()]) this.answer(p.socket, p.order, { code: 'AE', text: `the run ended before pump ${p.order.pumpId} answered ${p.stage === 'program' ? 'the program' : 'the start'}`, errorCode: HL7_ERROR.internal });
    this.byPump.clear();
    await new Promise<void>((resolve) => {
      // Let the last answers leave before the sockets go.
      setImmediate(() => {
        for (const s of this.sockets) s.end();
        this.server.close(() => resolve());
      });
    });
  }

  /** A remote command reached a pump (the ward's record): the next step of the order it belongs to. */
  onRemote(r: RemoteCommandRecord): void {
    const p = this.byPump.get(r.pumpId);
    if (!p || r.source !== 'gateway' || r.command !== p.command) return;
    if (r.verdict !== 'accepted') return this.finish(p, { code: 'AE', text: `pump ${r.pumpId} refused the gateway's ${p.stage === 'program' ? 'PROGRAM' : 'START'}: ${r.verdict}`, errorCode: HL7_ERROR.internal });
    if (p.stage === 'program') {
      if (!r.reply.ok) return this.finish(p, refusal(r.pumpId, 'the program', r.reply));
      p.stage = 'start';
      p.command = 'START';
      this.send(p);
      return;
    }
    if (!r.reply.ok) return this.finish(p, refusal(r.pumpId, 'the start', r.reply));
    this.stats.programmed++;
    const until = r.reply.fields.until;
    if (r.reply.fields.pending === undefined) return this.finish(p, { code: 'AA', text: `pump ${r.pumpId} programmed (${p.program}) and started` });
    this.awaitingConfirm.add(r.pumpId);
    const after = this.options.confirmAfterMs(r.pumpId);
    const world = this.world!;
    if (after !== undefined) world.at(world.nowMs + after, () => world.command(r.pumpId, { cmd: 'CONFIRM' }, 'nurse'));
    this.finish(p, { code: 'AA', text: `pump ${r.pumpId} programmed (${p.program}); the start waits for confirmation at the pump until t=${String(until)} ms` });
  }

  /** A pump event: a held start confirmed at the pump. */
  onPumpEvent(pumpId: string, e: PumpEvent): void {
    if (e.type === 'REMOTE_CONFIRMED' && this.awaitingConfirm.delete(pumpId)) this.stats.confirmed++;
    if (e.type === 'REMOTE_DISCARDED') this.awaitingConfirm.delete(pumpId);
  }

  private connection(s: Socket): void {
    this.sockets.add(s);
    const deframer = new MllpDeframer();
    s.on('data', (chunk: Buffer) => {
      for (const d of deframer.push(chunk)) {
        if (d.kind === 'garbled') {
          this.log(`garbled frame: ${d.reason}`);
          this.write(s, { code: 'AR', ackedId: '', text: `garbled frame: ${d.reason}`, errorCode: HL7_ERROR.segmentSequence });
          continue;
        }
        try {
          this.order(s, d.text);
        } catch (e) {
          this.write(s, { code: 'AE', ackedId: '', text: `internal error: ${(e as Error).message}`, errorCode: HL7_ERROR.internal });
        }
      }
    });
    s.on('error', () => undefined);
    s.on('close', () => this.sockets.delete(s));
  }

  private order(s: Socket, text: string): void {
    this.stats.received++;
    const o = readOrder(text);
    if ('reason' in o) return this.refuse(s, { code: 'AR', ackedId: controlIdOf(text), text: o.reason, errorCode: o.errorCode });
    const again = this.answered.get(o.controlId);
    if (again !== undefined) {
      if (!s.destroyed) writeFrame(s, again);
      return;
    }
    const bad = (why: string, errorCode: string = HL7_ERROR.unknownKey): void => this.answer(s, o, { code: 'AR', text: why, errorCode });
    const fp = this.fleet.find((f) => f.id === o.pumpId);
    if (!fp) return bad(`unknown pump "${o.pumpId}": not in the scenario's fleet`);
    const place = this.places.get(fp.id)!;
    const patient = this.patients.get(o.patientId);
    if (!patient) return bad(`unknown patient "${o.patientId}": not at any bed of the scenario`);
    if (place.patientId !== o.patientId) return bad(`pump ${fp.id} is at bed ${place.unit}/${place.bed} of patient ${place.patientId}, not of patient ${o.patientId}`);
    const program = this.programFor(o, fp, place);
    if ('reason' in program) return bad(program.reason, HL7_ERROR.dataType);
    if (this.byPump.has(fp.id)) return this.answer(s, o, { code: 'AE', text: `an order for pump ${fp.id} is in progress; send again later`, errorCode: HL7_ERROR.internal });
    if (!this.world || !this.gateway) return this.answer(s, o, { code: 'AE', text: 'the run has not started', errorCode: HL7_ERROR.internal });
    const p: InProgress = { order: o, socket: s, stage: 'program', command: program.command, program: program.command, sentMs: 0 };
    this.byPump.set(fp.id, p);
    this.log(`order ${o.controlId} for ${fp.id}: ${program.command}`);
    this.send(p);
  }

  /** The PROGRAM line for an order: a library drug by dose, an infusion outside the library by rate. */
  private programFor(o: InfusionOrder, fp: FleetPump, place: Place): { command: string } | { reason: string } {
    const area = findCareArea(this.library, fp.careArea);
    const drug = area?.drugs.find((d) => [o.drugCode, o.drugText].some((c) => c !== '' && (c.toLowerCase() === d.id || c.toLowerCase() === d.name.toLowerCase())));
    const vtbi = `vtbi=${o.vtbiMl}`;
    if (!drug) {
      if (isVolumeRate(o.rateUnits)) return { command: `PROGRAM rate=${o.rate} ${vtbi}` };
      return { reason: `drug "${o.drugCode || o.drugText}" is not in the drug library of care area ${fp.careArea} (a dose rate needs a library drug)` };
    }
    if (isVolumeRate(o.rateUnits)) return { reason: `${drug.id} is ordered by dose in ${drug.doseUnit} (RXG-16), not by rate in mL/h` };
    if (!doseUnitMatches(drug, o.rateUnits)) return { reason: `RXG-16 dose unit "${o.rateUnits.join('^')}" is not ${drug.id}'s ${drug.doseUnit} (UCUM ${ucumDoseUnit(drug.doseUnit)})` };
    const weight = o.weightKg ?? place.weightKg;
    return { command: `PROGRAM drug=${drug.id} dose=${o.rate}${weight !== undefined ? ` weight=${weight}` : ''} ${vtbi}` };
  }

  private send(p: InProgress): void {
    const world = this.world!;
    const stage = p.stage;
    world.at(world.nowMs, () => {
      p.sentMs = world.nowMs;
      this.gateway!.sendCommand(p.order.pumpId, p.command);
      world.at(world.nowMs + PUMP_ANSWER_WITHIN_MS, () => {
        if (this.byPump.get(p.order.pumpId) === p && p.stage === stage) this.finish(p, { code: 'AE', text: `no answer from pump ${p.order.pumpId} to ${stage === 'program' ? 'the program' : 'the start'} within ${PUMP_ANSWER_WITHIN_MS / 1000} s`, errorCode: HL7_ERROR.internal });
      });
    });
  }

  private finish(p: InProgress, a: Omit<OrderAnswer, 'ackedId'>): void {
    this.byPump.delete(p.order.pumpId);
    this.answer(p.socket, p.order, a);
  }

  private refuse(s: Socket, a: OrderAnswer): void {
    this.stats.refused++;
    this.log(`AR ${a.ackedId || '-'}: ${a.text}`);
    this.write(s, a);
  }

  private answer(s: Socket, o: InfusionOrder, a: Omit<OrderAnswer, 'ackedId'>): void {
    if (a.code !== 'AA') {
      this.stats.refused++;
      this.log(`${a.code} ${o.controlId}: ${a.text}`);
    }
    const text = this.write(s, { ...a, ackedId: o.controlId, patientId: o.patientId, orderId: o.orderId });
    if (a.code === 'AE') return; // an AE may be sent again and answered anew
    if (this.answered.size >= MAX_REMEMBERED) {
      const oldest = this.answered.keys().next().value;
      if (oldest !== undefined) this.answered.delete(oldest);
    }
    this.answered.set(o.controlId, text);
  }

  private write(s: Socket, a: OrderAnswer): string {
    const text = buildRrg(a, `RRG-${++this.answers}`, this.world?.nowMs ?? 0);
    if (!s.destroyed) writeFrame(s, text);
    return text;
  }

  private log(line: string): void {
    this.options.log?.(`hl7 orders: ${line}`);
  }
}

function refusal(pumpId: string, what: string, reply: Reply): Omit<OrderAnswer, 'ackedId'> {
  if (reply.ok) return { code: 'AA', text: '' };
  const code = REJECTING_CODES.has(reply.code) ? 'AR' : 'AE';
  return { code, text: `pump ${pumpId} refused ${what}: ${reply.code} ${reply.reason}`, errorCode: HL7_ERROR.internal };
}

function doseUnitMatches(drug: DrugEntry, units: readonly string[]): boolean {
  const ucum = ucumDoseUnit(drug.doseUnit);
  return units.some((u) => u === drug.doseUnit || u === ucum);
}

function controlIdOf(text: string): string {
  const msh = text.split('\r')[0] ?? '';
  return msh.startsWith('MSH|') ? (msh.split('|')[9] ?? '').slice(0, 20) : '';
}
