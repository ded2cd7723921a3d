/**
 * A bench run against one device under test on a serial port: open the link, read INFO and probe
 * the profile, run the conformance suite, then the model-based property runs, and return one row
 * per check. Every wait has a timeout; a vanished device ends the run with FAIL rows, never a hang.
 */
import type { DrugLibrary } from '../../sim/druglib/schema.js';
import { loadLibraryFile } from '../paths.js';
import { SerialLink } from '../serial/link.js';
import { CHECKS, runCheck } from './conformance.js';
import { BenchDriver, DeviceGoneError } from './driver.js';
import { ASPECT_TITLES, ASPECTS, runModelChecks } from './model.js';
import { describeProfile, detectProfile } from './profile.js';
import { exitCodeOf } from './report.js';
import type { CheckResult, PinDriver } from './types.js';

export interface BenchOptions {
  port: string;
  baudRate?: number;
  /** Property runs per aspect (default 100). */
  runs?: number;
  seed?: number;
  /** Replay one model-based run from the path a failure printed (with its seed). */
  path?: string;
  /** With `path`: the replay path of the commands that ran, as the failure printed it. */
  replayPath?: string;
  /** Wait for any one reply (default 2000 ms). */
  timeoutMs?: number;
  /** Commands per property run (default 25). */
  maxCommands?: number;
  /** Only these checks (names containing one of the strings); default all. */
  only?: string[];
  /** Skip the model-based runs. */
  noModel?: boolean;
  library?: DrugLibrary;
  /** Time limit of each model-based property (ms, default 120000): fewer runs if reached. */
  modelTimeLimitMs?: number;
  /**
   * Sensor inputs driven from outside the protocol, e.g. `unoPinDriver(uno)` when the bench runs
   * in-process against an EmulatedUno: adds the sensor pin checks.
   */
  pins?: PinDriver;
  /** Progress and failure details (default: nothing). */
  log?: (line: string) => void;
}

export interface BenchResult {
  results: CheckResult[];
  exitCode: 0 | 1;
  profile?: string;
}

export async function runBench(o: BenchOptions): Promise<BenchResult> {
  const log = o.log ?? (() => undefined);
  const results: CheckResult[] = [];
  const done = (profile?: string): BenchResult => ({ results, exitCode: exitCodeOf(results), ...(profile ? { profile } : {}) });
  let link: SerialLink;
  try {
    link = await SerialLink.open({ path: o.port, baudRate: o.baudRate ?? 115_200, timeoutMs: o.timeoutMs ?? 2000 });
  } catch (e) {
    results.push({ name: 'link: open and PING', status: 'FAIL', detail: (e as Error).message });
    return done();
  }
  const d = new BenchDriver(link, o.pins);
  try {
    // A board that resets on open (Arduino) needs a moment: PING a few times before giving up.
    let alive = false;
    for (let i = 0; i < 5 && !alive; i++) alive = await link.isAlive(Math.min(o.timeoutMs ?? 2000, 1000));
    if (!alive) {
      results.push({ name: 'link: open and PING', status: 'FAIL', detail: `no reply to PING on ${o.port} (recent: ${link.recent.slice(-3).join(' | ') || 'nothing'})` });
      return done();
    }
    results.push({ name: 'link: open and PING', status: 'PASS', detail: `${o.port} at ${link.baudRate} baud` });
    const library = o.library ?? loadLibraryFile();
    const profile = await detectProfile(d, library);
    d.profile = profile;
    const profileText = describeProfile(profile);
    log(`device: ${profileText}`);
    results.push({ name: 'profile (INFO and probes)', status: 'PASS', detail: profileText });
    const only = o.only;
    const wanted = (name: string): boolean => !only || only.some((s) => name.includes(s));
    const ctx = { d, p: profile, seed: o.seed ?? 1 };
    for (const check of CHECKS) {
      if (!wanted(check.name)) continue;
      if (d.gone) break;
      const r = await runCheck(check, ctx);
      log(`${r.status} ${r.name}: ${r.detail}`);
      results.push(r);
    }
    const aspects = ASPECTS.filter((a) => wanted(ASPECT_TITLES[a]));
    if (!o.noModel && !d.gone && aspects.length > 0) {
      const rows = await runModelChecks(d, profile, {
        runs: o.runs ?? 100,
        seed: o.seed ?? 1,
        path: o.path,
        replayPath: o.replayPath,
        aspects,
        port: o.port,
        library,
        ...(o.maxCommands ? { maxCommands: o.maxCommands } : {}),
        ...(o.modelTimeLimitMs ? { timeLimitMs: o.modelTimeLimitMs } : {}),
        log,
      });
      results.push(...rows);
    }
    if (d.gone) results.push({ name: 'link: device stayed reachable', status: 'FAIL', detail: `${d.gone}; remaining checks not run` });
    else results.push({ name: 'link: device stayed reachable', status: 'PASS', detail: `${link.reconnects} reconnects` });
    return done(profileText);
  } catch (e) {
    const msg = e instanceof DeviceGoneError ? e.message : `bench error: ${(e as Error).message}`;
    results.push({ name: 'link: device stayed reachable', status: 'FAIL', detail: msg });
    return done();
  } finally {
    await link.close();
  }
}
