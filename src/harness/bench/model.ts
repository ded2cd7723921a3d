/**
 * Model-based property runs: fast-check generates command sequences (with TICK), sends them to the
 * device and to infusim's own Pump (in-process, same library) and compares one aspect per
 * property: replies (same OK/ERR codes, same values), volume and state, alarm ids raised. On a
 * mismatch fast-check shrinks to the shortest sequence it finds, printed with seed and path.
 */
import fc from 'fast-check';
import type { DrugLibrary } from '../../sim/druglib/schema.js';
import { findCareArea } from '../../sim/druglib/load.js';
import { LineSession } from '../../sim/session/lineSession.js';
import { Pump } from '../../sim/pump/pump.js';
import { pumpTypeById } from '../../sim/pump/pumpTypes.js';
import { fieldsOf, replyCode } from '../serial/link.js';
import { DeviceGoneError, parseStatus, type BenchDriver } from './driver.js';
import { oneRunAtATime } from './oneRunAtATime.js';
import type { CheckResult, DeviceProfile } from './types.js';

export type Aspect = 'replies' | 'volume' | 'alarms';

export const ASPECT_TITLES: Record<Aspect, string> = {
  replies: 'model: same replies and refusals',
  volume: 'model: volume infused and state',
  alarms: 'model: same alarm ids raised',
};

interface Model {
  oracle: LineSession;
}
interface Real {
  d: BenchDriver;
}

export const ASPECTS: readonly Aspect[] = ['replies', 'volume', 'alarms'];

export class Mismatch extends Error {
  override name = 'Mismatch';
}

const num = (x: number): string => String(+x.toFixed(3));

function close(a: number, b: number, tol: number): boolean {
  return Math.abs(a - b) <= tol;
}

function alarmIds(lines: string[], keep: ReadonlySet<string>): string[] {
  return lines
    .filter((l) => l.startsWith('! ALARM '))
    .map((l) => fieldsOf(l).id ?? '?')
    .filter((id) => keep.has(id))
    .sort();
}

class LineCommand implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly text: string,
    private readonly aspect: Aspect,
    private readonly p: DeviceProfile,
  ) {}

  check(): boolean {
    return true;
  }

  async run(m: Model, r: Real): Promise<void> {
    const id = r.d.link.newId('m');
    const dev = await r.d.req(this.text);
    const orc = m.oracle.handleLine(`${id} ${this.text}`);
    const oReply = orc[orc.length - 1] ?? '';
    const tol = (x: number): number => 0.0015 + Math.abs(x) * 0.001;
    if (this.aspect === 'replies') {
      const dc = replyCode(dev.reply);
      const oc = replyCode(oReply);
      if (dc !== oc) throw new Mismatch(`${this.text}: device ${dc} (${dev.reply}), model ${oc} (${oReply})`);
      if (dc === 'OK') {
        const df = fieldsOf(dev.reply);
        const of = fieldsOf(oReply);
        for (const k of ['rate', 'vtbi', 'volume', 't', 'drugs']) {
          if (of[k] === undefined) continue;
          if (df[k] === undefined || !close(Number(df[k]), Number(of[k]), tol(Number(of[k])))) throw new Mismatch(`${this.text}: device ${k}=${df[k]}, model ${k}=${of[k]}`);
        }
      }
    } else if (this.aspect === 'alarms') {
      const da = alarmIds(dev.lines, this.p.alarms).join(',');
      const oa = alarmIds(orc, this.p.alarms).join(',');
      if (da !== oa) throw new Mismatch(`${this.text}: device raised [${da}], model raised [${oa}]`);
    }
    if (this.aspect !== 'replies') {
      const ds = await r.d.status();
      const os = parseStatus(m.oracle.handleLine('os STATUS').at(-1) ?? '');
      if (this.aspect === 'volume') {
        if (ds.state !== os.state) throw new Mismatch(`after ${this.text}: device state=${ds.state}, model state=${os.state}`);
        if (!close(ds.rate, os.rate, tol(os.rate))) throw new Mismatch(`after ${this.text}: device rate=${ds.rate}, model rate=${os.rate}`);
        if (!close(ds.vi, os.vi, this.p.viToleranceMl(os.vi))) throw new Mismatch(`after ${this.text}: device vi=${ds.vi} mL, model vi=${os.vi} mL`);
      } else if (this.p.name === 'infusim-sim' && ds.alarm !== os.alarm) {
        throw new Mismatch(`after ${this.text}: device top alarm ${ds.alarm}, model ${os.alarm}`);
      }
    }
  }

  toString(): string {
    return this.text;
  }
}

