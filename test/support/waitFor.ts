/**
 * Wait for a condition by polling it every few milliseconds (no sleep standing in for a
 * condition). Bounded: a loaded machine gets two minutes before the wait fails, naming what it
 * waited for.
 */
export async function waitFor(cond: () => boolean, what: string, timeoutMs = 120_000): Promise<void> {
  const end = performance.now() + timeoutMs;
  while (!cond()) {
    if (performance.now() > end) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
