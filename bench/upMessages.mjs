/**
 * The pump messages the MQTT benchmarks send (bench/mqtt.mjs, bench/clusterShard.mjs): a status
 * report as the pumps send it, and an occlusion alarm event (bench/mqtt.mjs checks both against the
 * wire schema).
 */
export function telemetryMsg(pumpId, tMs) {
  return {
    kind: 'status', pumpId, tMs, outboxDepth: 0,
    status: { tMs, state: 'RUNNING', mode: 'drug', drug: 'heparin 25000 units/250 mL', rateMlPerH: 14.4, viMl: 123.456, vtbiMl: 250, alarm: '-', prio: '-', batteryPercent: 87.5, onMains: true },
  };
}

export function eventMsg(pumpId, seq, tMs) {
  return { kind: 'event', pumpId, seq, event: { type: 'ALARM', tMs, id: 'OCCLUSION_DOWN', prio: 'high', stops: true } };
}