/** The request texts the generator may send to this device. */
export function commandTexts(p: DeviceProfile, lib: DrugLibrary): fc.Arbitrary<string>[] {
  const pick = <T>(xs: readonly T[]): fc.Arbitrary<T> => fc.constantFrom(...xs);
  // The same values for every device: 0.05 mL/h rounds to 0.1 (the rate resolution), a VTBI of
  // 0.05 mL and 10000 mL are out of range, 1500 mL/h is above the maximum.
  const rates = pick([0.05, 0.1, 1, 2.5, 25, 120, 999, 1500]);
  const vtbis = pick([0.05, 1, 5, 20, 100, 10000]);
  const ends = pick(['stop', 'kvo', 'continue']);
  const kvos = pick([0.5, 1, 5]);
  const out: fc.Arbitrary<string>[] = [
    fc.tuple(rates, vtbis, ends, kvos).map(([r, v, e, k]) => `PROGRAM rate=${num(r)} vtbi=${num(v)} end=${e} kvo=${num(k)}`),
    pick(['START', 'START', 'PAUSE', 'RESUME', 'STOP', 'ACK', 'SILENCE']),
    rates.map((r) => `TITRATE rate=${num(r)}`),
    fc.tuple(pick([0.05, 0.5, 2, 10, 150]), pick([5, 50, 300, 999])).map(([v, r]) => `BOLUS volume=${num(v)} rate=${num(r)}`),
    pick([1, 1000, 30_000, 120_000, 600_000, 3_600_000]).map((ms) => `TICK ms=${ms}`),
    pick(['ACK alarm=VTBI_COMPLETE', 'ACK alarm=NEAR_END']),
  ];
  if (p.inject) {
    out.push(
      pick(['occlusion=down', 'occlusion=up', 'occlusion=clear', 'door=open', 'door=closed', 'air=0.05', 'air=0.5', 'container=empty', 'container=ok', 'comm=lost', 'comm=ok']).map((s) => `INJECT ${s}`),
      pick(['ACK alarm=DOOR_OPEN', 'ACK alarm=OCCLUSION_DOWN', 'ACK alarm=AIR_IN_LINE']),
    );
  }
  if (p.pca) {
    out.push(
      fc.tuple(pick([0, 0.5, 2]), pick([0.5, 1, 3]), pick([5, 10]), pick([1, 4, 20])).map(([b, dm, lo, li]) => `PROGRAM mode=pca basal=${num(b)} demand=${num(dm)} lockout=${lo} limit=${li} window=1 vtbi=50`),
      fc.constant('DEMAND'),
    );
  }
  const area = findCareArea(lib, p.area);
  if (p.libMatchesOracle && area) {
    const drugs = area.drugs.filter((d) => !d.doseUnit.includes('m2')).slice(0, 12);
    if (drugs.length > 0) {
      out.push(
        fc.tuple(pick(drugs), fc.nat(4), fc.boolean()).map(([d, i, ov]) => {
          const l = d.limits.doseRate;
          const doses = [l.lowerHard !== undefined ? l.lowerHard * 0.5 : 0.5, l.lowerSoft ?? 1, ((l.lowerSoft ?? 1) + (l.upperSoft ?? 2)) / 2, (l.upperSoft ?? 2) * 1.2, (l.upperHard ?? 4) * 2];
          const dose = doses[i] ?? 1;
          return `PROGRAM drug=${d.id} dose=${num(Math.max(dose, 0.001))}${d.doseUnit.includes('/kg') ? ' weight=70' : ''} vtbi=50${ov ? ' override=1' : ''}`;
        }),
      );
    }
  }
  return out;
}

export interface ModelRunOptions {
  runs: number;
  seed: number;
  /** Replay one run: the path a failure printed (fast-check's counterexample path, e.g. `93:1`). */
  path?: string | undefined;
  /** With `path`: which generated commands ran, as the failure printed it (fast-check's replayPath). */
  replayPath?: string | undefined;
  /** Only these aspects (default all three). */
  aspects?: readonly Aspect[];
  /** The device's port, for the replay command printed with a failure. */
  port?: string;
  maxCommands?: number;
  library: DrugLibrary;
  /** Overall time limit per aspect (ms). */
  timeLimitMs?: number;
  log?: (line: string) => void;
}

