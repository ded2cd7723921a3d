/**
 * Battery and mains. The charge drains by the load (electronics plus motor, which grows with the
 * rate) while on battery, and charges on mains. Closed form between events.
 * docs/clinical.md#battery-and-power: at least 4 h at 25 mL/h; low battery at least 30 min before depletion.
 */
import { err, type Reply } from '../protocol/commands.js';
import { NO_EFFECTS, clear, raise, type Effect } from '../pump/effects.js';
import type { AlarmId } from '../alarms/alarmTable.js';

const MS_PER_H = 3_600_000;

/** Capacity in mWh, idle draw, motor draw per mL/h of rate, charge rate on mains. */
export interface BatteryConfig {
  capacityMWh: number;
  idleDrawMW: number;
  motorDrawMWPerMlPerH: number;
  chargeMW: number;
  /** Low-battery alarm when the remaining runtime at the present load falls to this (ms). */
  lowWarningMs: number;
  /** Depleted battery: the pump shuts down this long after the BATTERY_DEPLETED alarm (ms; docs/clinical.md). */
  depletedShutdownMs: number;
}

export class Battery {
  chargeMWh: number;
  onMains = true;
  /** When the depleted-battery alarm was raised, while on battery (undefined: not depleted). */
  depletedSinceMs: number | undefined;

  constructor(private readonly spec: BatteryConfig, initialFraction = 1) {
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

  /** Why a battery percentage is refused (INJECT battery=), or undefined. */
  static percentRefusal(percent: number): Reply | undefined {
    return percent >= 0 && percent <= 100 ? undefined : err('OUT_OF_RANGE', 'battery must be 0 to 100 (percent)');
  }

  /** INJECT battery=<percent>: a worn or partly charged battery; the charge is set to this percentage. */
  setPercent(percent: number): void {
    this.chargeMWh = (this.spec.capacityMWh * percent) / 100;
  }

  /** INJECT mains=on|off: loss and return of mains power are events (docs/protocol.md, "Power"). */
  mainsInput(on: boolean, nowMs: number): readonly Effect[] {
    const effects: Effect[] = [];
    if (this.onMains !== on) effects.push({ event: { type: 'MAINS', tMs: nowMs, on } });
    this.onMains = on;
    if (on) {
      this.depletedSinceMs = undefined;
      effects.push(clear('LOW_BATTERY'), clear('BATTERY_DEPLETED'));
    }
    return effects;
  }

  /** The charge over `dtMs` at this load; switched off, the pump draws nothing (it still charges on mains). */
  integrate(dtMs: number, rateMlPerH: number, poweredOn: boolean): void {
    if (poweredOn || this.onMains) this.advance(dtMs, rateMlPerH);
  }

  /** The next instant (unrounded) a battery threshold is reached at this load; Infinity if none. */
  wakeMs(nowMs: number, rateMlPerH: number): number {
    return Math.min(nowMs + this.msUntilLow(rateMlPerH), nowMs + this.msUntilDepleted(rateMlPerH), this.shutdownAtMs());
  }

  /**
   * What is due now: BATTERY_DEPLETED at 0 % on battery, then after the depleted-battery period
   * the shutdown (docs/protocol.md, "Power"); LOW_BATTERY when the runtime left is short.
   */
  due(nowMs: number, rateMlPerH: number, active: { has(id: AlarmId): boolean }): readonly Effect[] {
    let effects = NO_EFFECTS;
    if (this.isDepleted()) {
      if (!active.has('BATTERY_DEPLETED')) effects = [raise('BATTERY_DEPLETED')];
      this.depletedSinceMs ??= nowMs;
      if (nowMs >= this.shutdownAtMs()) return [...effects, { powerDown: 'battery_depleted' }];
    } else {
      this.depletedSinceMs = undefined;
    }
    if (this.isLow(rateMlPerH) && !active.has('LOW_BATTERY')) effects = [...effects, raise('LOW_BATTERY')];
    return effects;
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
