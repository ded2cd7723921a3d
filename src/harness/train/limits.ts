/**
 * The training server's bounds, in one place (docs/training.md, "Limits"): what one browser
 * connection may send, how many connections there may be, and which Host the server answers to.
 */

/** Messages a connection may send per second, on average (a trainee clicks a few times a second). */
export const MESSAGES_PER_S = 20;
/** Messages a connection may send at once before the rate applies. */
export const MESSAGE_BURST = 40;
/** Messages over the rate, in a row, after which the connection is closed (code 1008). */
export const MAX_DROPPED_IN_A_ROW = 200;
/** WebSocket connections at once (a ward's stations, panels and the instructor). */
export const MAX_CONNECTIONS = 64;
/** A connection that has not said hello by then is closed, so idle sockets cannot hold the slots. */
export const HELLO_TIMEOUT_MS = 10_000;
/** How often every page gets the state (wall ms); never more often, whatever the pages send. */
export const DEFAULT_TICK_MS = 250;
/** The host names the server answers to, with its own port (no DNS rebinding: any other Host is refused). */
export const ALLOWED_HOSTNAMES = ['127.0.0.1', 'localhost', '[::1]'] as const;
