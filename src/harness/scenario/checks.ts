/**
 * Semantic checks of a scenario (what the schema cannot see), after the zod schema: timeline
 * entries (times in order, targets that select pumps, args by the timeline table, what a fault
 * may take), expectations, and, through siteChecks.ts, the site, the drug library and updates.
 */
import { ALARM_IDS, isAlarmId } from '../../sim/alarms/alarmTable.js';
import { parseRequest } from '../../sim/protocol/lineCodec.js';
import { argProblems } from './args.js';
import { formatDurationMs } from './duration.js';
import { resolveTarget } from './fleet.js';
import type { Path, ScenarioProblems } from './problems.js';
import { duration as durationSchema, expectationSchema, timelineEntrySchema, type Expectation, type TimelineEntry } from './schema.js';
import { checkBeds } from './beds.js';
import { checkLibrary, checkReferencedFiles, checkRollout, checkSite, ms, type Fleet, type NamedLibrary } from './siteChecks.js';
import { actionSpec, faultSpec, GATEWAY_FAULT_NAMES, numberArg, REPEATING_FAULT_NAMES } from './timelineTable.js';
import { checkWorkBounds } from './workBounds.js';
import { didYouMean, list } from './words.js';
import { inventoryProblems } from './inventoryChecks.js';
import { advisoryProblems } from './advisoryChecks.js';
import { releaseProblems } from './releaseChecks.js';
import { monitorProblems } from './monitorChecks.js';
import { playbookProblems } from './playbookChecks.js';
import { reachProblems } from './reachChecks.js';

type Ctx = ScenarioProblems;

export function checkSemantics(ctx: Ctx, raw: Record<string, unknown>, dir: string): void {
  const durationMs = raw.duration === undefined ? undefined : durationSchema.safeParse(raw.duration).success ? ms(raw.duration as string | number) : undefined;
  const library = checkLibrary(ctx, raw.library, dir);
  const fleet = checkSite(ctx, raw.site, library);
  checkWorkBounds(raw, durationMs, fleet?.pumps, (path, message) => ctx.add(path, message));
  if (fleet) checkBeds({ site: { units: fleet.units } }, fleet.pumps, (path, message) => ctx.add(path, message));
  checkReferencedFiles(ctx, raw, dir);

  const timeline = raw.timeline;
  if (Array.isArray(timeline)) {
    timeline.forEach((item: unknown, i) => {
      const r = timelineEntrySchema.safeParse(item);
      if (r.success) checkEntry(ctx, r.data, ['timeline', i], fleet, durationMs, library);
    });
  }
  checkRollout(ctx, raw, fleet);
  for (const p of releaseProblems(raw.releases, dir)) ctx.add(p.path, p.message, p.onKey === true ? { onKey: true } : {});
  // --- inventory, advisory ---
  for (const p of [...inventoryProblems(raw.inventory, dir, fleet), ...advisoryProblems(raw, dir)]) ctx.add(p.path, p.message);
  for (const p of [...monitorProblems(raw, fleet), ...reachProblems(raw.site, fleet?.segmentIds)]) ctx.add(p.path, p.message); // --- monitor, segment boundaries ---
  for (const p of playbookProblems(raw, fleet)) ctx.add(p.path, p.message); // --- playbooks ---
  const expect = raw.expect;
  if (Array.isArray(expect)) {
    expect.forEach((item: unknown, i) => {
      const r = expectationSchema.safeParse(item);
      if (r.success) checkExpectation(ctx, r.data, ['expect', i], fleet, durationMs);
    });
  }
}

