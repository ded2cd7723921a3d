/** What a run may do to a broker it is allowed to kill: the broker side's handle, used by the MQTT link (src/harness/mqttlink/). */

/** Stop and start the broker (same port, same persistence): how a broker outage is rehearsed. */
export interface BrokerControl {
  stop(): Promise<void>;
  start(): Promise<void>;
}

/** An external broker the run started and owns (mosquitto.ts): its URL, a name for the summary, kill and restart. */
export interface OwnedBroker {
  url: string;
  name: string;
  control: BrokerControl;
  /** Told when the broker dies without being asked to (it says whether it was restarted). */
  onDeath?: ((f: (why: string) => void) => void) | undefined;
  close(): Promise<void>;
}
