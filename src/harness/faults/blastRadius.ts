/**
 * The blast radius of each attack the harness injects (docs/monitoring.md, Blast radius): how many
 * pumps the attacker could reach from where it stands (the segment boundaries of `site.reach:` and
 * the compensating controls in force at its start), and how many it affected: pumps that acted on
 * one of its messages (a command the pump accepted) or whose firmware took its offer (the pump's
 * own update events). Decided from what the harness knows it sent (the envelopes' counters), never
 * from what a message says about its sender.
 */
import type { PumpEvent } from '../../sim/trace/events.js';
import type { Network } from '../link/network.js';
import type { RemoteCommandRecord } from '../link/pumpAgent.js';
import type { FleetPump } from '../scenario/fleet.js';

export interface BlastRadius {
  attack: string;
  target: string;
  startMs: number;
  /** Where the attacker stands: segments, or `gateway` (the gateway's key or its update path). */
  from: string[];
  /** Pumps reachable from there. */
  reachable: number;
  /** Pumps that acted on the attack's messages or took its firmware offer. */
  affected: number;
  affectedPumps: string[];
  /** Messages the attack sent to pumps. */
  sent: number;
  /** Of them, judged by the pump they reached (its comms module, or for an update on the gateway's path its firmware). */
  reached: number;
  /** Of those, refused (a bad or missing signature, a replay, an expiry, an image the firmware does not trust). */
  refused: number;
}

/** Firmware update events that mean a pump took an offer (src/sim/firmware/events.ts). */
const FIRMWARE_TAKEN: ReadonlySet<string> = new Set(['offer-accepted', 'unsigned-accepted']);

/** Where each attack stands: at the gateway (every pump reachable), or on a segment. */
type Standing = 'gateway' | 'segment';
const STANDING: Readonly<Record<string, (args: Readonly<Record<string, unknown>>) => Standing>> = {
  'rogue-client': () => 'segment',
  'stolen-credential': () => 'segment',
  'segment-scan': () => 'segment',
  'compromised-gateway': () => 'gateway',
  'broker-flood': () => 'segment',
  'malicious-firmware': (args) => (args.path === 'gateway' ? 'gateway' : 'segment'),
};

interface Instance {
  row: BlastRadius;
  affected: Set<string>;
}

export class BlastRecorder {
  private readonly rows: Instance[] = [];
  private readonly byKey = new Map<string, Instance>();
  private readonly byEnvelope = new Map<string, Instance>();
  /** Pumps sent a malicious-firmware offer whose firmware has not yet answered it. */
  private readonly pendingOffers = new Map<string, Instance>();
  private active: Instance | undefined;

  constructor(
    private readonly fleet: readonly FleetPump[],
    private readonly network: Network,
  ) {}

  static isAttack(fault: string): boolean {
    return Object.hasOwn(STANDING, fault);
  }

  /** An attack starts on these pumps: its sends until close() are its own. */
  open(fault: string, target: string, pumpIds: readonly string[], args: Readonly<Record<string, unknown>>, nowMs: number): void {
    const standing = STANDING[fault]?.(args);
    if (!standing) return;
    const from = standing === 'gateway' ? ['gateway'] : typeof args.from === 'string' ? [args.from] : fault === 'rogue-client' ? [...new Set(pumpIds.map((id) => this.network.segmentOf(id)))] : pumpIds[0] !== undefined ? [this.network.segmentOf(pumpIds[0])] : [];
    const reachable = standing === 'gateway' ? this.fleet.length : this.fleet.filter((p) => from.some((seg) => this.network.boundaryAllows(seg, p.id)) && !this.network.isIsolated(p.id) && !this.network.isAclNarrowed(p.id)).length;
    const inst: Instance = { row: { attack: fault, target, startMs: nowMs, from, reachable, affected: 0, affectedPumps: [], sent: 0, reached: 0, refused: 0 }, affected: new Set() };
    this.rows.push(inst);
    this.byKey.set(`${fault}|${target}`, inst);
    this.active = inst;
  }

  /** A repetition (`every:`) of an attack already open. */
  resume(fault: string, target: string): void {
    this.active = this.byKey.get(`${fault}|${target}`);
  }

  close(): void {
    this.active = undefined;
  }

  /** The active attack sent this pump a message (an envelope counter, when it has one the pump's record will carry). */
  sent(pumpId: string, counter?: number): void {
    const inst = this.active;
    if (!inst) return;
    inst.row.sent++;
    if (inst.row.attack === 'malicious-firmware') this.pendingOffers.set(pumpId, inst);
    if (counter !== undefined) this.byEnvelope.set(`${pumpId}|${counter}`, inst);
  }

  /** A pump's verdict on a remote command (PumpAgent's record). */
  remote(r: RemoteCommandRecord): void {
    if (r.counter === undefined) return;
    const inst = this.byEnvelope.get(`${r.pumpId}|${r.counter}`);
    if (!inst) return;
    inst.row.reached++;
    const update = r.command.startsWith('UPDATE');
    if (r.verdict !== 'accepted') {
      inst.row.refused++;
      if (update) this.pendingOffers.delete(r.pumpId);
    }
    // An update the comms module let through is judged by the pump's firmware (pumpEvent), not here.
    else if (!update) this.affect(inst, r.pumpId);
  }

  /**
   * A pump's event: its firmware's verdict on a malicious-firmware offer it was sent (the next
   * offer verdict of that pump: a refused manifest names no version, so the pending offer says
   * which attack it answers). An offer on the gateway's path passed the comms module: only the
   * firmware judges it.
   */
  pumpEvent(pumpId: string, e: PumpEvent): void {
    if (e.type !== 'UPDATE') return;
    const taken = FIRMWARE_TAKEN.has(e.event.type);
    if (!taken && e.event.type !== 'refused') return;
    const inst = this.pendingOffers.get(pumpId);
    if (!inst) return;
    this.pendingOffers.delete(pumpId);
    if (taken) {
      this.affect(inst, pumpId);
      return;
    }
    if (inst.row.from[0] === 'gateway') inst.row.reached++;
    inst.row.refused++;
  }

  /** One row per attack, in the order they started. */
  report(): BlastRadius[] {
    return this.rows.map((i) => ({ ...i.row, affected: i.affected.size, affectedPumps: [...i.affected].sort() }));
  }

  private affect(inst: Instance, pumpId: string): void {
    inst.affected.add(pumpId);
  }
}
