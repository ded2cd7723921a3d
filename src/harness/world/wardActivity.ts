/**
 * A ward's day for one pump, drawn from its own seeded stream: programs from the drug library
 * (most by dose, some basic, some PCA), titrations, PCA demands, faults (occlusion, air, door,
 * mains loss) and a nurse who answers alarms after a delay. Used by the benchmark and as the
 * default activity of generated fleets.
 */
import { Prng } from '../../sim/time/prng.js';
import type { CareArea, DrugEntry } from '../../sim/druglib/schema.js';
import type { PumpCommand } from '../../sim/protocol/commands.js';
import type { PumpEvent } from '../../sim/trace/events.js';
import type { World } from './world.js';

export interface WardActivityOptions {
  area: CareArea;
  /** Faults per pump per 24 h (mean). */
  occlusionsPerDay?: number;
  airPerDay?: number;
  doorPerDay?: number;
  mainsLossPerDay?: number;
  /** Nurse response time range (ms). */
  nurseResponseMs?: [number, number];
  /** Fraction of programs that are PCA, and basic infusions outside the library. */
  pcaFraction?: number;
  basicFraction?: number;
  /** Draw programs and faults (a ward's patients), or only answer alarms. */
  generate?: boolean;
  /** Do nurses answer alarms at all? */
  respond?: boolean;
}

const MIN = 60_000;
const HOUR = 3_600_000;
/**
 * What a nurse leaves in a syringe below the VTBI (mL): the drug drawn up fills the syringe, the
 * line is primed from it, and the pump keeps the vein open (KVO) after the VTBI until the nurse
 * comes. A VTBI of the whole syringe would empty it at VTBI complete: KVO draws from an empty
 * syringe and CONTAINER_EMPTY (high) follows at once (docs/protocol.md, "What is loaded").
 */
const SYRINGE_RESERVE_ML = 2;

function midDose(d: DrugEntry, prng: Prng): number {
  const l = d.limits.doseRate;
  const lo = l.lowerSoft ?? l.lowerHard ?? (l.upperSoft ?? 10) / 10;
  const hi = l.upperSoft ?? l.upperHard ?? lo * 5;
  return Number(prng.uniform(lo, hi).toPrecision(3));
}

export class WardActivity {
  private readonly prng: Prng;
  private readonly o: Required<WardActivityOptions>;
  private programKind: 'drug' | 'basic' | 'pca' | undefined;
  private drug: DrugEntry | undefined;
  private weightKg = 70;
  private dose = 0;
  private nurseBusy = false;
  private stopped = false;
  /** Parked (off the network, in storage, cleaning, repair): no patient, no nurse, no fault of a normal day. */
  private held = false;
  /** Bumped by hold and release: what was scheduled before does not run after. */
  private epoch = 0;

  /** No more actions (the end of a run). */
  stop(): void {
    this.stopped = true;
  }

  /** The pump is parked: whatever was planned for it is dropped. */
  hold(): void {
    this.held = true;
    this.epoch++;
    this.nurseBusy = false;
  }

  /** The pump is back on its unit: a new patient after a while, as after a finished infusion. */
  release(): void {
    if (!this.held) return;
    this.held = false;
    this.epoch++;
    if (this.o.generate && !this.stopped) this.at(this.world.nowMs + this.prng.uniform(5 * MIN, 45 * MIN), () => this.newInfusion());
  }

  /** world.at, dropped if the pump was parked or came back meanwhile. */
  private at(tMs: number, run: () => void): void {
    const epoch = this.epoch;
    this.world.at(tMs, () => {
      if (epoch === this.epoch) run();
    });
  }

  constructor(
    private readonly world: World,
    private readonly pumpId: string,
    seed: number,
    options: WardActivityOptions,
  ) {
    this.prng = new Prng(seed);
    this.o = {
      occlusionsPerDay: 0.5,
      airPerDay: 0.2,
      doorPerDay: 0.1,
      mainsLossPerDay: 0.2,
      nurseResponseMs: [30_000, 300_000],
      pcaFraction: 0.1,
      basicFraction: 0.2,
      generate: true,
      respond: true,
      ...options,
    };
  }

