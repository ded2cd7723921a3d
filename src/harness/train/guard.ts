/**
 * What the training server checks before it does any work for a request: the Host header (a page
 * on another site that rebinds its DNS name to 127.0.0.1 still sends its own name, and is refused),
 * the Origin of a WebSocket, and each connection's message rate (a token bucket).
 */
import { ALLOWED_HOSTNAMES, MESSAGE_BURST, MESSAGES_PER_S } from './limits.js';

/** Is `host` (the Host header) one of 127.0.0.1, localhost or [::1] with this server's port? */
export function allowedHost(host: string | undefined, port: number): boolean {
  if (host === undefined) return false;
  const h = host.toLowerCase();
  return ALLOWED_HOSTNAMES.some((name) => h === `${name}:${port}`);
}

/** A WebSocket's Origin must be a page this server served: http:// and an allowed host. */
export function allowedOrigin(origin: string | undefined, port: number): boolean {
  if (origin === undefined || !origin.startsWith('http://')) return false;
  return allowedHost(origin.slice('http://'.length), port);
}

/** A token bucket on an injected clock: `take` is false when the connection is over its rate. */
export class MessageRate {
  private tokens = MESSAGE_BURST;
  private lastMs: number;

  constructor(
    private readonly nowMs: () => number,
    private readonly perS = MESSAGES_PER_S,
    private readonly burst = MESSAGE_BURST,
  ) {
    this.lastMs = nowMs();
  }

  take(): boolean {
    const now = this.nowMs();
    if (now > this.lastMs) {
      this.tokens = Math.min(this.burst, this.tokens + ((now - this.lastMs) * this.perS) / 1000);
      this.lastMs = now;
    }
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
