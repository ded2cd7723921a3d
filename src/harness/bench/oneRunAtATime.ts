/**
 * A property predicate that never overlaps itself on one device.
 *
 * fast-check's `interruptAfterTimeLimit` races an async run against the time left and, when the
 * limit wins, returns without waiting for that run: the run goes on in the background. On a real
 * device its remaining commands then interleave with whatever the bench sends next (the next
 * aspect's RESET and STATUS), and a check fails for a reason that is not the device's. It happens
 * only when the limit falls inside a run, which is what a loaded machine makes likely.
 *
 * `wrap` makes each run wait for the one before it; `settled` resolves once the last run started
 * has finished, so the caller can wait for it before talking to the device again.
 */
export interface OneRunAtATime<A extends unknown[]> {
  predicate: (...args: A) => Promise<void>;
  settled: () => Promise<void>;
}

export function oneRunAtATime<A extends unknown[]>(run: (...args: A) => Promise<void>): OneRunAtATime<A> {
  let last: Promise<void> = Promise.resolve();
  return {
    predicate: (...args: A): Promise<void> => {
      const current = last.then(() => run(...args));
      last = current.then(
        () => undefined,
        () => undefined,
      );
      return current;
    },
    settled: () => last,
  };
}
