/**
 * The rollout orchestrator (docs/rollout.md): chooses the target pumps, splits them into waves (a
 * canary first), offers the release wave by wave through a port (the update server: the same
 * messages over the in-process link or MQTT), reads the pumps' update events back, and gates each
 * wave: a success threshold, an error threshold that pauses or aborts, a per-pump timeout after
 * which a silent pump counts as failed (hawkBit's gap: a bricked device never reports), and a
 * health check after a soak period. Commands: approve, pause, resume, abort, roll back or fix
 * forward. All its state is plain data (`save`/`restore`): it survives its own restart.
 */
import type { FirmwareEvent } from '../../sim/firmware/events.js';
import { compareDotted } from '../../sim/firmware/version.js';
import {
  emptyCounts,
  type PumpUpdateRecord,
  type PumpUpdateStatus,
  type RolloutLogEntry,
  type RolloutPhase,
  type RolloutPlan,
  type RolloutSnapshot,
  type WaveCounts,
  type WaveState,
} from './types.js';
import { matchesFilter, planWaves, type FleetMember } from './waves.js';

export { matchesFilter, planWaves, type FleetMember } from './waves.js';

export interface HealthSample {
  /** Alarms per pump-hour over the soak period, updated pumps and the others (not yet offered). */
  updatedAlarmRate: number;
  controlAlarmRate: number;
  /** Fraction of pumps silent (no telemetry) at the check. */
  updatedSilent: number;
  controlSilent: number;
  /** Self-test failure alarms per pump over the soak period (the running self-test, after commit). */
  updatedSelfTestFailures: number;
  controlSelfTestFailures: number;
}

/** What the orchestrator needs from the world: a clock, timers, the update server, a log. */
export interface RolloutPort {
  nowMs(): number;
  at(tMs: number, run: () => void): void;
  /** Offer a release to a pump (the update server streams the image once the pump accepts). */
  offer(pumpId: string, release: string): void;
  cancel(pumpId: string): void;
  record(entry: RolloutLogEntry): void;
  /**
   * Health over [fromMs, toMs]. `updatedSinceMs` gives when each updated pump was known to run the
   * release: its alarms before then were raised by the old version and are not the release's.
   */
  health(updated: readonly string[], control: readonly string[], fromMs: number, toMs: number, updatedSinceMs?: ReadonlyMap<string, number>): HealthSample;
}

export const TICK_MS = 30_000;
/** No download progress for this long: offer again (the pump resumes from its stored offset). */
export const RETRY_MS = 5 * 60_000;
const MAX_OFFERS = 30;

const IN_FLIGHT: ReadonlySet<PumpUpdateStatus> = new Set(['downloading', 'deferred', 'installing']);

export class RolloutOrchestrator {
  private s: RolloutSnapshot;
  private readonly byId = new Map<string, PumpUpdateRecord>();
  private lastHeard = new Map<string, number>();
  private disposed = false;
  private ticking = false;

  private constructor(
    private readonly port: RolloutPort,
    snapshot: RolloutSnapshot,
  ) {
    this.s = snapshot;
    for (const p of this.s.pumps) this.byId.set(p.pumpId, p);
  }

  /** A new rollout over `fleet`: targets by filter, waves planned, nothing offered yet. */
  static create(port: RolloutPort, plan: RolloutPlan, fleet: readonly FleetMember[]): RolloutOrchestrator {
    const targets = fleet.filter((p) => matchesFilter(p, plan.targets));
    const waves = planWaves(plan, targets);
    const waveOf = new Map<string, number>();
    waves.forEach((ids, i) => ids.forEach((id) => waveOf.set(id, i)));
    const pumps: PumpUpdateRecord[] = targets.map((p) => ({ pumpId: p.id, unit: p.unit, segment: p.segment, type: p.type, wave: waveOf.get(p.id) ?? -1, status: 'pending', version: p.version, offers: 0 }));
    const snap: RolloutSnapshot = {
      format: 'infusim-rollout-state/1',
      plan,
      phase: 'scheduled',
      currentWave: 0,
      waves: plan.waves.map((w, i) => ({ name: w.name, pumpIds: waves[i] ?? [] })),
      pumps,
      log: [],
      restarts: 0,
    };
    const o = new RolloutOrchestrator(port, snap);
    o.log('planned', `${targets.length} target pumps in ${waves.length} waves (${snap.waves.map((w) => `${w.name}: ${w.pumpIds.length}`).join(', ')}); policy ${plan.policy}`);
    o.arm(Math.max(port.nowMs(), plan.startAtMs));
    return o;
  }

