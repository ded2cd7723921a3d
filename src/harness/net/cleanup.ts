/**
 * Clean-up that must happen however the process ends: temporary broker folders, port locks.
 * `onProcessExit` runs its functions (synchronously) on the process's 'exit' event. Node does not
 * emit 'exit' when a signal ends the process, so the CLI calls `exitOnSignals()` once: SIGINT,
 * SIGTERM and SIGHUP then end the process with the conventional status 128 + signal number,
 * through 'exit', unless a command has its own handler for that signal (it stops gracefully).
 */
const hooks: (() => void)[] = [];
let installed = false;

export function onProcessExit(fn: () => void): void {
  hooks.push(fn);
  if (installed) return;
  installed = true;
  process.once('exit', () => {
    for (const h of hooks.splice(0)) {
      try {
        h();
      } catch {
        // clean-up is best effort: the next hook still runs
      }
    }
  });
}

const SIGNALS = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 } as const;

/** For the CLI: a terminating signal ends the process through 'exit', so that the clean-up runs. */
export function exitOnSignals(): void {
  for (const [name, n] of Object.entries(SIGNALS)) {
    const sig = name as keyof typeof SIGNALS;
    process.on(sig, () => {
      // A command that handles the signal itself (device, emulate, train) stops on its own.
      if (process.listenerCount(sig) > 1) return;
      process.exit(128 + n);
    });
  }
}