  /** Schedule the day: the first program, then faults over [0, durationMs). */
  start(durationMs: number): void {
    if (!this.o.generate) return;
    this.at(this.prng.uniform(0, 30 * MIN), () => this.newInfusion());
    const faults: [number, PumpCommand][] = [];
    const poisson = (perDay: number, make: () => PumpCommand): void => {
      const n = Math.floor(perDay * (durationMs / (24 * HOUR)) + this.prng.next());
      for (let i = 0; i < n; i++) faults.push([this.prng.uniform(0, durationMs), make()]);
    };
    poisson(this.o.occlusionsPerDay, () => ({ cmd: 'INJECT', input: { sensor: 'occlusion', value: this.prng.next() < 0.8 ? 'down' : 'up' } }));
    poisson(this.o.airPerDay, () => ({ cmd: 'INJECT', input: { sensor: 'air', bubbleMl: Number(this.prng.uniform(0.02, 0.3).toFixed(3)) } }));
    poisson(this.o.doorPerDay, () => ({ cmd: 'INJECT', input: { sensor: 'door', value: 'open' } }));
    poisson(this.o.mainsLossPerDay, () => ({ cmd: 'INJECT', input: { sensor: 'mains', value: 'off' } }));
    faults.sort((a, b) => a[0] - b[0]);
    for (const [t, c] of faults) this.world.at(t, () => this.stopped || this.held || this.world.command(this.pumpId, c, 'scenario'));
  }

  /** Feed the pump's events here (the world's sink) so the nurse can answer them. */
  onEvent(e: PumpEvent): void {
    if (this.stopped || this.held || !this.o.respond) return;
    if (e.type === 'ALARM') {
      if (e.stops) this.answer(e.id);
      else if (e.id === 'VTBI_COMPLETE') this.later(() => this.finishAndReplace());
      else if (e.id === 'LOW_BATTERY') this.later(() => this.cmd({ cmd: 'INJECT', input: { sensor: 'mains', value: 'on' } }));
      else if (e.id === 'CALLBACK') this.later(() => this.cmd({ cmd: 'ACK' }));
    }
  }

  private cmd(c: PumpCommand): boolean {
    if (this.stopped || this.held) return false;
    return this.world.command(this.pumpId, c, 'nurse').ok;
  }

  private later(run: () => void, minMs?: number, maxMs?: number): void {
    const [lo, hi] = this.o.nurseResponseMs;
    this.at(this.world.nowMs + this.prng.uniform(minMs ?? lo, maxMs ?? hi), run);
  }

  private answer(alarmId: string): void {
    if (this.nurseBusy) return;
    this.nurseBusy = true;
    this.later(() => {
      this.nurseBusy = false;
      this.cmd({ cmd: 'SILENCE' });
      if (alarmId.startsWith('OCCLUSION')) this.cmd({ cmd: 'INJECT', input: { sensor: 'occlusion', value: 'clear' } });
      if (alarmId === 'DOOR_OPEN') this.cmd({ cmd: 'INJECT', input: { sensor: 'door', value: 'closed' } });
      if (alarmId === 'BATTERY_DEPLETED') this.cmd({ cmd: 'INJECT', input: { sensor: 'mains', value: 'on' } });
      if (alarmId === 'CONTAINER_EMPTY') this.cmd({ cmd: 'INJECT', input: { sensor: 'container', value: 'ok' } });
      this.cmd({ cmd: 'ACK' });
      this.cmd({ cmd: 'RESUME' });
    });
  }

  private finishAndReplace(): void {
    if (this.stopped) return;
    this.cmd({ cmd: 'ACK' });
    this.cmd({ cmd: 'STOP' });
    this.at(this.world.nowMs + this.prng.uniform(5 * MIN, 45 * MIN), () => this.newInfusion());
  }