  /** The orchestrator after a restart: the same state, read back from what `save` wrote. */
  static restore(port: RolloutPort, saved: string): RolloutOrchestrator {
    const snap = JSON.parse(saved) as RolloutSnapshot;
    if (snap.format !== 'infusim-rollout-state/1') throw new RangeError('not a saved rollout state');
    snap.restarts++;
    const o = new RolloutOrchestrator(port, snap);
    // Pumps heard from before the restart get a fresh timeout from now.
    for (const p of snap.pumps) if (IN_FLIGHT.has(p.status)) o.lastHeard.set(p.pumpId, port.nowMs());
    o.log('restarted', `state restored: phase ${snap.phase}, wave ${snap.waves[snap.currentWave]?.name ?? '-'}, restart ${snap.restarts}`);
    o.arm(port.nowMs());
    return o;
  }

  /** Everything, as JSON text (what survives a restart). */
  save(): string {
    for (const p of this.s.pumps) {
      const heard = this.lastHeard.get(p.pumpId);
      if (heard !== undefined) p.lastHeardMs = heard;
    }
    return JSON.stringify(this.s);
  }

  /** Stop this instance (its timers do nothing from now on); used before a restart. */
  dispose(): void {
    this.disposed = true;
  }

  get phase(): RolloutPhase {
    return this.s.phase;
  }

  get plan(): RolloutPlan {
    return this.s.plan;
  }

  snapshot(): Readonly<RolloutSnapshot> {
    return this.s;
  }

  pump(id: string): Readonly<PumpUpdateRecord> | undefined {
    return this.byId.get(id);
  }

  waveCounts(): WaveCounts[] {
    return this.s.waves.map((w) => {
      const counts = emptyCounts();
      for (const id of w.pumpIds) {
        const p = this.byId.get(id);
        if (p) counts[p.status]++;
      }
      return { wave: w.name, size: w.pumpIds.length, counts, startedMs: w.startedMs, passedMs: w.passedMs, gateReason: w.gateReason };
    });
  }

  // ------------------------------------------------------------------ commands

  approve(by = 'operator'): void {
    if (this.s.approvedMs !== undefined) return;
    this.s.approvedMs = this.port.nowMs();
    this.log('approved', `approved by ${by}`);
    if (this.s.phase === 'awaiting-approval') {
      this.s.phase = 'running';
      this.step();
    }
  }

  pause(why = 'operator'): void {
    if (this.s.phase === 'paused' || this.s.phase === 'aborted' || this.s.phase === 'completed') return;
    this.s.pausedFrom = this.s.phase;
    this.s.phase = 'paused';
    this.log('paused', why);
  }

  resume(why = 'operator'): void {
    if (this.s.phase !== 'paused') return;
    const w = this.s.waves[this.s.currentWave];
    this.s.phase = this.s.pausedFrom === 'soaking' ? 'soaking' : this.s.pausedFrom === 'awaiting-approval' ? 'awaiting-approval' : 'running';
    this.s.pausedFrom = undefined;
    if (w?.gateReason !== undefined && w.passedMs === undefined) {
      // The operator overrides the gate: the wave counts as passed.
      this.log('resumed', `${why}: gate of wave ${w.name} overridden (${w.gateReason})`, w.name);
      this.passWave(w);
    } else {
      this.log('resumed', why);
    }
    this.step();
  }

  abort(why = 'operator'): void {
    if (this.s.phase === 'aborted') return;
    this.s.phase = 'aborted';
    let cancelled = 0;
    for (const p of this.s.pumps) {
      if (p.status === 'downloading' || p.status === 'deferred') {
        this.port.cancel(p.pumpId);
        cancelled++;
      }
    }
    this.log('aborted', `${why}; cancel sent to ${cancelled} pumps still downloading or waiting`);
  }

