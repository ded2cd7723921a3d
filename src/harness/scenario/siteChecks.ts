/**
 * Semantic checks of a scenario's site and the files it names (what the schema cannot see): unique
 * segment, unit and pump ids, segments and care areas that exist, the drug library and the other
 * referenced files (read only when regular and small), and the releases, libraries and rollout
 * that timeline entries name.
 */
import { isAbsolute, relative, resolve } from 'node:path';
import { DrugLibraryError, parseDrugLibraryText } from '../../sim/druglib/load.js';
import type { DrugLibrary } from '../../sim/druglib/schema.js';
import { DEFAULT_LIBRARY_PATH, loadLibraryFile } from '../paths.js';
import { FileRefused, readBoundedFile } from '../readBoundedFile.js';
import { formatDurationMs, parseDurationMs } from './duration.js';
import { fleetPumps, type FleetPump } from './fleet.js';
import { MAX_REFERENCED_FILE_BYTES } from './limits.js';
import type { Path, ScenarioProblems } from './problems.js';
import { scenarioSchema, type Scenario } from './schema.js';
import { actionSpec, faultSpec, isActionName, isFaultName } from './timelineTable.js';
import { didYouMean, list } from './words.js';

type Ctx = ScenarioProblems;

/** The drug library a scenario uses, with the name messages give it. */
export interface NamedLibrary {
  lib: DrugLibrary;
  name: string;
}

export interface Fleet {
  units: Scenario['site']['units'];
  unitIds: string[];
  segmentIds: string[];
  pumps: FleetPump[];
  pumpIds: Set<string>;
  /** Per naming base: how many pumps, for messages ("icu-1..icu-12"). */
  bases: Map<string, number>;
}

/** A duration in ms, or undefined when it is not one (the schema reports it). */
export function ms(v: string | number): number | undefined {
  try {
    return parseDurationMs(v);
  } catch {
    return undefined;
  }
}

/** Releases, libraries and the rollout: references resolve, versions are comparable. */
export function checkRollout(ctx: Ctx, raw: Record<string, unknown>, fleet: Fleet | undefined): void {
  const ids = (list: unknown): string[] => (Array.isArray(list) ? list.map((r) => (r as { id?: unknown })?.id).filter((x): x is string => typeof x === 'string') : []);
  const releases = ids(raw.releases);
  const libraries = ids(raw.libraries);
  const updates = releases.length > 0 || libraries.length > 0 || raw.rollout !== undefined;
  const rollout = raw.rollout as { release?: unknown; waves?: { unit?: unknown }[] } | undefined;
  if (rollout && typeof rollout.release === 'string' && !releases.includes(rollout.release)) {
    ctx.add(['rollout', 'release'], `release "${rollout.release}" is not in releases:${didYouMean(rollout.release, releases)} (releases: ${releases.join(', ') || 'none'})`);
  }
  if (rollout && Array.isArray(rollout.waves) && fleet) {
    rollout.waves.forEach((w, i) => {
      if (typeof w?.unit === 'string' && !fleet.unitIds.includes(w.unit)) ctx.add(['rollout', 'waves', i, 'unit'], `unit "${w.unit}" is not in site.units`);
    });
  }
  if (updates && fleet) {
    for (const p of fleet.pumps) {
      if (!/^(0|[1-9]\d{0,5})\.(0|[1-9]\d{0,5})\.(0|[1-9]\d{0,5})$/.test(p.firmware)) {
        ctx.add(['site', 'units'], `pump ${p.id} has firmware "${p.firmware}": with releases: or libraries:, every pump's firmware is MAJOR.MINOR.PATCH (e.g. 1.0.0)`);
        break;
      }
    }
  }
  const timeline = raw.timeline;
  if (Array.isArray(timeline)) {
    timeline.forEach((item: unknown, i) => {
      const e = item as { action?: unknown; fault?: unknown; args?: Record<string, unknown> } | null;
      if (!e || typeof e !== 'object') return;
      const a = e.action;
      if ((a === 'firmware-offer' || a === 'rollout-rollback') && typeof e.args?.release === 'string' && !releases.includes(e.args.release)) {
        ctx.add(['timeline', i, 'args', 'release'], `release "${e.args.release}" is not in releases:${didYouMean(e.args.release, releases)}`);
      }
      if ((a === 'firmware-offer' || a === 'rollout-rollback') && e.args?.release === undefined) ctx.add(['timeline', i, 'args'], `the action ${a} needs args.release: a release id of releases:`);
      if (a === 'library-offer' && (typeof e.args?.library !== 'string' || !libraries.includes(e.args.library))) {
        ctx.add(['timeline', i, 'args'], `the action library-offer needs args.library: one of libraries: (${libraries.join(', ') || 'none'})`);
      }
      if (isActionName(a) && actionSpec(a).via === 'orchestrator' && !rollout) ctx.add(['timeline', i, 'action'], `the action ${a} needs a rollout: section`);
      if (isFaultName(e.fault) && faultSpec(e.fault).needsUpdates === true && !updates) ctx.add(['timeline', i, 'fault'], `the fault ${e.fault} needs releases: (pumps have no update agent without them)`);
    });
  }
}