  private newInfusion(): void {
    if (this.stopped) return;
    const r = this.prng.next();
    const slot = this.world.pump(this.pumpId);
    const type = slot.pump.type;
    // The largest VTBI the nurse sets: the pump's, and on a syringe pump what the (default) syringe holds less the reserve.
    const maxVtbiMl = type.container.syringe ? Math.min(type.maxVtbiMl, type.container.syringe.defaultSizeMl - SYRINGE_RESERVE_ML) : type.maxVtbiMl;
    let program: PumpCommand;
    if (r < this.o.pcaFraction && type.id === 'lvp') {
      this.programKind = 'pca';
      program = { cmd: 'PROGRAM', mode: 'pca', rateMlPerH: 0.5, demandMl: 1, lockoutMin: 10, limitMl: 8, windowH: 4, vtbiMl: 100 };
    } else if (r < this.o.pcaFraction + this.o.basicFraction) {
      this.programKind = 'basic';
      const rate = type.id === 'lvp' ? Number(this.prng.uniform(20, 150).toFixed(1)) : Number(this.prng.uniform(0.5, 10).toFixed(2));
      program = { cmd: 'PROGRAM', rateMlPerH: rate, vtbiMl: Math.min(maxVtbiMl, Math.round(rate * this.prng.uniform(2, 10))) };
    } else {
      const drugs = this.o.area.drugs.filter((d) => !d.pumpTypes || d.pumpTypes.includes(type.id));
      const d = drugs[this.prng.int(0, drugs.length - 1)];
      if (!d) return;
      this.programKind = 'drug';
      this.drug = d;
      this.weightKg = Math.round(this.prng.uniform(this.o.area.weightKg?.min ?? 50, Math.min(120, this.o.area.weightKg?.max ?? 120)) * 10) / 10;
      this.dose = midDose(d, this.prng);
      program = { cmd: 'PROGRAM', drugId: d.id, dose: this.dose, weightKg: this.weightKg, vtbiMl: Math.min(maxVtbiMl, d.limits.vtbiMl?.upperHard ?? 250, 100) };
    }
    if (!this.cmd(program) || !this.cmd({ cmd: 'START' })) {
      // Out of the pump's range for this draw: try again later with another.
      this.cmd({ cmd: 'STOP' });
      this.at(this.world.nowMs + 10 * MIN, () => this.newInfusion());
      return;
    }
    this.scheduleTitration();
    if (this.programKind === 'pca') this.scheduleDemand();
  }

  private scheduleTitration(): void {
    if (this.stopped) return;
    this.at(this.world.nowMs + this.prng.uniform(1 * HOUR, 4 * HOUR), () => {
      const state = this.world.pump(this.pumpId).pump.state;
      if (state !== 'RUNNING') return;
      if (this.programKind === 'drug' && this.drug) {
        this.dose = Number((this.dose * this.prng.uniform(0.8, 1.25)).toPrecision(3));
        const ok = this.cmd({ cmd: 'TITRATE', dose: this.dose });
        if (!ok) this.cmd({ cmd: 'TITRATE', dose: this.dose, override: true });
      } else if (this.programKind === 'basic') {
        const p = this.world.pump(this.pumpId).pump.currentProgram;
        if (p) this.cmd({ cmd: 'TITRATE', rateMlPerH: Number((p.rateMlPerH * this.prng.uniform(0.8, 1.2)).toFixed(1)) });
      }
      this.scheduleTitration();
    });
  }

  private scheduleDemand(): void {
    if (this.stopped) return;
    this.at(this.world.nowMs + this.prng.uniform(5 * MIN, 90 * MIN), () => {
      if (this.programKind !== 'pca') return;
      const state = this.world.pump(this.pumpId).pump.state;
      if (state === 'IDLE' || state === 'COMPLETE') return;
      this.cmd({ cmd: 'DEMAND' });
      this.scheduleDemand();
    });
  }
}