  /**
   * Roll back (a signed older release above the floor) or fix forward (a newer one): offered to
   * every target pump that runs the rolled-out version. The rollout itself stops.
   */
  remediate(release: string, version: string, why = 'operator'): void {
    const kind = compareDotted(version, this.s.plan.version) < 0 ? 'rollback' : 'fix-forward';
    if (this.s.phase !== 'aborted' && this.s.phase !== 'completed') {
      this.s.phase = 'aborted';
    }
    this.s.remediation = { release, version, startedMs: this.port.nowMs() };
    let n = 0;
    for (const p of this.s.pumps) {
      if (p.version === this.s.plan.version) {
        p.remediation = release;
        p.offers++;
        p.offeredMs = this.port.nowMs();
        this.lastHeard.set(p.pumpId, this.port.nowMs());
        this.port.offer(p.pumpId, release);
        n++;
      }
    }
    this.log(kind, `${why}: ${release} (${version}) offered to ${n} pumps on ${this.s.plan.version}`);
    this.arm(this.port.nowMs() + TICK_MS);
  }

  // ------------------------------------------------------------------ what the pumps say

  onUpdate(pumpId: string, e: FirmwareEvent): void {
    const p = this.byId.get(pumpId);
    if (!p) return;
    const now = this.port.nowMs();
    this.lastHeard.set(pumpId, now);
    const rem = this.s.remediation;
    switch (e.type) {
      case 'offer-accepted':
      case 'offer-duplicate':
        if (p.status === 'pending' || p.status === 'timed-out') this.set(p, 'downloading');
        break;
      case 'written':
      case 'install-aborted':
        if (e.type === 'install-aborted' || p.status === 'downloading') this.set(p, 'deferred');
        break;
      case 'deferred':
        this.set(p, 'deferred', `waited ${Math.round(e.waitedMs / 60_000)} min behind an infusion`);
        // Offered again, the written image waits with a fresh limit (no new download).
        this.port.at(now + TICK_MS, () => this.reoffer(p));
        break;
      case 'install-started':
      case 'switched':
        if (p.status !== 'installed') this.set(p, 'installing');
        break;
      case 'boot':
        p.version = e.version;
        break;
      case 'committed':
        p.version = e.version;
        if (rem && e.version === rem.version && p.remediation !== undefined) this.set(p, 'rolled-back', `${rem.release} committed`);
        else if (e.version === this.s.plan.version) this.set(p, 'installed');
        break;
      case 'rolled-back':
        p.version = e.version;
        this.set(p, 'failed', `self-test failed ${e.attempts} boots; bootloader fell back to ${e.version}`);
        break;
      case 'refused':
        if (e.reason === 'busy') {
          this.port.at(now + RETRY_MS, () => this.reoffer(p));
        } else if (p.status !== 'installed') {
          this.set(p, 'failed', `refused: ${e.reason} (${e.detail})`);
        } else if (p.remediation !== undefined) {
          // A roll back below the floor (or a replayed one) is refused by the pump: it stays on the version.
          p.reason = `${p.remediation} refused: ${e.reason} (${e.detail})`;
          this.port.record({ tMs: now, what: 'pump-remediation-refused', detail: p.reason, wave: this.s.waves[p.wave]?.name, pumpId });
        }
        break;
      case 'abandoned':
        if (p.status !== 'installed') this.set(p, e.reason === 'cancelled' ? 'pending' : 'failed', `abandoned: ${e.reason}`);
        break;
      default:
        break;
    }
    if (p.status === 'installed' || p.status === 'failed') this.gate();
  }

  // ------------------------------------------------------------------ time

  private arm(atMs: number): void {
    if (this.ticking) return;
    this.ticking = true;
    this.port.at(atMs, () => {
      this.ticking = false;
      if (this.disposed) return;
      this.step();
      if (this.active()) this.arm(this.port.nowMs() + TICK_MS);
    });
  }

  private active(): boolean {
    if (this.s.phase === 'scheduled' || this.s.phase === 'awaiting-approval' || this.s.phase === 'running' || this.s.phase === 'soaking' || this.s.phase === 'paused') return true;
    return this.s.pumps.some((p) => IN_FLIGHT.has(p.status) || (p.remediation !== undefined && p.status !== 'rolled-back' && p.version === this.s.plan.version));
  }