export async function runModelChecks(d: BenchDriver, p: DeviceProfile, o: ModelRunOptions): Promise<CheckResult[]> {
  const aspects = o.aspects ?? ASPECTS;
  if (p.clock !== 'virtual') {
    return aspects.map((a) => ({ name: ASPECT_TITLES[a], status: 'SKIP', detail: 'clock=real: TICK-based property runs are skipped (docs/bench.md)' }));
  }
  const results: CheckResult[] = [];
  const type = pumpTypeById(p.model === 'syringe' ? 'syringe' : 'lvp');
  const texts = commandTexts(p, o.library);
  for (const aspect of aspects) {
    if (d.gone) {
      results.push({ name: ASPECT_TITLES[aspect], status: 'FAIL', detail: `not run: ${d.gone}` });
      continue;
    }
    // Every run starts from a known state: RESET gives the device as at power-on, the same state
    // as the fresh oracle (docs/bench.md), so a failure replays from its seed and path alone.
    const setup = async (): Promise<{ model: Model; real: Real }> => {
      await d.reset(p.area);
      // Without RESET: let windows from earlier runs (accumulated air, audio pause) run out, in IDLE.
      if (!p.reset) await d.ask('TICK ms=1000000');
      const s = await d.status();
      const pump = new Pump({ type, seed: o.seed, library: o.library, areaId: p.area, startMs: s.t });
      return { model: { oracle: new LineSession(pump) }, real: { d } };
    };
    const cmds = fc.commands(
      texts.map((t) => t.map((text) => new LineCommand(text, aspect, p))),
      { maxCommands: o.maxCommands ?? 25, ...(o.path && o.replayPath ? { replayPath: o.replayPath } : {}) },
    );
    // One run at a time on the device, even when the time limit interrupts one (oneRunAtATime.ts).
    const runs = oneRunAtATime(async (seq: Iterable<fc.AsyncCommand<Model, Real>>) => {
      await fc.asyncModelRun(setup, seq);
    });
    const prop = fc.asyncProperty(cmds, runs.predicate);
    const t0 = Date.now();
    const res = await fc.check(prop, {
      seed: o.seed,
      numRuns: o.runs,
      ...(o.path ? { path: o.path } : {}),
      plugins: [fc.interruptAfterTimeLimit(o.timeLimitMs ?? 120_000)],
    });
    await runs.settled();
    const secs = ((Date.now() - t0) / 1000).toFixed(1);
    if (!res.failed) {
      results.push({ name: ASPECT_TITLES[aspect], status: 'PASS', detail: `${res.numRuns} runs${res.interrupted ? ' (time limit reached)' : ''}, seed ${res.seed}${o.path ? `, path ${o.path}` : ''}, ${secs} s` });
      continue;
    }
    const err = res.errorInstance;
    if (err instanceof DeviceGoneError || d.gone) {
      results.push({ name: ASPECT_TITLES[aspect], status: 'FAIL', detail: d.gone ?? (err as Error).message });
      continue;
    }
    const example = res.counterexample as unknown as [Iterable<LineCommand>] | null;
    const seq = example ? [...example[0]].map((c) => String(c)) : [];
    const msg = err instanceof Error ? err.message.split('\n')[0] ?? '' : String(err);
    o.log?.(`${ASPECT_TITLES[aspect]}: FAIL after ${res.numRuns} runs, ${res.numShrinks} shrinks`);
    const path = res.counterexamplePath ?? '-';
    const replayPath = example ? /replayPath="([^"]*)"/.exec(String(example[0]))?.[1] : undefined;
    const alone = p.reset ? 'each run starts with RESET, so it replays alone' : 'this device has no RESET: earlier runs may be part of it';
    o.log?.(`  seed=${res.seed} path=${path}  (the sequence below is the shortest found; ${alone})`);
    o.log?.(`  replay: ${replayCommand(aspect, res.seed, path, replayPath, o.port)}`);
    seq.forEach((t, i) => o.log?.(`  ${String(i + 1).padStart(3)}  ${t}`));
    o.log?.(`  -> ${msg}`);
    results.push({ name: ASPECT_TITLES[aspect], status: 'FAIL', detail: `${msg} [seed ${res.seed}, path ${path}, ${seq.length} commands]` });
  }
  return results;
}

/** The command line that runs one failed aspect again from its seed and path. */
export function replayCommand(aspect: Aspect, seed: number, path: string, replayPath: string | undefined, port = '<port>'): string {
  return `infusim bench --port ${port} --only "${ASPECT_TITLES[aspect]}" --seed ${seed} --path ${path}${replayPath ? ` --replay-path "${replayPath}"` : ''}`;
}
