import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { oneRunAtATime } from '../../../src/harness/bench/oneRunAtATime.js';

/**
 * The bench's model runs drive one device. fast-check's interruptAfterTimeLimit returns while the
 * interrupted run is still going (it races the run against the time left), so without a guard the
 * rest of that run would interleave with the next aspect's RESET: on a loaded machine the Uno bench
 * failed with "could not reset the device: ... state=PROGRAMMED" (a PROGRAM from the run that went
 * on). Each run here blocks on a gate the test opens only after fc.check has returned, so the time
 * limit (2 s) always falls inside the first run.
 */
function gatedRun() {
  let open: () => void = () => undefined;
  const gate = new Promise<void>((r) => (open = r));
  const counts = { started: 0, active: 0, maxActive: 0, finished: 0 };
  const run = async (): Promise<void> => {
    counts.started++;
    counts.active++;
    counts.maxActive = Math.max(counts.maxActive, counts.active);
    await gate;
    counts.active--;
    counts.finished++;
  };
  return { run, open: () => open(), counts };
}

const LIMIT_MS = 2000;

describe('oneRunAtATime', () => {
  it('fast-check returns from an interrupted check while the run is still going (the cause)', async () => {
    const g = gatedRun();
    const res = await fc.check(fc.asyncProperty(fc.nat(), g.run), { numRuns: 5, plugins: [fc.interruptAfterTimeLimit(LIMIT_MS)] });
    expect(res.interrupted).toBe(true);
    expect(g.counts).toMatchObject({ started: 1, active: 1, finished: 0 });
    g.open();
  });

  it('settles only after the interrupted run has finished, and never runs two at once', async () => {
    const g = gatedRun();
    const guarded = oneRunAtATime(g.run);
    const res = await fc.check(fc.asyncProperty(fc.nat(), guarded.predicate), { numRuns: 5, plugins: [fc.interruptAfterTimeLimit(LIMIT_MS)] });
    expect(res.interrupted).toBe(true);
    let settled = false;
    const done = guarded.settled().then(() => (settled = true));
    await new Promise((r) => setImmediate(r));
    expect(settled).toBe(false);
    expect(g.counts.active).toBe(1);
    g.open();
    await done;
    expect(g.counts).toMatchObject({ started: 1, active: 0, maxActive: 1, finished: 1 });
  });

  it('a run that starts while the one before is going waits for it', async () => {
    const g = gatedRun();
    const guarded = oneRunAtATime(g.run);
    const first = guarded.predicate();
    const second = guarded.predicate();
    await new Promise((r) => setImmediate(r));
    expect(g.counts).toMatchObject({ started: 1, active: 1 });
    g.open();
    await Promise.all([first, second]);
    expect(g.counts).toMatchObject({ started: 2, maxActive: 1, finished: 2 });
  });

  it('a failing run does not stop the next one from starting, and still fails its caller', async () => {
    const guarded = oneRunAtATime(async (fail: boolean) => {
      await Promise.resolve();
      if (fail) throw new Error('mismatch');
    });
    await expect(guarded.predicate(true)).rejects.toThrow('mismatch');
    await expect(guarded.predicate(false)).resolves.toBeUndefined();
    await guarded.settled();
  });
});
