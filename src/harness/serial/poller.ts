/**
 * A work-around for a lost wait in `@serialport/bindings-cpp` (13.0.0 and 13.0.1, Linux and
 * macOS): the port's one `Poller` serves both the read and the write side, but its native
 * `poll(events)` restarts the libuv poll with the events asked for *now* only
 * (`uv_poll_start(handle, events)`), not with every event still awaited. So when a write waits
 * for `writable` (the other end is not reading fast enough) and then a read finds no input and
 * waits for `readable`, the write's wait is dropped: the write (and every write queued behind
 * it) stays pending until some input arrives. A device that has answered everything it read and
 * waits for its peer, while its peer waits for the answer, stalls for good.
 *
 * The fix: each poll asks for the new event together with every event that still has a waiter,
 * so a read's wait never cancels a write's wait, nor the other way round.
 */
import type { SerialPort } from 'serialport';

const UV_READABLE = 0b0001;
const UV_WRITABLE = 0b0010;
const UV_DISCONNECT = 0b0100;

interface PollerLike {
  poll(flag?: number): void;
  listenerCount(event: string): number;
}

const fixed = new WeakSet<object>();

function isPoller(p: unknown): p is PollerLike {
  return typeof p === 'object' && p !== null && typeof (p as PollerLike).poll === 'function' && typeof (p as PollerLike).listenerCount === 'function';
}

/** The events someone is waiting for on this poller. */
function awaited(poller: PollerLike): number {
  return (
    (poller.listenerCount('readable') > 0 ? UV_READABLE : 0) |
    (poller.listenerCount('writable') > 0 ? UV_WRITABLE : 0) |
    (poller.listenerCount('disconnect') > 0 ? UV_DISCONNECT : 0)
  );
}

/**
 * Make an open port's poller keep every awaited event (see above). Call it once the port is open
 * (each open makes a new poller). Returns whether a poller was patched (Windows has none).
 */
export function keepEveryPollWait(port: SerialPort): boolean {
  const poller: unknown = (port.port as { poller?: unknown } | undefined)?.poller;
  if (!isPoller(poller) || fixed.has(poller)) return false;
  const poll = poller.poll.bind(poller);
  // Poller.once() calls poll() before it adds its own listener: the waiters counted here are the
  // earlier ones, still pending.
  poller.poll = (flag = 0): void => poll(flag | awaited(poller));
  fixed.add(poller);
  return true;
}
