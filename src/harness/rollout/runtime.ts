/**
 * A rollout inside a scenario run: builds the vendor keys, releases and library packages, gives
 * each pump its update agents, runs the update server and the orchestrator over the gateway, plays
 * the rollout actions and update faults of the timeline, watches versions over time, and hands
 * the RunResult its rollout section. Built by the ward (src/harness/ward) only when the scenario has `releases:`,
 * `libraries:` or `rollout:` (other scenarios are untouched, trace for trace).
 */
import type { KeyObject } from 'node:crypto';
import { resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { FirmwareUpdater, LibraryUpdater, PROFILES, isProfileId, profileWeaknesses, type FirmwareEvent, type LibraryEvent, type ProfileId } from '../../sim/firmware/index.js';
import { drugLibrarySchema, type DrugLibrary } from '../../sim/druglib/schema.js';
import type { PumpEvent } from '../../sim/trace/events.js';
import type { Gateway } from '../gateway/gateway.js';
import type { SafetyMonitor } from '../safety/monitor.js';
import { parseDurationMs } from '../scenario/duration.js';
import { fleetIndex, type FleetPump } from '../scenario/fleet.js';
import type { LoadedScenario } from '../scenario/load.js';
import { rolloutPolicySchema, type RolloutPolicyYaml, type RolloutYaml, type Scenario } from '../scenario/schema.js';
import type { Trace } from '../trace/trace.js';
import type { World } from '../world/world.js';
import { RolloutOrchestrator, type FleetMember, type HealthSample, type RolloutPort } from './orchestrator.js';
import { buildLibraryPackages, buildReleases, factoryManifest, fileRelease, UpdateServer, vendorKeys, type BuiltRelease, type VendorKeys } from './releases.js';
import { loadFileRelease } from '../releaseFiles/loadReleaseFiles.js';
import { DEFAULT_GATES, type GateSpec, type RolloutLogEntry, type RolloutPlan, type WaveCounts, type WaveSpec } from './types.js';
import { readBoundedFile } from '../readBoundedFile.js';
import { MAX_REFERENCED_FILE_BYTES } from '../scenario/limits.js';

export interface VersionPoint {
  tMs: number;
  /** Pumps running each version at that instant. */
  versions: Record<string, number>;
}

/** The rollout section of a RunResult. */
export interface RolloutResult {
  release: string | undefined;
  version: string | undefined;
  policy: string | undefined;
  phase: string | undefined;
  waves: WaveCounts[];
  /** When every target pump ran the new version; undefined if that never happened. */
  fullCoverageMs: number | undefined;
  targets: number;
  /** Per target pump: its outcome (for "which pumps were updated when, and why not"). */
  pumps: { pumpId: string; unit: string; type: string; wave: string; status: string; version: string; offeredMs?: number | undefined; finishedMs?: number | undefined; reason?: string | undefined }[];
  log: RolloutLogEntry[];
  versions: VersionPoint[];
  versionNames: string[];
  /** Pumps still running a weak behaviour profile at the end, with its weakness. */
  weakProfiles: { pumpId: string; version: string; profile: string; weaknesses: string[] }[];
  /** Boots of images a weak profile let in without a valid signature. */
  weakBoots: number;
  refusals: Record<string, number>;
  libraries: { pumpId: string; active: string | undefined; queued: string | undefined }[];
  libraryActivations: number;
  server: { offers: number; chunks: number; bytes: number; libraryOffers: number };
  restarts: number;
}

export interface RolloutContext {
  world: World;
  gateway: Gateway;
  trace: Trace;
  fleet: FleetPump[];
  monitor: SafetyMonitor;
  alarms: { pumpId: string; raisedMs: number; id: string }[];
}

const DAY_MS = 86_400_000;

/**
 * Alarms per pump-hour of the pumps `ids` over [fromMs, toMs] (0 for no pumps). With `since`, a pump
 * counts (its alarms and its hours) only from its time there on: an updated pump from when it runs
 * the release, so what its old version raised before the install is not put on the release.
 */
export function alarmsPerPumpHour(
  alarms: readonly { pumpId: string; raisedMs: number }[],
  ids: readonly string[],
  fromMs: number,
  toMs: number,
  since?: ReadonlyMap<string, number>,
): number {
  if (ids.length === 0) return 0;
  const startOf = new Map(ids.map((id) => [id, Math.min(toMs, Math.max(fromMs, since?.get(id) ?? fromMs))]));
  let pumpMs = 0;
  for (const start of startOf.values()) pumpMs += toMs - start;
  let n = 0;
  for (const a of alarms) {
    const start = startOf.get(a.pumpId);
    if (start !== undefined && a.raisedMs >= start && a.raisedMs <= toMs) n++;
  }
  return n / Math.max(1e-9, pumpMs / 3_600_000);
}

function msOf(v: string | number): number {
  return parseDurationMs(v);
}

/** Merge a policy (file, then inline fields) into a rollout plan. */
export function rolloutPlan(r: RolloutYaml, releases: ReadonlyMap<string, BuiltRelease>, dir: string, policyOverride?: RolloutPolicyYaml & { name: string }): RolloutPlan {
  let policy: RolloutPolicyYaml = {};
  let policyName = 'inline';
  if (policyOverride) {
    policy = policyOverride;
    policyName = policyOverride.name;
  } else if (r.policy !== undefined) {
    policy = loadPolicyFile(resolve(dir, r.policy));
    policyName = policy.name ?? r.policy;
  }
  const wavesYaml = policyOverride ? (policy.waves ?? r.waves) : (r.waves ?? policy.waves);
  const gatesYaml = policyOverride ? (policy.gates ?? r.gates) : (r.gates ?? policy.gates);
  const win = policyOverride ? (policy.window ?? r.window) : (r.window ?? policy.window);
  const waves: WaveSpec[] = (wavesYaml ?? [{ count: 1 }, { percent: 100 }]).map((w, i) => ({
    name: w.name ?? (i === 0 ? 'canary' : `wave-${i}`),
    count: w.count,
    percent: w.percent,
    unit: w.unit,
    startAtMs: w.at !== undefined ? msOf(w.at) : undefined,
  }));
  const gates: GateSpec = gatesYaml
    ? {
        successThreshold: gatesYaml.success,
        errorThreshold: gatesYaml.error,
        onError: gatesYaml.onError,
        pumpTimeoutMs: msOf(gatesYaml.pumpTimeout),
        soakMs: msOf(gatesYaml.soak),
        maxAlarmRatio: gatesYaml.maxAlarmRatio,
        maxTelemetryLoss: gatesYaml.maxTelemetryLoss,
      }
    : { ...DEFAULT_GATES };
  const rel = releases.get(r.release);
  const approval = r.approval;
  return {
    release: r.release,
    version: rel?.def.version ?? '0.0.0',
    targets: { ...r.targets, types: r.targets.types ?? (rel ? [...rel.def.models] : undefined) },
    waves,
    gates,
    startAtMs: msOf(r.startAt),
    requireApproval: approval !== 'none',
    approvalAtMs: approval === 'none' || approval === 'required' ? undefined : msOf(approval),
    window: win ? { startMs: msOf(win.start) % DAY_MS, endMs: msOf(win.end) % DAY_MS } : undefined,
    policy: policyName,
  };
}

export function loadPolicyFile(path: string): RolloutPolicyYaml & { name: string } {
  const raw: unknown = parseYaml(readBoundedFile(path, MAX_REFERENCED_FILE_BYTES, 'rollout policy file'));
  const p = rolloutPolicySchema.parse(raw);
  return { ...p, name: p.name ?? path.replace(/^.*\//, '').replace(/\.ya?ml$/, '') };
}

/** Does this scenario need update agents on its pumps? */
export function hasUpdates(s: Scenario): boolean {
  return (s.releases?.length ?? 0) > 0 || (s.libraries?.length ?? 0) > 0 || s.rollout !== undefined;
}

const STAGE_OF: Partial<Record<FirmwareEvent['type'], string>> = {
  'offer-accepted': 'downloading',
  'write-started': 'writing',
  written: 'waiting-idle',
  'install-started': 'installing',
  switched: 'rebooting',
};
/** How long after entering a stage the power goes (inside the stage: write 20 s, switch 1 s, reboot 30 s). */
const STAGE_DELAY_MS: Record<string, number> = { downloading: 1, writing: 10_000, 'waiting-idle': 1, installing: 500, rebooting: 15_000 };

export class RolloutRuntime {
  readonly keys: VendorKeys;
  readonly releases: Map<string, BuiltRelease>;
  /** The keys the pumps' firmware updaters trust: the run's vendor key and the keys of releases from files. */
  private readonly firmwareTrust: ReadonlyMap<string, KeyObject>;
  private readonly server: UpdateServer;
  private orchestrator: RolloutOrchestrator | undefined;
  private ctx!: RolloutContext;
  private readonly versionSeries: VersionPoint[] = [];
  private readonly versionNames = new Set<string>();
  private readonly refusals: Record<string, number> = {};
  private libraryActivations = 0;
  private readonly libraries: Map<string, ReturnType<typeof buildLibraryPackages> extends Map<string, infer V> ? V : never>;
  private readonly stageWatch = new Map<string, { stage: string; forMs: number }>();

  constructor(
    private readonly loaded: LoadedScenario,
    private readonly library: DrugLibrary,
    private readonly policyOverride?: RolloutPolicyYaml & { name: string },
  ) {
    const s = loaded.scenario;
    this.keys = vendorKeys(s.seed);
    const specs = s.releases ?? [];
    this.releases = buildReleases(
      specs.flatMap((r, position) => (r.version === undefined ? [] : [{ id: r.id, version: r.version, models: r.models, profile: r.profile, minVersion: r.minVersion, sizeBytes: r.sizeBytes, notes: r.notes, tamper: r.tamper, expiresMs: r.expires !== undefined ? msOf(r.expires) : undefined, position }])),
      this.keys,
    );
    // Releases from files (infusim firmware build|sign), checked when the scenario loaded: the pumps trust their keys too.
    const trusted = new Map(this.keys.trusted);
    for (const r of specs) {
      if (r.image === undefined || r.manifest === undefined || r.trust === undefined) continue;
      const f = loadFileRelease(loaded.dir, { image: r.image, manifest: r.manifest, trust: r.trust });
      this.releases.set(r.id, fileRelease(r.id, f.signed, f.image));
      trusted.set(f.trustKeyId, f.trustKey);
    }
    this.firmwareTrust = trusted;
    this.libraries = buildLibraryPackages(
      (s.libraries ?? []).map((l) => {
        const base: DrugLibrary = l.file !== undefined ? drugLibrarySchema.parse(JSON.parse(readBoundedFile(resolve(loaded.dir, l.file), MAX_REFERENCED_FILE_BYTES, 'drug library file'))) : library;
        return { id: l.id, library: l.version !== undefined ? { ...base, version: l.version } : base, models: l.models, tamper: l.tamper };
      }),
      this.keys,
    );
    this.server = new UpdateServer(this.releases, this.libraries, (id) => this.modelOf(id), (pumpId, payload) => this.ctx.gateway.sendUpdate(pumpId, payload));
  }

  private modelOf(pumpId: string): 'lvp' | 'syringe' {
    return fleetIndex(this.ctx.fleet).get(pumpId)?.type ?? 'lvp';
  }

  /** The update agents of one pump: the factory image of its group, the run's vendor key. */
  pumpOptions(fp: FleetPump): { firmware: FirmwareUpdater; libraryUpdates: LibraryUpdater } {
    const profile: ProfileId = fp.profile === 'legacy-unauthenticated' ? 'unauthenticated-commands' : isProfileId(fp.profile) ? fp.profile : 'secure';
    return {
      firmware: new FirmwareUpdater({ model: fp.type, trustedKeys: this.firmwareTrust, factory: factoryManifest(this.keys, fp.firmware, fp.type, profile) }),
      libraryUpdates: new LibraryUpdater({ model: fp.type, trustedKeys: this.keys.trusted, initial: { library: this.library, sequence: 0 } }),
    };
  }

  attach(ctx: RolloutContext): void {
    this.ctx = ctx;
    const r = this.loaded.scenario.rollout;
    if (r && r.targets.fromAdvisory !== true) {
      const plan = rolloutPlan(r, this.releases, this.loaded.dir, this.policyOverride);
      const fleet: FleetMember[] = ctx.fleet.map((f) => ({ id: f.id, unit: f.unit, segment: f.segment, type: f.type, version: f.firmware }));
      this.orchestrator = RolloutOrchestrator.create(this.port(), plan, fleet);
    }
  }

  private port(): RolloutPort {
    const { world, trace } = this.ctx;
    return {
      nowMs: () => world.nowMs,
      at: (t, run) => world.at(t, run),
      offer: (pumpId, release) => this.server.offer(pumpId, release),
      cancel: (pumpId) => this.server.cancel(pumpId),
      record: (e) => {
        // On the trace as a fault-kind record named rollout:<what> (the trace has no rollout kind yet).
        trace.add({ tMs: e.tMs, kind: 'fault', fault: `rollout:${e.what}${e.detail ? ` ${e.detail}` : ''}`, phase: 'start', target: e.pumpId ?? (e.wave !== undefined ? `wave:${e.wave}` : 'rollout'), pumps: e.pumpId ? 1 : 0 });
      },
      health: (updated, control, fromMs, toMs, updatedSinceMs) => this.health(updated, control, fromMs, toMs, updatedSinceMs),
    };
  }

  private health(updated: readonly string[], control: readonly string[], fromMs: number, toMs: number, updatedSinceMs?: ReadonlyMap<string, number>): HealthSample {
    const rate = (ids: readonly string[], since?: ReadonlyMap<string, number>): number => alarmsPerPumpHour(this.ctx.alarms, ids, fromMs, toMs, since);
    const silentAfter = toMs - 3 * 60_000 * 3;
    const silent = (ids: readonly string[]): number => (ids.length === 0 ? 0 : ids.filter((id) => (this.ctx.gateway.stats(id).lastSeenMs ?? -1) < silentAfter).length / ids.length);
    const selfTest = (ids: readonly string[]): number => {
      if (ids.length === 0) return 0;
      const set = new Set(ids);
      let n = 0;
      for (const a of this.ctx.alarms) if (a.id === 'SELF_TEST_FAIL' && set.has(a.pumpId) && a.raisedMs >= fromMs && a.raisedMs <= toMs) n++;
      return n / ids.length;
    };
    return {
      updatedAlarmRate: rate(updated, updatedSinceMs),
      controlAlarmRate: rate(control),
      updatedSilent: silent(updated),
      controlSilent: silent(control),
      updatedSelfTestFailures: selfTest(updated),
      controlSelfTestFailures: selfTest(control),
    };
  }

  /** The gateway ingested a pump event: update events go to the server and the orchestrator. */
  onIngest(pumpId: string, e: PumpEvent): void {
    if (e.type !== 'UPDATE') return;
    const u = e.event;
    if (u.type === 'refused' || u.type === 'library-refused') this.refusals[u.reason] = (this.refusals[u.reason] ?? 0) + 1;
    if (u.type.startsWith('library-')) return;
    this.server.onUpdate(pumpId, u as FirmwareEvent);
    this.orchestrator?.onUpdate(pumpId, u as FirmwareEvent);
  }

  /** Every pump event as it happens (before the network): aimed power losses, counters. */
  onPumpEvent(pumpId: string, e: PumpEvent): void {
    if (e.type !== 'UPDATE') return;
    const u: FirmwareEvent | LibraryEvent = e.event;
    if (u.type === 'library-activated') this.libraryActivations++;
    const watch = this.stageWatch.get(pumpId);
    if (!watch) return;
    const stage = STAGE_OF[u.type as FirmwareEvent['type']];
    if (stage !== watch.stage) return;
    this.stageWatch.delete(pumpId);
    const { world, trace } = this.ctx;
    const atMs = world.nowMs + (STAGE_DELAY_MS[stage] ?? 1);
    world.at(atMs, () => {
      trace.add({ tMs: world.nowMs, kind: 'fault', fault: 'update-power-loss', phase: 'start', target: `${pumpId} stage=${stage}`, pumps: 1 });
      world.command(pumpId, { cmd: 'INJECT', input: { sensor: 'power', value: 'off' } }, 'scenario');
      world.at(world.nowMs + watch.forMs, () => {
        world.command(pumpId, { cmd: 'INJECT', input: { sensor: 'power', value: 'on' } }, 'scenario');
        trace.add({ tMs: world.nowMs, kind: 'fault', fault: 'update-power-loss', phase: 'end', target: `${pumpId} stage=${stage}`, pumps: 1 });
      });
    });
  }

  /** Arm a power loss for when each pump next enters `stage`. */
  armPowerLoss(pumpIds: readonly string[], stage: string, forMs: number): void {
    for (const id of pumpIds) this.stageWatch.set(id, { stage, forMs });
  }

  /**
   * The scenario's rollout over the pumps an advisory matched (`targets: { fromAdvisory: true }`),
   * planned now: it starts at its startAt or now, whichever is later.
   */
  startFromAdvisory(pumpIds: readonly string[]): void {
    const r = this.loaded.scenario.rollout;
    if (!r || r.targets.fromAdvisory !== true || this.orchestrator) return;
    const plan = rolloutPlan(r, this.releases, this.loaded.dir, this.policyOverride);
    const { fromAdvisory: _from, ...filter } = plan.targets as typeof plan.targets & { fromAdvisory?: boolean };
    const fleet: FleetMember[] = this.ctx.fleet.map((f) => ({ id: f.id, unit: f.unit, segment: f.segment, type: f.type, version: f.firmware }));
    this.orchestrator = RolloutOrchestrator.create(this.port(), { ...plan, targets: { ...filter, pumpIds: [...pumpIds] }, startAtMs: Math.max(plan.startAtMs, this.ctx.world.nowMs) }, fleet);
  }

  /** A rollout action of the timeline (true if it was one). */
  action(name: string, args: Record<string, string | number | boolean>, pumpIds: readonly string[]): boolean {
    const o = this.orchestrator;
    switch (name) {
      case 'rollout-approve':
        o?.approve('timeline');
        return true;
      case 'rollout-pause':
        o?.pause('timeline');
        return true;
      case 'rollout-resume':
        o?.resume('timeline');
        return true;
      case 'rollout-abort':
        o?.abort('timeline');
        return true;
      case 'rollout-rollback': {
        const rel = this.releases.get(String(args.release));
        if (o && rel) o.remediate(rel.def.id, rel.def.version, 'timeline');
        return true;
      }
      case 'orchestrator-restart':
        if (o) {
          const saved = o.save();
          o.dispose();
          this.orchestrator = RolloutOrchestrator.restore(this.port(), saved);
        }
        return true;
      case 'firmware-offer':
        for (const id of pumpIds) this.server.offer(id, String(args.release));
        return true;
      case 'library-offer':
        for (const id of pumpIds) this.server.offerLibrary(id, String(args.library));
        return true;
      default:
        return false;
    }
  }

  /** Sample the versions the fleet runs now. */
  sampleVersions(tMs: number): void {
    const versions: Record<string, number> = {};
    for (const slot of this.ctx.world.pumps()) {
      const v = slot.pump.firmwareVersion;
      versions[v] = (versions[v] ?? 0) + 1;
      this.versionNames.add(v);
    }
    this.versionSeries.push({ tMs, versions });
  }

  result(): RolloutResult {
    const o = this.orchestrator;
    const snap = o?.snapshot();
    const weakProfiles: RolloutResult['weakProfiles'] = [];
    const libraries: RolloutResult['libraries'] = [];
    for (const fp of this.ctx.fleet) {
      const pump = this.ctx.world.pump(fp.id).pump;
      const prof = pump.profile();
      const weaknesses = profileWeaknesses(PROFILES[prof.id]);
      if (weaknesses.length > 0) weakProfiles.push({ pumpId: fp.id, version: pump.firmwareVersion, profile: prof.id, weaknesses });
      const lr = pump.libraryReport();
      libraries.push({ pumpId: fp.id, active: lr?.active, queued: lr?.queued });
    }
    const waveName = (i: number): string => snap?.waves[i]?.name ?? '-';
    return {
      release: snap?.plan.release,
      version: snap?.plan.version,
      policy: snap?.plan.policy,
      phase: snap?.phase,
      waves: o?.waveCounts() ?? [],
      fullCoverageMs: snap?.fullCoverageMs,
      targets: snap?.pumps.length ?? 0,
      pumps: (snap?.pumps ?? []).map((p) => ({ pumpId: p.pumpId, unit: p.unit, type: p.type, wave: waveName(p.wave), status: p.status, version: p.version, offeredMs: p.offeredMs, finishedMs: p.finishedMs, reason: p.reason })),
      log: snap ? [...snap.log] : [],
      versions: this.versionSeries,
      versionNames: [...this.versionNames].sort(),
      weakProfiles,
      weakBoots: this.ctx.monitor.weakBoots.length,
      refusals: { ...this.refusals },
      libraries,
      libraryActivations: this.libraryActivations,
      server: { ...this.server.stats },
      restarts: snap?.restarts ?? 0,
    };
  }
}