  private step(): void {
    if (this.disposed) return;
    const now = this.port.nowMs();
    const s = this.s;
    if (s.phase === 'scheduled' && now >= s.plan.startAtMs) {
      if (s.plan.requireApproval && s.approvedMs === undefined) {
        s.phase = 'awaiting-approval';
        this.log('awaiting-approval', 'the first wave waits for an approval');
      } else {
        s.phase = 'running';
      }
    }
    if (s.phase === 'awaiting-approval' && s.plan.approvalAtMs !== undefined && now >= s.plan.approvalAtMs) this.approve('the change board (scheduled)');
    this.timeouts(now);
    if (s.phase === 'running') {
      const w = s.waves[s.currentWave];
      if (w && w.startedMs === undefined) {
        const spec = s.plan.waves[s.currentWave];
        if ((spec?.startAtMs === undefined || now >= spec.startAtMs) && this.inWindow(now)) this.startWave(w);
      }
    }
    this.gate();
    this.coverage(now);
  }

  private inWindow(now: number): boolean {
    const win = this.s.plan.window;
    if (!win) return true;
    const day = 86_400_000;
    const t = ((now % day) + day) % day;
    return win.startMs <= win.endMs ? t >= win.startMs && t < win.endMs : t >= win.startMs || t < win.endMs;
  }

  private startWave(w: WaveState): void {
    w.startedMs = this.port.nowMs();
    this.log('wave-start', `${w.pumpIds.length} pumps offered ${this.s.plan.release} (${this.s.plan.version})`, w.name);
    for (const id of w.pumpIds) {
      const p = this.byId.get(id);
      if (p && p.status === 'pending') {
        if (p.version === this.s.plan.version) {
          this.set(p, 'installed', 'already on the version');
          continue;
        }
        this.offerTo(p);
      }
    }
  }

  private offerTo(p: PumpUpdateRecord): void {
    p.offers++;
    p.offeredMs ??= this.port.nowMs();
    p.lastOfferMs = this.port.nowMs();
    this.lastHeard.set(p.pumpId, this.lastHeard.get(p.pumpId) ?? this.port.nowMs());
    // Offered and not yet answered counts as downloading: a pump that never answers times out.
    if (p.status === 'pending') this.set(p, 'downloading');
    this.port.offer(p.pumpId, p.remediation ?? this.s.plan.release);
  }

  private reoffer(p: PumpUpdateRecord): void {
    if (this.disposed || (this.s.phase === 'aborted' && p.remediation === undefined)) return;
    if (!IN_FLIGHT.has(p.status) || p.offers >= MAX_OFFERS) return;
    this.offerTo(p);
  }

  private timeouts(now: number): void {
    const timeout = this.s.plan.gates.pumpTimeoutMs;
    for (const p of this.s.pumps) {
      if (p.status !== 'downloading' && p.status !== 'installing' && !(p.remediation !== undefined && p.version === this.s.plan.version && p.status !== 'timed-out')) continue;
      const heard = this.lastHeard.get(p.pumpId) ?? p.lastHeardMs ?? p.offeredMs ?? now;
      if (now - heard >= timeout) {
        this.set(p, 'timed-out', `no word for ${Math.round((now - heard) / 60_000)} min after its offer`);
        continue;
      }
      // A download that stopped moving (a lost chunk, a power cycle): offer again, it resumes.
      if (p.status === 'downloading' && now - (p.lastOfferMs ?? 0) >= RETRY_MS && now - heard >= RETRY_MS) this.reoffer(p);
    }
  }

