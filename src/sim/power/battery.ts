/**
 * Battery and mains. The charge drains by the load (electronics plus motor, which grows with the
 * rate) while on battery, and charges on mains. Closed form between events.
 * docs/clinical.md#battery-and-power: at least 4 h at 25 mL/h; low battery at least 30 min before depletion.
 */
/** A pump type's battery (the `battery` group of src/sim/pump/pumpTypes.ts). */
export interface BatterySpec {
  capacityMWh: number;
  idleDrawMW: number;
  motorDrawMWPerMlPerH: number;
  chargeMW: number;
  /** Low-battery alarm when the remaining runtime at the present load falls to this (ms). */
  lowWarningMs: number;
  /** Depleted battery: the pump shuts down this long after the BATTERY_DEPLETED alarm (ms; docs/clinical.md). */
  depletedShutdownMs: number;
}

const MS_PER_H = 3_600_000;

export class Battery {
  chargeMWh: number;
  onMains = true;
  /** When the depleted-battery alarm was raised, while on battery (undefined: not depleted). */
  depletedSinceMs: number | undefined;

  constructor(private readonly spec: BatterySpec, initialFraction = 1) {
    this.chargeMWh = spec.capacityMWh * Math.min(1, Math.max(0, initialFraction));
  }

  get capacityMWh(): number {
    return this.spec.capacityMWh;
  }

  get percent(): number {
    return Math.round((100 * this.chargeMWh) / this.spec.capacityMWh);
  }

  drawMW(rateMlPerH: number): number {
    return this.spec.idleDrawMW + this.spec.motorDrawMWPerMlPerH * rateMlPerH;
  }

  /** Remaining runtime on battery at this load (ms). */
  remainingMs(rateMlPerH: number): number {
    return (this.chargeMWh / this.drawMW(rateMlPerH)) * MS_PER_H;
  }

  isLow(rateMlPerH: number): boolean {
    return !this.onMains && this.remainingMs(rateMlPerH) <= this.spec.lowWarningMs + 1e-6;
  }

  isDepleted(): boolean {
    return !this.onMains && this.chargeMWh <= 1e-9;
  }

  /**
   * The instant the pump must shut down: the depleted-battery period (type data, docs/clinical.md)
   * after the alarm, while still on battery. Infinity when not due.
   */
  shutdownAtMs(): number {
    return this.depletedSinceMs === undefined || this.onMains ? Infinity : this.depletedSinceMs + this.spec.depletedShutdownMs;
  }

  advance(dtMs: number, rateMlPerH: number): void {
    if (dtMs <= 0) return;
    if (this.onMains) {
      this.chargeMWh = Math.min(this.spec.capacityMWh, this.chargeMWh + (this.spec.chargeMW * dtMs) / MS_PER_H);
    } else {
      this.chargeMWh = Math.max(0, this.chargeMWh - (this.drawMW(rateMlPerH) * dtMs) / MS_PER_H);
    }
  }

  /** Time from now until the low-battery threshold at this load (Infinity on mains or past it). */
  msUntilLow(rateMlPerH: number): number {
    if (this.onMains) return Infinity;
    const draw = this.drawMW(rateMlPerH);
    const thresholdMWh = (draw * this.spec.lowWarningMs) / MS_PER_H;
    const above = this.chargeMWh - thresholdMWh;
    return above > 0 ? (above / draw) * MS_PER_H : Infinity;
  }

  msUntilDepleted(rateMlPerH: number): number {
    if (this.onMains || this.chargeMWh <= 1e-9) return Infinity;
    return (this.chargeMWh / this.drawMW(rateMlPerH)) * MS_PER_H;
  }
}