export function checkLibrary(ctx: Ctx, library: unknown, dir: string): NamedLibrary | undefined {
  if (library === undefined) {
    try {
      return { lib: loadLibraryFile(DEFAULT_LIBRARY_PATH), name: 'the shipped drug library' };
    } catch (e) {
      ctx.add(['library'], `the shipped drug library is not valid: ${(e as Error).message}`);
      return undefined;
    }
  }
  if (typeof library !== 'string') return undefined; // the schema reports it
  const lib = readLibrary(ctx, ['library'], library, dir);
  return lib === undefined ? undefined : { lib, name: library };
}

/**
 * A drug library file named by the scenario (`library:`, `libraries[].file`): a regular file of at
 * most MAX_REFERENCED_FILE_BYTES, valid JSON, a valid library. A file that is not a library is
 * never quoted (it may be any file the user can read: a key, a password file): the message says
 * what is wrong and where, not what the file holds.
 */
function readLibrary(ctx: Ctx, at: Path, given: string, dir: string): DrugLibrary | undefined {
  const path = isAbsolute(given) ? given : resolve(dir, given);
  const text = readReferenced(ctx, at, given, path, 'drug library file');
  if (text === undefined) return undefined;
  try {
    return parseDrugLibraryText(text, path);
  } catch (e) {
    if (!(e instanceof DrugLibraryError)) throw e;
    if (e.problems[0]?.startsWith('not valid JSON')) {
      ctx.add(at, `${given} is not a drug library: it is not JSON (a drug library is a JSON file; its content is not shown)`);
    } else {
      const first = e.problems.slice(0, 5).map((p) => p.replace(/"[^"]*"/g, '"…"'));
      ctx.add(at, `the drug library ${given} is not valid: ${first.join('; ')}`);
    }
    return undefined;
  }
}

/** Read a file the scenario names, or report why not (at `at`). */
function readReferenced(ctx: Ctx, at: Path, given: string, path: string, what: string): string | undefined {
  try {
    return readBoundedFile(path, MAX_REFERENCED_FILE_BYTES, what);
  } catch (e) {
    if (!(e instanceof FileRefused)) throw e;
    if (e.reason === 'missing') ctx.add(at, `the ${what} ${given} does not exist (looked for ${relative(process.cwd(), path) || path}, relative to the scenario's directory)`);
    else if (e.reason === 'too-large') ctx.add(at, `the ${what} ${given} ${e.message} (MAX_REFERENCED_FILE_BYTES)`);
    else ctx.add(at, `the ${what} ${given} ${e.reason === 'not-regular' ? e.message : `cannot be read: ${e.message}`}`);
    return undefined;
  }
}

/** The other files a scenario names (`libraries[].file`, `rollout.policy`) are read only if they are regular and small. */
export function checkReferencedFiles(ctx: Ctx, raw: Record<string, unknown>, dir: string): void {
  if (Array.isArray(raw.libraries)) {
    raw.libraries.forEach((l: unknown, i) => {
      const file = (l as { file?: unknown } | null)?.file;
      if (typeof file === 'string') readLibrary(ctx, ['libraries', i, 'file'], file, dir);
    });
  }
  const policy = (raw.rollout as { policy?: unknown } | null | undefined)?.policy;
  if (typeof policy === 'string') readReferenced(ctx, ['rollout', 'policy'], policy, isAbsolute(policy) ? policy : resolve(dir, policy), 'rollout policy file');
}

export function checkSite(ctx: Ctx, site: unknown, library: NamedLibrary | undefined): Fleet | undefined {
  if (site === null || typeof site !== 'object') return undefined;
  const s = site as { segments?: unknown; units?: unknown };
  const segmentIds: string[] = [];
  if (Array.isArray(s.segments)) {
    s.segments.forEach((seg: unknown, i) => {
      const id = (seg as { id?: unknown } | null)?.id;
      if (typeof id !== 'string') return;
      if (segmentIds.includes(id)) ctx.add(['site', 'segments', i, 'id'], `segment id "${id}" is used twice`);
      else segmentIds.push(id);
    });
  }
  const unitIds: string[] = [];
  if (Array.isArray(s.units)) {
    s.units.forEach((unit: unknown, i) => {
      if (unit === null || typeof unit !== 'object') return;
      const u = unit as { id?: unknown; segment?: unknown; careArea?: unknown; pumps?: unknown; patients?: unknown; nurse?: unknown };
      const at: Path = ['site', 'units', i];
      if (typeof u.id === 'string') {
        if (unitIds.includes(u.id)) ctx.add([...at, 'id'], `unit id "${u.id}" is used twice`);
        else unitIds.push(u.id);
      }
      if (typeof u.segment === 'string' && Array.isArray(s.segments) && !segmentIds.includes(u.segment)) {
        ctx.add([...at, 'segment'], `segment "${u.segment}" is not in site.segments${didYouMean(u.segment, segmentIds)} (segments: ${list(segmentIds) || 'none'})`);
      }
      if (typeof u.careArea === 'string' && library) {
        const areas = library.lib.careAreas.map((a) => a.id);
        if (!areas.includes(u.careArea)) {
          ctx.add([...at, 'careArea'], `care area "${u.careArea}" is not in ${library.name}${didYouMean(u.careArea, areas)} (care areas: ${list(areas)})`);
        }
      }
      const p = u.patients as { pcaFraction?: unknown; basicFraction?: unknown } | undefined;
      if (p && typeof p === 'object') {
        const pca = typeof p.pcaFraction === 'number' ? p.pcaFraction : 0.1;
        const basic = typeof p.basicFraction === 'number' ? p.basicFraction : 0.2;
        if (pca + basic > 1) ctx.add([...at, 'patients'], `pcaFraction + basicFraction is ${Math.round((pca + basic) * 1e6) / 1e6}; it must be at most 1 (the rest are dose programs)`);
      }
      const rt = (u.nurse as { responseTime?: unknown } | undefined)?.responseTime;
      checkRange(ctx, rt, [...at, 'nurse', 'responseTime']);
    });
  }
  const parsed = scenarioSchema.shape.site.safeParse(site);
  if (!parsed.success) return undefined;
  const pumps = fleetPumps({ site: parsed.data } as Scenario);
  // Pump ids must be unique across the site (a prefix may repeat another unit's names).
  const firstUnit = new Map<string, string>();
  let k = 0;
  parsed.data.units.forEach((u, i) => {
    u.pumps.forEach((g, j) => {
      let reported = false;
      for (let c = 0; c < g.count; c++, k++) {
        const id = pumps[k]?.id;
        if (id === undefined) continue;
        const owner = firstUnit.get(id);
        if (owner === undefined) firstUnit.set(id, u.id);
        else if (!reported && parsed.data.units.findIndex((x) => x.id === u.id) === i) {
          reported = true;
          const where: Path = g.prefix !== undefined ? ['site', 'units', i, 'pumps', j, 'prefix'] : ['site', 'units', i, 'id'];
          ctx.add(where, `pump id "${id}" is already used${owner === u.id ? ' in this unit' : ` in unit "${owner}"`}; give this group another prefix`);
        }
      }
    });
  });
  const bases = new Map<string, number>();
  for (const pu of pumps) {
    const base = pu.id.slice(0, pu.id.lastIndexOf('-'));
    bases.set(base, (bases.get(base) ?? 0) + 1);
  }
  return { units: parsed.data.units, unitIds: parsed.data.units.map((u) => u.id), segmentIds: parsed.data.segments.map((x) => x.id), pumps, pumpIds: new Set(pumps.map((x) => x.id)), bases };
}

export function checkRange(ctx: Ctx, range: unknown, path: Path): void {
  if (range === null || typeof range !== 'object') return;
  const r = range as { min?: unknown; max?: unknown };
  if ((typeof r.min !== 'string' && typeof r.min !== 'number') || (typeof r.max !== 'string' && typeof r.max !== 'number')) return;
  const lo = ms(r.min);
  const hi = ms(r.max);
  if (lo !== undefined && hi !== undefined && lo > hi) ctx.add([...path, 'max'], `max (${formatDurationMs(hi)}) is less than min (${formatDurationMs(lo)})`);
}
