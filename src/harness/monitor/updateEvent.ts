/** The part of an update agent's event (src/sim/firmware/events.ts) the monitor reads. */
export interface UpdaterEventLike {
  type: string;
  version?: string | undefined;
  /** Why an offer was refused (a `refused` event). */
  reason?: string | undefined;
}