/** Why a target selects no pump (undefined when it selects some, or is the gateway). */
function targetProblem(fleet: Fleet, target: string): string | undefined {
  if (target === 'all' || target === 'site' || target === 'gateway') return undefined;
  if (resolveTarget(target, fleet.pumps).length > 0) return undefined;
  const colon = target.indexOf(':');
  const kind = colon < 0 ? 'pump' : target.slice(0, colon);
  const value = colon < 0 ? target : target.slice(colon + 1);
  switch (kind) {
    case 'unit':
      if (fleet.unitIds.includes(value)) return `unit "${value}" has no pumps`;
      return `unit "${value}" is not in the fleet${didYouMean(value, fleet.unitIds)} (units: ${list(fleet.unitIds)})`;
    case 'segment':
      if (fleet.segmentIds.includes(value)) return `no unit is on segment "${value}"`;
      return `segment "${value}" is not in site.segments${didYouMean(value, fleet.segmentIds)} (segments: ${list(fleet.segmentIds)})`;
    case 'type':
      if (value !== 'lvp' && value !== 'syringe') return `type:${value} is not a pump type; expected type:lvp or type:syringe`;
      return `no pump in the fleet is of type ${value}`;
    case 'firmware': {
      const fw = [...new Set(fleet.pumps.map((x) => x.firmware))];
      return `no pump in the fleet runs firmware ${value}${didYouMean(value, fw)} (firmware: ${list(fw)})`;
    }
    default: {
      const names = [...fleet.bases].map(([b, n]) => (n === 1 ? `${b}-1` : `${b}-1..${b}-${n}`));
      let hint = '';
      if (kind === 'pump' && colon < 0 && fleet.unitIds.includes(value)) hint = ` ("${value}" is a unit: write unit:${value})`;
      else if (kind === 'pump' && colon < 0 && fleet.segmentIds.includes(value)) hint = ` ("${value}" is a segment: write segment:${value})`;
      return `no pump is named "${value}"${hint} (pumps: ${list(names)})`;
    }
  }
}

function argValue(v: string | number | boolean): string {
  return typeof v === 'boolean' ? (v ? '1' : '0') : String(v);
}

function checkArgs(ctx: Ctx, e: TimelineEntry, at: Path, fleet: Fleet | undefined, library: NamedLibrary | undefined): void {
  const problems = e.action !== undefined ? argProblems('action', e.action, actionSpec(e.action).args, e.args) : e.fault !== undefined ? argProblems('fault', e.fault, faultSpec(e.fault).args, e.args) : [];
  for (const p of problems) ctx.add([...at, 'args', p.key], p.message, p.onKey ? { onKey: true } : {}, p.got);
  const protocolOk = problems.length === 0;
  if (e.action === 'remote' && e.args.command === undefined) {
    ctx.add([...at, 'args'], 'the action remote needs args.command: a protocol command line without an id, like "PAUSE"');
  }
  // program, titrate and bolus: check the command the pump will get, as the pump would.
  const cmd = e.action === 'program' ? 'PROGRAM' : e.action === 'titrate' ? 'TITRATE' : e.action === 'bolus' ? 'BOLUS' : undefined;
  if (cmd && protocolOk) {
    const line = [`r1 ${cmd}`, ...Object.entries(e.args).map(([k, v]) => `${k}=${argValue(v)}`)].join(' ');
    const r = parseRequest(line);
    if ('error' in r && !r.error.ok && r.error.code !== 'TOO_LONG') {
      const reason = r.error.reason;
      const mentioned = Object.keys(e.args).find((k) => reason.startsWith(`${k}=`) || reason.startsWith(`${k} `));
      ctx.add(mentioned ? [...at, 'args', mentioned] : [...at, 'args'], `the pump would refuse this ${e.action}: ${reason}`);
    }
  }
  // program drug=: the drug must be in the library for the targeted units' care areas.
  if (e.action === 'program' && typeof e.args.drug === 'string' && fleet && library) {
    const units = new Set(resolveTarget(e.target, fleet.pumps).map((p) => p.unit));
    for (const u of fleet.units) {
      if (!units.has(u.id)) continue;
      const area = library.lib.careAreas.find((a) => a.id === u.careArea);
      if (!area) continue;
      const drugs = area.drugs.map((d) => d.id);
      if (!drugs.includes(e.args.drug)) {
        ctx.add([...at, 'args', 'drug'], `drug "${e.args.drug}" is not in care area ${u.careArea} of ${library.name} (unit ${u.id})${didYouMean(e.args.drug, drugs)}; drugs: ${list(drugs)}`);
        break;
      }
    }
  }
}

