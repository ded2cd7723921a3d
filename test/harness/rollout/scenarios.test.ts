import { describe, expect, it } from 'vitest';
import { compareRuns, comparePolicies, formatComparison } from '../../../src/harness/run/compare.js';
import { renderHtmlReport } from '../../../src/harness/report/html.js';
import { formatSummary } from '../../../src/harness/report/summary.js';
import { runScenario } from '../../../src/harness/run/runScenario.js';
import { loadScenarioFile } from '../../../src/harness/scenario/load.js';
import type { TraceRecord } from '../../../src/harness/trace/trace.js';
import type { PumpState } from '../../../src/sim/trace/events.js';
import type { FirmwareEvent, LibraryEvent } from '../../../src/sim/firmware/events.js';

async function run(name: string) {
  return runScenario(loadScenarioFile(`scenarios/${name}.yaml`));
}

function updates(records: readonly TraceRecord[], pumpId?: string): { tMs: number; pumpId: string; e: FirmwareEvent | LibraryEvent }[] {
  const out: { tMs: number; pumpId: string; e: FirmwareEvent | LibraryEvent }[] = [];
  for (const r of records) if (r.kind === 'pump' && r.event.type === 'UPDATE' && (pumpId === undefined || r.pumpId === pumpId)) out.push({ tMs: r.tMs, pumpId: r.pumpId, e: r.event.event });
  return out;
}

