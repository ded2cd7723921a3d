/**
 * The bench suite against a real board: `INFUSIM_BENCH_PORT=/dev/ttyACM0 npm run test:bench`
 * (hardware/README.md). Without the variable the test is skipped and says that no board is
 * attached; nothing else in CI is skipped for want of hardware.
 *
 * INFUSIM_BENCH_RUNS (default 20) sets the property runs per model aspect; INFUSIM_BENCH_SEED
 * (default 1) the seed. A real-clock image skips the model rows (they need TICK); flash the
 * test-clock image (make flash IMAGE=test) to compare exactly with the model.
 */
import { describe, expect, it } from 'vitest';
import { formatTable } from '../../src/harness/bench/report.js';
import { runBench } from '../../src/harness/bench/runBench.js';

const port = process.env.INFUSIM_BENCH_PORT;
const runs = Number(process.env.INFUSIM_BENCH_RUNS ?? 20);
const seed = Number(process.env.INFUSIM_BENCH_SEED ?? 1);

/** Rows a board may skip, and why: what the Uno firmware does not have, or the other clock's checks. */
const ALLOWED_SKIPS = /NOT_SUPPORTED|PCA|no pin driver|clock=virtual|clock=real/;

describe('bench against a real board', () => {
  it.skipIf(!port)(port ? `runs the whole suite on ${port}, nothing fails` : 'no board attached (set INFUSIM_BENCH_PORT)', async () => {
    const t0 = Date.now();
    const { results, exitCode, profile } = await runBench({
      port: port ?? '',
      runs,
      seed,
      timeoutMs: 3000,
      log: (l) => void process.stderr.write(`${l}\n`),
    });
    const table = formatTable(results, 140);
    console.log(`${profile ?? 'no profile'}\n${table}\n(${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    expect(results.filter((r) => r.status === 'FAIL'), table).toEqual([]);
    expect(results.filter((r) => r.status === 'SKIP' && !ALLOWED_SKIPS.test(r.detail)), table).toEqual([]);
    expect(exitCode).toBe(0);
  }, 30 * 60_000);
});