function checkEntry(ctx: Ctx, e: TimelineEntry, at: Path, fleet: Fleet | undefined, durationMs: number | undefined, library: NamedLibrary | undefined): void {
  const atMs = ms(e.at);
  if (atMs !== undefined && durationMs !== undefined && atMs > durationMs) {
    ctx.add([...at, 'at'], `at ${formatDurationMs(atMs)} is after the end of the run (duration: ${formatDurationMs(durationMs)}); it would never happen`);
  }
  if (e.end !== undefined) {
    const endMs = ms(e.end);
    if (atMs !== undefined && endMs !== undefined && endMs <= atMs) {
      ctx.add([...at, 'end'], `end (${formatDurationMs(endMs)}) must be after at (${formatDurationMs(atMs)})`);
    }
    if (e.action !== undefined && e.every === undefined) ctx.add([...at, 'end'], `end: on an action only bounds every:; give every: or remove end:`);
  }
  if (e.every !== undefined && ms(e.every) === 0) ctx.add([...at, 'every'], 'must be longer than 0');
  if (e.fault !== undefined) {
    const spec = faultSpec(e.fault);
    if (e.every !== undefined && !spec.repeats) ctx.add([...at, 'every'], `the fault ${e.fault} does not repeat; every: is for actions, ${REPEATING_FAULT_NAMES.join(' and ')}`, { onKey: true });
    if (spec.end === 'bounds-every' && e.end !== undefined && e.every === undefined) ctx.add([...at, 'end'], `end: on ${e.fault} only bounds every:; give every: or remove end:`, { onKey: true });
    if (e.fault === 'reconnect-storm' && e.every !== undefined) {
      const everyMs = ms(e.every);
      const awayMs = numberArg(spec.args, e.args, 'backoff') + numberArg(spec.args, e.args, 'jitter');
      if (everyMs !== undefined && everyMs > 0 && everyMs <= awayMs) ctx.add([...at, 'every'], `storms ${formatDurationMs(everyMs)} apart would overlap: a pump may be away for backoff + jitter = ${formatDurationMs(awayMs)}; make every: longer`);
    }
    if (e.spread !== undefined) ctx.add([...at, 'spread'], 'spread: is for actions; a fault starts on all its targets at once', { onKey: true });
    if (e.end !== undefined && spec.end === 'none') ctx.add([...at, 'end'], `the fault ${e.fault} happens once, at at:; it takes no end:`, { onKey: true });
  }
  if (e.delay !== undefined) {
    if (e.fault !== undefined) ctx.add([...at, 'delay'], "a fault does not take delay: (a nurse's response time, for actions only)", { onKey: true });
    const lo = ms(e.delay.min);
    const hi = ms(e.delay.max);
    if (lo !== undefined && hi !== undefined && lo > hi) ctx.add([...at, 'delay', 'max'], `max (${formatDurationMs(hi)}) is less than min (${formatDurationMs(lo)})`);
  }
  if (fleet) {
    const problem = targetProblem(fleet, e.target);
    if (problem) ctx.add([...at, 'target'], problem);
    else if (e.target === 'gateway' && !(e.fault !== undefined && faultSpec(e.fault).gateway)) {
      ctx.add([...at, 'target'], `${e.action !== undefined ? `the action ${e.action}` : `the fault ${e.fault}`} acts on pumps; the gateway is not a pump (only ${GATEWAY_FAULT_NAMES.join(' and ')} take target: gateway)`);
    }
  }
  checkArgs(ctx, e, at, fleet, library);
}

function checkExpectation(ctx: Ctx, x: Expectation, at: Path, fleet: Fleet | undefined, durationMs: number | undefined): void {
  if ((x.check === 'alarm' || x.check === 'no-alarm' || x.check === 'escalation') && !isAlarmId(x.alarm)) {
    ctx.add([...at, 'alarm'], `unknown alarm "${x.alarm}"${didYouMean(x.alarm, ALARM_IDS)}; expected one of: ${ALARM_IDS.join(', ')}`);
  }
  if ('target' in x && fleet) {
    const problem = targetProblem(fleet, x.target);
    if (problem) ctx.add([...at, 'target'], problem);
    else if (x.target === 'gateway') ctx.add([...at, 'target'], `the check ${x.check} is about pumps; the gateway is not a pump`);
  }
  if (x.check === 'delivered' && x.minMl !== undefined && x.maxMl !== undefined && x.minMl > x.maxMl) {
    ctx.add([...at, 'maxMl'], `maxMl (${x.maxMl}) is less than minMl (${x.minMl})`);
  }
  if (x.check === 'state' && x.at !== undefined && durationMs !== undefined) {
    const atMs = ms(x.at);
    if (atMs !== undefined && atMs > durationMs) ctx.add([...at, 'at'], `at ${formatDurationMs(atMs)} is after the end of the run (duration: ${formatDurationMs(durationMs)})`);
  }
  if (x.check === 'alarm' && durationMs !== undefined) {
    const after = ms(x.after);
    if (after !== undefined && after > durationMs) ctx.add([...at, 'after'], `after ${formatDurationMs(after)} is after the end of the run (duration: ${formatDurationMs(durationMs)})`);
  }
}
