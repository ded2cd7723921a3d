/**
 * After a broker restart, a proxied pump's new connection waits at the link proxy until the
 * gateway has subscribed again.
 *
 * A restarted broker process has lost its sessions, so nobody is subscribed until the gateway's
 * client reconnects and subscribes. mqtt.js resends the QoS 1 messages it kept as soon as its
 * connection is accepted; a resend that reaches the broker before the gateway's subscription goes
 * to nobody, and the pump's client, holding its PUBACK, never sends it again. Which client came
 * back first was a race on the wall clock: on a loaded machine the gateway often lost it (the
 * mosquitto variant of tcpProxy.test.ts failed 5 times in 20 under six CPU-bound processes).
 * Holding the proxied pumps' CONNECT until the gateway is ready makes the order the one a
 * hospital's network would give with the gateway back first. Pumps that do not go through the
 * proxy reconnect on their own; their events are resent by their outboxes, as after any loss.
 */
export class RestartGate {
  private shut: Promise<void> | undefined;
  private release: (() => void) | undefined;

  /** Hold new connections from now on (the broker is going down). */
  close(): void {
    if (this.shut) return;
    this.shut = new Promise<void>((resolve) => {
      this.release = resolve;
    });
  }

  /** Let every held connection and every new one through. */
  open(): void {
    const release = this.release;
    this.shut = undefined;
    this.release = undefined;
    release?.();
  }

  /** Undefined while open; otherwise the promise a new connection waits on. */
  passage(): Promise<void> | undefined {
    return this.shut;
  }
}
