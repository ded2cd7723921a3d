/**
 * What is loaded: the syringe on a syringe pump, the bag (container) on a large-volume pump.
 * Delivered volume never exceeds what was loaded (docs/protocol.md, "What is loaded"; figures in
 * docs/clinical.md, "Syringes and containers"). Pure data; the pump integrates and raises alarms.
 */
import { err, type ProgramRequest, type Reply } from '../protocol/commands.js';
import { fmtNum } from '../trace/events.js';
import type { PumpType } from './pumpTypes.js';

const EPS_ML = 1e-9;

/**
 * The volume a PROGRAM loads (mL), or the ERR that refuses it. Syringe pump: `syringe=` is one of
 * the type's sizes (default its default size), `container=` the fill (default a full syringe).
 * Large-volume pump: `container=` is the bag volume; without it the pump does not know the bag
 * (Infinity: the VTBI and the end action bound the volume, and the upstream sensor reports an
 * empty bag). The VTBI may not exceed what is loaded.
 */
export function loadedVolumeMl(type: PumpType, c: ProgramRequest): { ok: true; volumeMl: number } | { ok: false; reply: Reply } {
  let volumeMl = Infinity;
  const syr = type.syringe;
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
}
