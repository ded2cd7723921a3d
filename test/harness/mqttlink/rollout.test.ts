/**
 * Rollouts over MQTT: the update server's offers and image chunks travel inside the signed command
 * message (`UPDATE <json>` in the envelope, up to an 8 KiB chunk), so the shipped rollout scenarios
 * must end the same way over the embedded broker as in process. MQTT runs are not bit-for-bit
 * reproducible (message order within one instant depends on the sockets), so this compares what
 * the rollout did, not trace hashes. Before the wire schema allowed update payloads, every update
 * was refused as malformed and the canary timed out.
 */
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../../src/harness/run/runScenario.js';
import { shippedScenario } from '../../support/scenarioText.js';

/**
 * Two shipped scenarios go on for hours after their rollout has ended, only infusing, and each
 * hour over MQTT costs CPU (tens of thousands of messages): they end earlier here, the scenario
 * otherwise as shipped. In process (same seed) patch-rollout completes its last wave at 14 h 53 min
 * of 24 h, and bad-patch pauses after the canary at 4 h 58 min of 8 h; an hour or more is left.
 */
const ENDS_EARLIER: Record<string, string> = { 'patch-rollout': '16h', 'bad-patch': '6h' };

/**
 * Status telemetry every 5 min instead of the shipped 60 s: telemetry is most of the messages over
 * MQTT (patch-rollout to 16 h: 82,074 messages at 60 s, 20,614 at 5 min; 33 s of CPU against 11 s).
 * In process, each of these scenarios ends the same either way (the same waves passed at the same
 * instants, the same pumps installed, the same refusals); at 15 min patch-rollout pauses after its
 * canary (the gate waits for the pumps' reports). Each test below also runs the same text in
 * process and expects the MQTT run's rollout to end as that one does.
 */
const TELEMETRY_EVERY = '5m';

function load(name: string) {
  return () => shippedScenario(name, { telemetryEvery: TELEMETRY_EVERY, ...(ENDS_EARLIER[name] === undefined ? {} : { duration: ENDS_EARLIER[name] }) });
}

/** What a rollout's end is compared by: its phase, each wave's pumps and gate, the refusals, the libraries. */
function outcome(r: NonNullable<Awaited<ReturnType<typeof runScenario>>['result']['rollout']>) {
  return {
    phase: r.phase,
    waves: r.waves.map((w) => ({ wave: w.wave, passedMs: w.passedMs, counts: w.counts, gateReason: w.gateReason })),
    refusals: r.refusals,
    libraries: r.libraries.map((l) => l.active),
  };
}

async function overMqtt(name: string) {
  const scenario = load(name);
  const run = await runScenario(scenario(), { transport: { kind: 'mqtt' } });
  const m = run.mqtt!;
  expect(m.stats.malformed, 'malformed payloads').toBe(0);
  expect(m.stats.barrierTimeouts, 'messages that never arrived').toBe(0);
  expect(run.result.violations).toEqual([]);
  expect(run.result.network.eventsIngested).toBe(run.result.network.eventsSent);
  const inProcess = await runScenario(scenario(), { transport: { kind: 'inproc' } });
  expect(outcome(run.result.rollout!), 'the rollout over MQTT ends as the same scenario in process').toEqual(outcome(inProcess.result.rollout!));
  return run;
}

describe('rollout scenarios over MQTT (embedded broker)', () => {
  it('patch-rollout completes every wave; the updated pumps run 1.1.0', async () => {
    const { result } = await overMqtt('patch-rollout');
    const r = result.rollout!;
    expect(r.phase).toBe('completed');
    expect(r.waves.map((w) => w.wave)).toEqual(['canary', 'quarter', 'everyone']);
    for (const w of r.waves) expect(w.passedMs).toBeDefined();
    const installed = r.waves.reduce((n, w) => n + w.counts.installed, 0);
    expect(installed).toBeGreaterThan(30);
    expect(result.pumps.filter((p) => p.firmware === '1.1.0').length).toBe(installed);
    expect(result.exitCode).toBe(0);
  });

  it('bad-patch stops after the canary with the failed pumps back on 1.0.0', async () => {
    const { result, world } = await overMqtt('bad-patch');
    const r = result.rollout!;
    expect(r.phase).toBe('paused');
    expect(r.waves[0]!.gateReason).toMatch(/self-test failed 3 boots; bootloader fell back to 1\.0\.0/);
    const failed = r.pumps.filter((p) => p.status === 'failed');
    expect(failed.length).toBeGreaterThan(0);
    for (const p of failed) expect(world.pump(p.pumpId).pump.firmwareVersion).toBe('1.0.0');
  });

  it('tampered-image: every bad image refused with its reason, the genuine one installed', async () => {
    const { result } = await overMqtt('tampered-image');
    expect(result.rollout!.refusals).toEqual({ 'bad-signature': 2, 'unknown-key': 1, 'hash-mismatch': 1, 'truncated-image': 1, 'wrong-model': 1, 'below-floor': 1, 'replayed-manifest': 1, 'stale-manifest': 1 });
    for (const p of result.pumps) expect(p.firmware).toBe('1.1.0');
  });

  it('power-loss-during-update: every pump ends committed on 1.1.0', async () => {
    const { result, world } = await overMqtt('power-loss-during-update');
    for (const p of result.pumps) {
      expect(world.pump(p.id).pump.firmwareVersion, p.id).toBe('1.1.0');
      expect(world.pump(p.id).pump.firmwareStatus()!.stage, p.id).toBe('committed');
    }
    expect(result.rollout!.fullCoverageMs).toBeDefined();
  });

  it('library-update: the new library is active everywhere', async () => {
    const { result } = await overMqtt('library-update');
    expect(result.rollout!.refusals).toEqual({ 'unknown-key': 16 });
    for (const l of result.rollout!.libraries) expect(l.active).toBe('General Hospital@2026.12.1');
  });
});
