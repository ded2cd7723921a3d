/**
 * Ports for servers that must come back on the same port after a restart (a broker killed and
 * started again mid-run, its clients reconnecting to the same URL).
 *
 * A port the OS hands out (`listen(0)`) lies in its ephemeral range, the same range it draws the
 * local port of every outgoing connection from. While a broker is down, its clients keep
 * reconnecting to it, and any of those connections (or any other process's) may be given the
 * broker's port as its own local port; on loopback a connection to a port nobody listens on can
 * even connect to itself. The restart then fails with EADDRINUSE. So a restartable server takes
 * its port from *below* the ephemeral range (read from /proc/sys/net/ipv4/ip_local_port_range),
 * where the OS never allocates, and reserves it for the life of the server with a lock file that
 * names the owning process, so other infusim processes (parallel test workers, a run beside a test)
 * never pick it even while the server is down. A lock whose process is gone is taken over.
 *
 * A server that is never restarted should simply listen on port 0.
 */
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onProcessExit } from './cleanup.js';

/** How many ports below the ephemeral range infusim draws from. */
export const RESERVED_SPAN = 8192;
/** The range Linux uses when /proc cannot be read (its default). */
const DEFAULT_EPHEMERAL = { lo: 32768, hi: 60999 };
/** How many candidate ports one reservation tries before giving up. */
const MAX_TRIES = 200;

export interface PortRange {
  lo: number;
  hi: number;
}

/** The OS's ephemeral port range (Linux), or Linux's default when it cannot be read. */
export function ephemeralRange(): PortRange {
  try {
    const [lo, hi] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (lo !== undefined && hi !== undefined && Number.isInteger(lo) && Number.isInteger(hi) && lo > 1024 && hi >= lo) return { lo, hi };
  } catch {
    // not Linux, or /proc not mounted
  }
  return DEFAULT_EPHEMERAL;
}

/** Where infusim draws restartable servers' ports from: just below the ephemeral range. */
export function reservedRange(eph: PortRange = ephemeralRange()): PortRange {
  const hi = eph.lo - 1;
  return { lo: Math.max(1025, hi - RESERVED_SPAN + 1), hi };
}

export const LOCK_DIR = join(tmpdir(), 'infusim-ports');

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Take the lock file of a port: true when this process now holds it. */
function lock(port: number): boolean {
  const file = join(LOCK_DIR, String(port));
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx', 0o644);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') return false;
      let owner = NaN;
      try {
        owner = Number(readFileSync(file, 'utf8').trim());
      } catch {
        continue; // released in between: try again
      }
      // A lock being written has no pid yet: leave it to its writer.
      if (!Number.isInteger(owner) || owner <= 0 || alive(owner)) return false;
      rmSync(file, { force: true }); // its process is gone: take it over
    }
  }
  return false;
}

const held = new Set<number>();
let exitHookInstalled = false;

function releaseAll(): void {
  for (const p of held) rmSync(join(LOCK_DIR, String(p)), { force: true });
  held.clear();
}

/** Whether nothing listens on host:port now (a bind test). */
function bindable(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen({ port, host, exclusive: true }, () => s.close(() => resolve(true)));
  });
}

export interface ReservedPort {
  port: number;
  /** Give the port back (the server is closed for good). Idempotent. */
  release(): void;
}

/**
 * Reserve a port below the ephemeral range for a server that may restart on it. `avoid` lists
 * ports the caller already tried (EADDRINUSE from a process that ignores the locks).
 */
export async function reservePort(host = '127.0.0.1', avoid: ReadonlySet<number> = new Set(), range: PortRange = reservedRange()): Promise<ReservedPort> {
  mkdirSync(LOCK_DIR, { recursive: true, mode: 0o1777 });
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    onProcessExit(releaseAll);
  }
  const { lo, hi } = range;
  const span = hi - lo + 1;
  // Start at a point that differs between processes and between calls, then walk.
  let k = (process.pid * 7919 + held.size * 104_729 + Math.floor(Math.random() * span)) % span;
  for (let i = 0; i < Math.min(MAX_TRIES, span); i++, k = (k + 1) % span) {
    const port = lo + k;
    if (held.has(port) || avoid.has(port) || !lock(port)) continue;
    if (!(await bindable(port, host))) {
      rmSync(join(LOCK_DIR, String(port)), { force: true });
      continue;
    }
    held.add(port);
    return {
      port,
      release: () => {
        if (!held.delete(port)) return;
        rmSync(join(LOCK_DIR, String(port)), { force: true });
      },
    };
  }
  throw new Error(`no free port to reserve in ${lo}-${hi} after ${Math.min(MAX_TRIES, span)} tries (lock files in ${LOCK_DIR})`);
}

/** Whether an error says the address is taken. */
export function isAddressInUse(e: unknown): boolean {
  const err = e as NodeJS.ErrnoException | undefined;
  return err?.code === 'EADDRINUSE' || /address already in use/i.test(String(err?.message ?? ''));
}

/**
 * Start a server on a reserved port, trying a fresh one when the port turns out to be taken
 * (a process that does not use these locks bound it between the check and the start).
 */
export async function startOnReservedPort<T>(start: (port: number) => Promise<T>, options: { host?: string; tries?: number } = {}): Promise<{ value: T; reserved: ReservedPort }> {
  const tried = new Set<number>();
  const tries = options.tries ?? 5;
  for (let attempt = 1; ; attempt++) {
    const reserved = await reservePort(options.host, tried);
    try {
      return { value: await start(reserved.port), reserved };
    } catch (e) {
      reserved.release();
      tried.add(reserved.port);
      if (attempt >= tries || !isAddressInUse(e)) throw e;
    }
  }
}
