/**
 * Ports and host:port addresses as users type them (command-line flags, URLs), with one reading
 * and one wording for all of them. A port a listener binds may be 0 (the OS gives any free port,
 * which the listener then prints); a port to connect to is 1 to 65535.
 */
export type PortUse = 'listen' | 'connect';

const RANGE: Record<PortUse, { min: number; words: string }> = {
  listen: { min: 0, words: 'a port is 0 (any free port) to 65535' },
  connect: { min: 1, words: 'a port is 1 to 65535' },
};

/** The port in `text` (whole decimal digits, in range for its use), or undefined. */
export function readPort(text: string, use: PortUse): number | undefined {
  if (!/^\d{1,5}$/.test(text)) return undefined;
  const n = Number(text);
  return n >= RANGE[use].min && n <= 65535 ? n : undefined;
}

/** What a valid port is, for an error message: "a port is 1 to 65535". */
export function portRule(use: PortUse): string {
  return RANGE[use].words;
}

/** `host:port` to connect to (an IPv6 host in brackets, returned without them), or undefined. */
export function readHostPort(text: string): { host: string; port: number } | undefined {
  const m = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(text);
  const port = m ? readPort(m[2] as string, 'connect') : undefined;
  return m && port !== undefined ? { host: (m[1] as string).replace(/^\[|\]$/g, ''), port } : undefined;
}