  private gate(): void {
    const s = this.s;
    if (s.phase !== 'running' && s.phase !== 'soaking') return;
    const w = s.waves[s.currentWave];
    if (!w || w.startedMs === undefined) return;
    const now = this.port.nowMs();
    const g = s.plan.gates;
    const size = Math.max(1, w.pumpIds.length);
    let installed = 0;
    let failed = 0;
    const reasons: string[] = [];
    for (const id of w.pumpIds) {
      const p = this.byId.get(id);
      if (!p) continue;
      if (p.status === 'installed') installed++;
      else if (p.status === 'failed' || p.status === 'timed-out') {
        failed++;
        reasons.push(`${p.pumpId} (${p.type}): ${p.status === 'timed-out' ? 'timed out' : p.reason ?? 'failed'}`);
      }
    }
    if (failed > 0 && failed / size >= g.errorThreshold) {
      this.trip(w, `error threshold: ${failed} of ${w.pumpIds.length} pumps of wave ${w.name} failed (${pct(failed / size)} ≥ ${pct(g.errorThreshold)}): ${reasons.slice(0, 6).join('; ')}`);
      return;
    }
    if (s.phase === 'running' && w.soakUntilMs === undefined && installed / size >= g.successThreshold) {
      w.soakUntilMs = now + g.soakMs;
      s.phase = 'soaking';
      this.log('soak', `${installed} of ${w.pumpIds.length} installed (≥ ${pct(g.successThreshold)}); health check at ${clock(w.soakUntilMs)}`, w.name);
    }
    if (s.phase === 'soaking' && w.soakUntilMs !== undefined && now >= w.soakUntilMs) {
      const updated = w.pumpIds.filter((id) => this.byId.get(id)?.status === 'installed');
      const control = s.pumps.filter((p) => p.status === 'pending' && p.wave > s.currentWave).map((p) => p.pumpId);
      // A pump deferred while infusing installs at the idle moment after its infusion ends, so the
      // end-of-infusion alarms (NEAR_END, VTBI_COMPLETE) of the old version come just before it:
      // the release's alarm rate counts each pump from its install on.
      const since = new Map<string, number>();
      for (const id of updated) {
        const f = this.byId.get(id)?.finishedMs;
        if (f !== undefined) since.set(id, f);
      }
      const h = this.port.health(updated, control, w.soakUntilMs - g.soakMs, now, since);
      const alarmLimit = h.controlAlarmRate * g.maxAlarmRatio + 0.5;
      const detail = `alarms ${h.updatedAlarmRate.toFixed(2)}/pump-h vs ${h.controlAlarmRate.toFixed(2)} not yet updated; silent ${pct(h.updatedSilent)} vs ${pct(h.controlSilent)}`;
      if (h.updatedAlarmRate > alarmLimit) this.trip(w, `health check: alarm rate over ${alarmLimit.toFixed(2)}/pump-h (${detail})`);
      else if (h.updatedSilent - h.controlSilent > g.maxTelemetryLoss) this.trip(w, `health check: telemetry loss (${detail})`);
      else if (h.updatedSelfTestFailures > h.controlSelfTestFailures) {
        this.trip(w, `health check: self-test failures ${h.updatedSelfTestFailures.toFixed(2)}/pump on updated pumps vs ${h.controlSelfTestFailures.toFixed(2)} not yet updated (${detail})`);
      }
      else {
        this.log('health-ok', detail, w.name);
        this.passWave(w);
      }
    }
  }

  private passWave(w: WaveState): void {
    const s = this.s;
    w.passedMs = this.port.nowMs();
    this.log('wave-passed', `gate passed`, w.name);
    s.currentWave++;
    if (s.currentWave >= s.waves.length) {
      s.phase = 'completed';
      this.log('completed', `every wave passed`);
    } else if (s.phase !== 'paused') {
      s.phase = 'running';
    }
  }

  private trip(w: WaveState, reason: string): void {
    w.gateReason = reason;
    this.log('gate-tripped', reason, w.name);
    if (this.s.plan.gates.onError === 'abort') this.abort(`gate of wave ${w.name}`);
    else this.pause(`gate of wave ${w.name}`);
  }

  private coverage(now: number): void {
    if (this.s.fullCoverageMs !== undefined || this.s.pumps.length === 0) return;
    if (this.s.pumps.every((p) => p.status === 'installed')) {
      this.s.fullCoverageMs = now;
      this.log('full-coverage', `all ${this.s.pumps.length} target pumps run ${this.s.plan.version}`);
    }
  }

  private set(p: PumpUpdateRecord, status: PumpUpdateStatus, reason?: string): void {
    if (p.status === status && reason === undefined) return;
    const now = this.port.nowMs();
    p.status = status;
    if (reason !== undefined) p.reason = reason;
    if (status === 'installed' || status === 'failed' || status === 'rolled-back' || status === 'timed-out') p.finishedMs = now;
    this.port.record({ tMs: now, what: `pump-${status}`, detail: reason ?? '', wave: this.s.waves[p.wave]?.name, pumpId: p.pumpId });
    if (status === 'installed') this.coverage(now);
  }

  private log(what: string, detail: string, wave?: string): void {
    const e: RolloutLogEntry = { tMs: this.port.nowMs(), what, detail, ...(wave !== undefined ? { wave } : {}) };
    this.s.log.push(e);
    this.port.record(e);
  }
}

function pct(x: number): string {
  return `${Math.round(x * 100)}%`;
}

function clock(ms: number): string {
  const s = Math.floor(ms / 1000);
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${two(Math.floor(s / 3600))}:${two(Math.floor(s / 60) % 60)}:${two(s % 60)}`;
}
