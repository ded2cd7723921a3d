/** The counters of a run over MQTT (MqttNetwork.mqttStats). */
export interface MqttStats {
  published: number;
  received: number;
  /** Payloads refused by zod at the receiving end (counted, logged, never thrown). */
  malformed: number;
  /** Telemetry not sent while a pump was offline (the next one replaces it). */
  telemetryCoalesced: number;
  /** Events and acknowledgements not sent while offline (the outbox keeps events and resends them). */
  heldOffline: number;
  /** Messages the barrier gave up on. */
  barrierTimeouts: number;
  reconnects: number;
  brokerKills: number;
  /** Unplanned broker deaths (a child-process broker that died without the run asking); each restarted. */
  brokerDeaths: number;
  /** Nodes of a broker cluster that died (killed from outside or by the run's node kill); not restarted, their clients went to other nodes. */
  brokerNodeDeaths: number;
  connectionCuts: number;
  /** Reconnect storms, and the pump connections they dropped (each reconnects; counted in `reconnects` too). */
  reconnectStorms: number;
  stormDrops: number;
  /** Commands from a rogue client that the broker would not let through. */
  rogueBlocked: number;
  presenceOnline: number;
  presenceOffline: number;
  /** Pumps that connected through the link proxy. */
  linkProxyPumps: number;
  /** Pumps whose link could have conditions but that connected directly (over linkProxyMaxPumps): no conditions applied. */
  linkProxyOverLimit: number;
  /** PUBLISH frames the proxy held for latency, jitter or reordering (each copy counts). */
  framesDelayed: number;
  /** PUBLISH frames the proxy dropped (loss). */
  framesDropped: number;
  /** PUBLISH frames the proxy wrote twice. */
  framesDuplicated: number;
}

export function emptyMqttStats(): MqttStats {
  return {
    published: 0, received: 0, malformed: 0, telemetryCoalesced: 0, heldOffline: 0, barrierTimeouts: 0,
    reconnects: 0, brokerKills: 0, brokerDeaths: 0, brokerNodeDeaths: 0, connectionCuts: 0, reconnectStorms: 0, stormDrops: 0, rogueBlocked: 0, presenceOnline: 0, presenceOffline: 0,
    linkProxyPumps: 0, linkProxyOverLimit: 0, framesDelayed: 0, framesDropped: 0, framesDuplicated: 0,
  };
}
