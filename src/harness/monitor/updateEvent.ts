/** The part of an update agent's event (src/sim/firmware/events.ts) the monitor reads. */
export interface UpdaterEventLike {
  type: string;
  version?: string | undefined;
}
