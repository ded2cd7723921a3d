/**
 * Whether a process holds the listening socket of a local TCP port (Linux /proc): a broker started
 * on a port picked as free is only ready when the port answers *and* the listener is its own, not a
 * server of another process that took the port in between.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** Socket inodes listening on this port (IPv4 and IPv6), or undefined when /proc cannot be read. */
function listeningInodes(port: number): Set<string> | undefined {
  const hex = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  const inodes = new Set<string>();
  let readAny = false;
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    readAny = true;
    for (const line of text.split('\n').slice(1)) {
      // sl local_address rem_address st ... inode: st 0A is LISTEN.
      const f = line.trim().split(/\s+/);
      if (f[1]?.endsWith(hex) && f[3] === '0A' && f[9]) inodes.add(f[9]);
    }
  }
  return readAny ? inodes : undefined;
}

/** true: pid listens on port; false: it does not (yet); undefined: cannot tell (no /proc). */
export function listensOn(pid: number, port: number): boolean | undefined {
  const inodes = listeningInodes(port);
  if (!inodes) return undefined;
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return undefined;
  }
  for (const fd of fds) {
    let link: string;
    try {
      link = readlinkSync(`/proc/${pid}/fd/${fd}`);
    } catch {
      continue;
    }
    const m = /^socket:\[(\d+)\]$/.exec(link);
    if (m?.[1] && inodes.has(m[1])) return true;
  }
  return false;
}
