/**
 * Small scenarios built in code for the runner's tests, and readers of the trace. Every scenario
 * here is a few pumps for well under a virtual day, so a run takes tens of milliseconds.
 */
import { vi } from 'vitest';
import { defineScenario, World, type LoadedScenario, type PumpEvent, type ScenarioInput, type Trace, type TraceRecord } from '../../../src/index.js';

export type Timeline = NonNullable<ScenarioInput['timeline']>;
export type Expect = NonNullable<ScenarioInput['expect']>;
export type TimelineEntry = Timeline[number];

/** Heparin 18 units/kg/h for 80 kg from the shipped library: 14.4 mL/h (icu and medsurg). */
export const HEPARIN = { drug: 'heparin', dose: 18, weight: 80, vtbi: 250 } as const;
export const HEPARIN_RATE = 14.4;

export { MIN } from '../../support/time.js';

export interface WardOptions {
  name?: string;
  seed?: number;
  duration?: string;
  /** lvp pumps of unit "u" on segment "s" (named u-1 … u-n). */
  pumps?: number;
  /** Extra pump groups of unit "u". */
  groups?: NonNullable<ScenarioInput['site']['units'][number]['pumps']>;
  /** A second unit "v" on segment "t" with this many lvp pumps (v-1 …). */
  second?: number;
  timeline?: Timeline;
  expect?: Expect;
  telemetryEvery?: string;
  link?: ScenarioInput['link'];
  patients?: boolean;
  respond?: boolean;
  outcome?: 'pass' | 'violation';
}

/** A ward in code: unit u (icu, segment s) and optionally unit v (icu, segment t). */
export function wardInput(o: WardOptions = {}): ScenarioInput {
  const nurse = { respond: o.respond ?? false };
  const units: ScenarioInput['site']['units'] = [
    {
      id: 'u',
      careArea: 'icu',
      segment: 's',
      pumps: [...(o.pumps === 0 ? [] : [{ type: 'lvp' as const, count: o.pumps ?? 3 }]), ...(o.groups ?? [])],
      nurse,
      ...(o.patients ? { patients: {} } : {}),
    },
  ];
  if (o.second) units.push({ id: 'v', careArea: 'icu', segment: 't', pumps: [{ type: 'lvp', count: o.second }], nurse, ...(o.patients ? { patients: {} } : {}) });
  return {
    name: o.name ?? 'runner-test',
    seed: o.seed ?? 7,
    duration: o.duration ?? '30m',
    site: { segments: [{ id: 's' }, { id: 't' }], units },
    ...(o.telemetryEvery ? { telemetryEvery: o.telemetryEvery } : {}),
    ...(o.link ? { link: o.link } : {}),
    ...(o.outcome ? { outcome: o.outcome } : {}),
    timeline: o.timeline ?? [],
    expect: o.expect ?? [],
  };
}

export function ward(o: WardOptions = {}): LoadedScenario {
  return defineScenario(wardInput(o));
}

/** Program heparin and start it on `target` at time `at`. */
export function infuse(target = 'all', at: string | number = 0): Timeline {
  return [
    { at, action: 'program', target, args: { ...HEPARIN } },
    { at, action: 'start', target },
  ];
}

type PumpRecord = Extract<TraceRecord, { kind: 'pump' }>;
type CommandRecord = Extract<TraceRecord, { kind: 'command' }>;

/** The pump events of one pump (of one type), in trace order. */
export function pumpEvents<T extends PumpEvent['type']>(trace: Trace, pumpId: string, type?: T): Extract<PumpEvent, { type: T }>[] {
  return trace.records
    .filter((r): r is PumpRecord => r.kind === 'pump' && r.pumpId === pumpId && (type === undefined || r.event.type === type))
    .map((r) => r.event as Extract<PumpEvent, { type: T }>);
}

export function alarmsOf(trace: Trace, pumpId: string, id?: string): Extract<PumpEvent, { type: 'ALARM' }>[] {
  return pumpEvents(trace, pumpId, 'ALARM').filter((e) => id === undefined || e.id === id);
}

export function commandsOf(trace: Trace, pumpId?: string): CommandRecord[] {
  return trace.records.filter((r): r is CommandRecord => r.kind === 'command' && (pumpId === undefined || r.pumpId === pumpId));
}

export function recordsOf<K extends TraceRecord['kind']>(trace: Trace, kind: K): Extract<TraceRecord, { kind: K }>[] {
  return trace.records.filter((r): r is Extract<TraceRecord, { kind: K }> => r.kind === kind);
}

/** The state a pump is in at `tMs`, from its STATE events in the trace. */
export function stateAt(trace: Trace, pumpId: string, tMs: number): string {
  let st = 'IDLE';
  for (const e of pumpEvents(trace, pumpId, 'STATE')) if (e.tMs <= tMs) st = e.state;
  return st;
}

/**
 * The World a run builds, captured when its first pump is added (for reading pumps mid-run from
 * an onProgress callback). Call before runScenario; vi.restoreAllMocks() undoes it.
 */
export function captureWorld(): { get: () => World } {
  let world: World | undefined;
  const keep = (w: World): void => {
    world = w;
  };
  const orig = World.prototype.addPump;
  vi.spyOn(World.prototype, 'addPump').mockImplementation(function (this: World, ...args: Parameters<World['addPump']>) {
    keep(this);
    return orig.apply(this, args);
  });
  return {
    get: () => {
      if (!world) throw new Error('no world captured yet');
      return world;
    },
  };
}
