/**
 * What is loaded: the syringe on a syringe pump, the bag (container) on a large-volume pump.
 * Delivered volume never exceeds what was loaded (docs/protocol.md, "What is loaded"; figures in
 * docs/clinical.md, "Syringes and containers"; figures in the pump type's `container` group):
 * it counts what is drawn, says when it will be near empty or empty at the present rate, and which
 * alarms are due (NEAR_EMPTY, then CONTAINER_EMPTY, which stops flow).
 */
import { err, type ProgramRequest, type Reply } from '../protocol/commands.js';
import { fmtNum } from '../trace/events.js';
import { NO_EFFECTS, clear, raise, type Effect } from './effects.js';
import type { PumpType } from './pumpTypes.js';

const EPS_ML = 1e-9;
const MS_PER_H = 3_600_000;

export interface ContainerConfig {
  /** The container-near-empty pre-alarm this long before empty at the present rate (ms; docs/clinical.md). */
  nearEmptyLeadMs: number;
  /** Syringe pumps: the syringe sizes it takes and the default (mL; docs/clinical.md). */
  syringe?: { sizesMl: readonly number[]; defaultSizeMl: number } | undefined;
}

/**
 * The volume a PROGRAM loads (mL), or the ERR that refuses it. Syringe pump: `syringe=` is one of
 * the type's sizes (default its default size), `container=` the fill (default a full syringe).
 * Large-volume pump: `container=` is the bag volume; without it the pump does not know the bag
 * (Infinity: the VTBI and the end action bound the volume, and the upstream sensor reports an
 * empty bag). The VTBI may not exceed what is loaded.
 */
export function loadedVolumeMl(type: PumpType, c: ProgramRequest): { ok: true; volumeMl: number } | { ok: false; reply: Reply } {
  let volumeMl = Infinity;
  const syr = type.container.syringe;
  if (syr) {
    const size = c.syringeMl ?? syr.defaultSizeMl;
    if (!syr.sizesMl.includes(size)) return { ok: false, reply: err('OUT_OF_RANGE', `syringe must be one of ${syr.sizesMl.join(', ')} mL`) };
    volumeMl = c.containerMl ?? size;
    if (!(volumeMl > 0 && volumeMl <= size)) return { ok: false, reply: err('OUT_OF_RANGE', `container (the syringe's fill) must be above 0 and at most ${size} mL`) };
  } else {
    if (c.syringeMl !== undefined) return { ok: false, reply: err('BAD_ARG', `syringe= is for a syringe pump; this is a ${type.id} pump (give container= mL)`) };
    if (c.containerMl !== undefined) {
      if (!(c.containerMl > 0 && c.containerMl <= type.maxVtbiMl)) return { ok: false, reply: err('OUT_OF_RANGE', `container must be above 0 and at most ${fmtNum(type.maxVtbiMl)} mL`) };
      volumeMl = c.containerMl;
    }
  }
  if (c.vtbiMl !== undefined && c.vtbiMl > volumeMl + EPS_ML) {
    return { ok: false, reply: err('OUT_OF_RANGE', `vtbi ${fmtNum(c.vtbiMl)} mL is more than is loaded (${fmtNum(volumeMl)} mL)`) };
  }
  return { ok: true, volumeMl };
}

export class Container {
  constructor(private readonly config: ContainerConfig) {}

  /** Volume of the container in place when full (mL); Infinity when not known. */
  volumeMl = Infinity;
  /** Volume drawn from the container in place (mL). */
  usedMl = 0;
  /** The empty sensor (INJECT container=empty). */
  sensorEmpty = false;
  nearEmptyRaised = false;

  /** A new program loads a full container of this volume. */
  load(volumeMl: number): void {
    this.volumeMl = volumeMl;
    this.usedMl = 0;
    this.nearEmptyRaised = false;
  }

  get remainingMl(): number {
    return this.volumeMl === Infinity ? Infinity : Math.max(0, this.volumeMl - this.usedMl);
  }

  get countedEmpty(): boolean {
    return this.usedMl >= this.volumeMl - EPS_ML;
  }

  get empty(): boolean {
    return this.sensorEmpty || this.countedEmpty;
  }

  /** INJECT container=ok: the sensor sees liquid; an empty container was replaced by a full one. */
  replace(): void {
    if (this.empty) {
      this.usedMl = 0;
      this.nearEmptyRaised = false;
    }
    this.sensorEmpty = false;
  }

  /** The motor drew `dvMl` from the container. */
  integrate(dvMl: number): void {
    this.usedMl += dvMl;
  }

  /** The next instant (unrounded) the container is near empty or empty at this rate; Infinity if never. */
  wakeMs(nowMs: number, rateMlPerH: number): number {
    if (!(rateMlPerH > 0 && this.volumeMl < Infinity)) return Infinity;
    const left = this.remainingMl;
    const empty = nowMs + (left * MS_PER_H) / rateMlPerH;
    if (this.nearEmptyRaised) return empty;
    return Math.min(empty, nowMs + ((left - (rateMlPerH * this.config.nearEmptyLeadMs) / MS_PER_H) * MS_PER_H) / rateMlPerH);
  }

  /** Near empty (pre-alarm), then empty (stops flow), at the present rate. */
  due(rateMlPerH: number): readonly Effect[] {
    if (this.volumeMl === Infinity || rateMlPerH <= 0) return NO_EFFECTS;
    if (this.countedEmpty) return [clear('NEAR_EMPTY'), raise('CONTAINER_EMPTY')];
    if (!this.nearEmptyRaised && this.remainingMl <= (rateMlPerH * this.config.nearEmptyLeadMs) / MS_PER_H + EPS_ML) {
      this.nearEmptyRaised = true;
      return [raise('NEAR_EMPTY')];
    }
    return NO_EFFECTS;
  }

  /** INJECT container=empty|ok (`ok` after empty: a full container of the same volume is in place; docs/protocol.md, "What is loaded"). */
  input(value: 'empty' | 'ok'): readonly Effect[] {
    if (value === 'empty') {
      this.sensorEmpty = true;
      return [raise('CONTAINER_EMPTY')];
    }
    this.replace();
    const effects: Effect[] = [];
    if (!this.nearEmptyRaised) effects.push(clear('NEAR_EMPTY'));
    if (!this.empty) effects.push(clear('CONTAINER_EMPTY'));
    return effects;
  }

  /** When flow starts or the pump comes up: an empty container raises its alarm at once. */
  atStart(): readonly Effect[] {
    return this.empty ? [raise('CONTAINER_EMPTY')] : NO_EFFECTS;
  }
}