describe('shipped rollout scenarios', () => {
  it('patch-rollout: canary and waves over a busy ward, infusing pumps deferred, nothing interrupted', async () => {
    const { result, trace } = await run('patch-rollout');
    expect(result.violations).toEqual([]);
    const r = result.rollout!;
    expect(r.phase).toBe('completed');
    expect(r.restarts).toBe(1);
    expect(r.waves.map((w) => w.wave)).toEqual(['canary', 'quarter', 'everyone']);
    for (const w of r.waves) expect(w.passedMs).toBeDefined();
    // Waves went in order, each after the previous one passed.
    for (let i = 1; i < r.waves.length; i++) expect(r.waves[i]!.startedMs!).toBeGreaterThanOrEqual(r.waves[i - 1]!.passedMs!);
    // Some pumps waited behind an infusion, and no install started while a program was held.
    expect(r.waves.some((w) => w.counts.deferred > 0)).toBe(true);
    expect(trace.records.some((x) => x.kind === 'fault' && x.fault.startsWith('rollout:pump-deferred'))).toBe(true);
    const installed = r.waves.reduce((n, w) => n + w.counts.installed, 0);
    expect(installed).toBeGreaterThan(30);
    expect(result.pumps.filter((p) => p.firmware === '1.1.0').length).toBe(installed);
    // Versions over time: 1.1.0 grows from 0.
    expect(r.versions[0]!.versions['1.1.0'] ?? 0).toBe(0);
    expect(r.versions.at(-1)!.versions['1.1.0']).toBe(installed);
    expect(updates(trace.records).filter((u) => u.e.type === 'switched').length).toBe(installed);
    expect(formatSummary(result)).toMatch(/Rollout of fw-110 \(1\.1\.0\), policy standard: completed/);
    const html = renderHtmlReport(result);
    expect(html).toContain('id="rollout"');
    expect(html).toContain('Pumps running each firmware version over virtual time');
  });

  it('bad-patch: the gate pauses after the canary; the failed pumps are back on the old version', async () => {
    const { result, world } = await run('bad-patch');
    expect(result.violations).toEqual([]);
    const r = result.rollout!;
    expect(r.phase).toBe('paused');
    const canary = r.waves[0]!;
    expect(canary.gateReason).toMatch(/^error threshold: \d+ of 4 pumps of wave canary failed/);
    expect(canary.gateReason).toMatch(/self-test failed 3 boots; bootloader fell back to 1\.0\.0/);
    // Nobody outside the canary was offered the patch.
    const offered = r.pumps.filter((p) => p.offeredMs !== undefined);
    expect(offered.every((p) => p.wave === 'canary')).toBe(true);
    for (const w of r.waves.slice(1)) expect(w.counts.pending).toBe(w.size);
    // The failed pumps are LVPs, back on 1.0.0 (and really running it).
    const failed = r.pumps.filter((p) => p.status === 'failed');
    expect(failed.length).toBeGreaterThan(0);
    for (const p of failed) {
      expect(p.type).toBe('lvp');
      expect(p.version).toBe('1.0.0');
      expect(world.pump(p.pumpId).pump.firmwareVersion).toBe('1.0.0');
    }
    const html = renderHtmlReport(result);
    expect(html).toContain('Why the rollout stopped at wave canary');
  });

  it('tampered-image: every bad image refused with its reason; the genuine one then installs', async () => {
    const { result, trace } = await run('tampered-image');
    expect(result.violations).toEqual([]);
    const expected: Record<string, string> = {
      'lab-1': 'bad-signature',
      'lab-2': 'unknown-key',
      'lab-3': 'bad-signature',
      'lab-4': 'hash-mismatch',
      'lab-5': 'truncated-image',
      'lab-6': 'wrong-model',
      'lab-7': 'below-floor',
      'lab-8': 'replayed-manifest',
      'lab-9': 'stale-manifest',
    };
    for (const [pumpId, reason] of Object.entries(expected)) {
      const refused = updates(trace.records, pumpId).filter((u) => u.e.type === 'refused');
      expect(refused.map((u) => (u.e as Extract<FirmwareEvent, { type: 'refused' }>).reason), pumpId).toEqual([reason]);
    }
    expect(result.rollout!.refusals).toEqual({ 'bad-signature': 2, 'unknown-key': 1, 'hash-mismatch': 1, 'truncated-image': 1, 'wrong-model': 1, 'below-floor': 1, 'replayed-manifest': 1, 'stale-manifest': 1 });
    // No refused image ever booted; the genuine release committed on every pump.
    for (const p of result.pumps) expect(p.firmware).toBe('1.1.0');
    expect(updates(trace.records).filter((u) => u.e.type === 'boot' && u.e.trial).length).toBe(9);
  });

  it('power-loss-during-update: power lost at each stage, every pump bootable, program kept, all updated', async () => {
    const { result, trace, world } = await run('power-loss-during-update');
    expect(result.violations).toEqual([]);
    const stages: Record<string, string> = { 'ward-1': 'downloading', 'ward-2': 'writing', 'ward-3': 'waiting-idle', 'ward-4': 'installing', 'ward-5': 'rebooting' };
    for (const [pumpId, stage] of Object.entries(stages)) {
      const u = updates(trace.records, pumpId);
      const loss = u.find((x) => x.e.type === 'power-loss');
      expect(loss && (loss.e as Extract<FirmwareEvent, { type: 'power-loss' }>).stage, pumpId).toBe(stage);
      // Every boot is of a complete image (the monitor checks signature and floor on each).
      const boots = u.filter((x) => x.e.type === 'boot');
      expect(boots.length).toBeGreaterThanOrEqual(1);
      expect(boots.at(-1)!.e).toMatchObject({ version: '1.1.0', trial: true, programMustBeKept: true });
      expect(world.pump(pumpId).pump.firmwareVersion).toBe('1.1.0');
      expect(world.pump(pumpId).pump.firmwareStatus()!.stage).toBe('committed');
    }
    // The infusing pump came back from its power cycle with its program, paused, waiting for a person.
    const states = trace.records.filter((r): r is Extract<TraceRecord, { kind: 'pump' }> => r.kind === 'pump' && r.pumpId === 'ward-3' && r.event.type === 'STATE');
    const afterBoot = states.find((r) => r.event.type === 'STATE' && r.event.reason === 'boot');
    expect(afterBoot && afterBoot.event.type === 'STATE' ? afterBoot.event.state : undefined).toBe('PAUSED');
    expect(result.rollout!.fullCoverageMs).toBeDefined();
  });

  it('library-update: the new library reaches every pump and activates only between infusions', async () => {
    const { result, trace } = await run('library-update');
    expect(result.violations).toEqual([]);
    const r = result.rollout!;
    expect(r.refusals).toEqual({ 'unknown-key': 16 });
    for (const l of r.libraries) expect(l.active).toBe('General Hospital@2026.12.1');
    const state = new Map<string, PumpState>();
    let activations = 0;
    for (const rec of trace.records) {
      if (rec.kind !== 'pump') continue;
      if (rec.event.type === 'STATE') state.set(rec.pumpId, rec.event.state);
      if (rec.event.type === 'UPDATE' && rec.event.event.type === 'library-activated') {
        activations++;
        expect(['IDLE', 'COMPLETE', undefined]).toContain(state.get(rec.pumpId));
      }
    }
    expect(activations).toBe(16);
  });

  it('what-if: the same seed under two policies, side by side', async () => {
    const loaded = loadScenarioFile('scenarios/patch-rollout.yaml');
    const { a, b, comparison } = await comparePolicies(loaded, 'scenarios/policies/standard.yaml', 'scenarios/policies/cautious.yaml');
    expect(comparison.labels).toEqual(['standard', 'cautious']);
    expect(a.seed).toBe(b.seed);
    expect(compareRuns(a, b)).toEqual(comparison);
    const text = formatComparison(comparison);
    expect(text).toMatch(/What-if: patch-rollout, seed 4242, policy standard vs cautious/);
    expect(text).toMatch(/time to full coverage/);
    expect(comparison.rows.find((r) => r.metric === 'pumps offered the release')!.a).toBe('40');
  });

  it('is deterministic: the same seed gives the same trace', async () => {
    const x = await run('bad-patch');
    const y = await run('bad-patch');
    expect(x.result.traceHash).toBe(y.result.traceHash);
  });
});
