/**
 * How long a test waits for one reply from a device under test (`infusim device`, the emulated Uno)
 * before calling it missing. CI is a loaded 2-core machine where the emulator can run at a quarter of
 * a real Uno's speed: a reply that never comes still fails the test, a slow one does not
 * (vitest.config.ts bounds each test at 600 s).
 */
export const REPLY_TIMEOUT_MS = 60_000;
