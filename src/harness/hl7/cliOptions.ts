/** HL7 command-line options (docs/hl7.md): an engine address and a port, checked with where and why. */
import { InvalidArgumentError } from 'commander';

export function parseHostPort(text: string): { host: string; port: number } {
  const m = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(text);
  const port = m ? Number(m[2]) : NaN;
  if (!m || !(port >= 1 && port <= 65535)) throw new InvalidArgumentError(`--hl7 takes host:port of an HL7 engine (port 1 to 65535), got "${text}"`);
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port };
}

export function parsePort(text: string): number {
  if (!/^\d{1,5}$/.test(text) || Number(text) > 65535) throw new InvalidArgumentError(`a port is 0 (any free port) to 65535, got "${text}"`);
  return Number(text);
}
