/**
 * One ward, one timeline (issue 14): a training session builds and plays its ward exactly as
 * `infusim run` does, so with a trainee who does nothing it leaves the same trace, record for
 * record, as the runner on the same file and seed. The oracle is the runner's trace hash; the
 * session is driven by its own paced clock in uneven wall-clock steps.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../src/harness/run/runScenario.js';
import { loadScenarioFile, parseScenarioText, type LoadedScenario } from '../../src/harness/scenario/load.js';
import { loadTrainingFile, type LoadedTraining } from '../../src/harness/train/schema.js';
import { TrainingSession } from '../../src/harness/train/session.js';

/** A session nobody touches: the clock runs at 600x and the server's tick calls advance(). */
function idleSession(loaded: LoadedTraining): TrainingSession {
  let wallMs = 0;
  const session = new TrainingSession(loaded, { wallNowMs: () => wallMs, speed: 600 });
  for (let i = 0; !session.ended && i < 1_000_000; i++) {
    wallMs += 997 + (i % 7) * 131;
    session.advance();
  }
  return session;
}

/** A scenario file as a training file with no objectives. */
function asTraining(loaded: LoadedScenario): LoadedTraining {
  return { ...loaded, brief: '', objectives: [] };
}

async function expectSameTrace(loaded: LoadedTraining): Promise<TrainingSession> {
  const { result } = await runScenario(loaded);
  const session = idleSession(loaded);
  expect(session.ended).toBe(true);
  expect(session.ward.trace.records.length).toBe(result.traceRecords);
  expect(session.ward.trace.digest()).toBe(result.traceHash);
  return session;
}

describe('the runner and a training session build and play the same ward', () => {
  it('occlusion-drill (training): an idle trainee leaves the runner\'s trace', async () => {
    const session = await expectSameTrace(loadTrainingFile('scenarios/training/occlusion-drill.yaml'));
    // The objectives still judge the idle trainee: the occlusion alarm went unanswered.
    expect(session.objectives.states.find((s) => s.def.id === 'answer-occlusion')?.status).toBe('missed');
  });

  it('a repeating rogue client on a fraction of the pumps repeats on the pumps it picked (picked once)', async () => {
    const text = readFileSync('scenarios/rogue-client.yaml', 'utf8').replace('args: { command: "PAUSE" }, every: 10m, end: 1h }', 'args: { command: "PAUSE" }, fraction: 0.5, every: 10m, end: 1h }');
    expect(text).toContain('fraction: 0.5, every: 10m');
    const loaded = asTraining(parseScenarioText(text, 'scenarios/rogue-client.yaml'));
    const session = await expectSameTrace(loaded);
    // Every repeat reaches exactly the pumps of the first send.
    const sends = session.ward.trace.records.filter((r) => r.kind === 'command' && r.source === 'rogue' && r.tMs >= 30 * 60_000 && r.tMs < 60 * 60_000 && r.command === 'PAUSE');
    const byTime = new Map<number, Set<string>>();
    for (const r of sends) {
      // The sends at 30, 40 and 50 min (what arrives a link latency later), not other rogue traffic.
      const k = Math.round(r.tMs / 600_000);
      if ('pumpId' in r && r.pumpId !== undefined && Math.abs(r.tMs - k * 600_000) < 5000) byTime.set(k, (byTime.get(k) ?? new Set()).add(r.pumpId));
    }
    const sets = [...byTime.values()].map((s) => [...s].sort().join(','));
    expect(sets.length).toBeGreaterThan(1);
    expect(new Set(sets).size).toBe(1);
  });

  it('a rollout scenario runs in training (rollout actions and orchestrator restarts included)', async () => {
    await expectSameTrace(asTraining(loadScenarioFile('scenarios/power-loss-during-update.yaml')));
    await expectSameTrace(asTraining(loadScenarioFile('scenarios/patch-rollout.yaml')));
  }, 120_000);
});
