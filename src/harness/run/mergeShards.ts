/**
 * One report from a run spread over worker processes (`infusim run --workers N`, workers.ts): the
 * gateway's process's RunResult (no pumps; the gateway's record of what it ingested) and each
 * shard's (its pumps). Pumps in fleet order; each pump's events ingested are the gateway's count,
 * not the shard's; events missing and the exactly-once rule are counted across the shards, as
 * the safety monitor counts them in one process (safety/monitor.ts, `events-exactly-once`).
 */
import { createHash } from 'node:crypto';
import type { Gateway } from '../gateway/gateway.js';
import type { MqttStats } from '../mqttlink/mqttStats.js';
import type { MqttRunInfo } from '../mqttlink/transport.js';
import type { FleetPump } from '../scenario/fleet.js';
import type { ExpectationResult, RunResult, SeriesPoint, Violation } from './result.js';

export interface ShardPart {
  result: RunResult;
  mqtt: MqttRunInfo | undefined;
}

export function mergeShards(gatewayRun: RunResult, gateway: Gateway, fleet: readonly FleetPump[], shards: readonly ShardPart[], expect: readonly { check: string; target?: string | undefined }[] = []): RunResult {
  const order = new Map(fleet.map((p, i) => [p.id, i]));
  const pumps = shards
    .flatMap((s) => s.result.pumps)
    .map((p) => ({ ...p, eventsIngested: gateway.stats(p.id).ingested }))
    .sort((a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0));
  let eventsSent = 0;
  let eventsIngested = 0;
  let duplicatesDropped = 0;
  let gaps = 0;
  let missing = 0;
  const endMs = Math.max(gatewayRun.scenario.durationMs, ...shards.map((s) => s.result.scenario.durationMs));
  // The shards checked exactly-once against a gateway that was not theirs: their own verdicts are replaced by the gateway's count.
  const exactlyOnce: Violation[] = [];
  for (const p of pumps) {
    const st = gateway.stats(p.id);
    eventsSent += p.eventsSent;
    eventsIngested += st.ingested;
    duplicatesDropped += st.duplicates;
    gaps += st.gaps;
    missing += Math.max(0, p.eventsSent - st.ingested);
    if (st.ingested !== p.eventsSent || st.contiguousUpTo !== p.eventsSent) {
      exactlyOnce.push({ tMs: endMs, rule: 'events-exactly-once', pumpId: p.id, detail: `pump sent ${p.eventsSent} events, gateway ingested ${st.ingested} (contiguous up to ${st.contiguousUpTo}), across the shards`, context: [] });
    }
  }
  const all = [gatewayRun, ...shards.map((s) => s.result)];
  const violations = [...all.flatMap((r) => r.violations).filter((v) => v.rule !== 'events-exactly-once'), ...exactlyOnce].sort((a, b) => a.tMs - b.tMs);
  const expectations = mergeExpectations(expect, gatewayRun, shards.map((x) => x.result), (id) => order.get(id), exactlyOnce.length === 0);
  const passed = violations.length === 0 && expectations.every((e) => e.passed);
  const sum = (f: (r: RunResult) => number | undefined): number => all.reduce((n, r) => n + (f(r) ?? 0), 0);
  const units = gatewayRun.units.map((u) => ({ ...u, pumps: pumps.filter((p) => p.unit === u.id).length }));
  return {
    ...gatewayRun,
    // One hash over the processes' trace hashes, the gateway's first, then the shards' in shard order.
    traceHash: createHash('sha256').update(all.map((r) => r.traceHash).join('\n')).digest('hex'),
    traceRecords: sum((r) => r.traceRecords),
    pumps,
    units,
    alarms: all.flatMap((r) => r.alarms).sort((a, b) => a.raisedMs - b.raisedMs || (a.pumpId < b.pumpId ? -1 : a.pumpId > b.pumpId ? 1 : 0)),
    violations,
    expectations,
    network: {
      messagesSent: sum((r) => r.network.messagesSent),
      messagesDelivered: sum((r) => r.network.messagesDelivered),
      messagesLost: sum((r) => r.network.messagesLost),
      duplicatesDelivered: sum((r) => r.network.duplicatesDelivered),
      eventsSent,
      eventsIngested,
      duplicatesDropped,
      gapsDetected: gaps,
      eventsMissing: missing,
      commandsSent: gatewayRun.network.commandsSent,
      commandsRefused: sum((r) => r.network.commandsRefused),
      acksRefused: sum((r) => r.network.acksRefused),
    },
    series: mergeSeries(all.map((r) => r.series)),
    networkSpans: dedupe(all.flatMap((r) => r.networkSpans)),
    faultSpans: dedupe(all.flatMap((r) => r.faultSpans)),
    outcome: passed ? 'pass' : 'violation',
    exitCode: passed ? 0 : 1,
  };
}

/** The MQTT figures of every process added up; the broker, its counters and the log from the gateway's process (the shards' logs after it). */
export function mergeMqtt(gatewayInfo: MqttRunInfo, shards: readonly (MqttRunInfo | undefined)[]): MqttRunInfo {
  const stats = { ...gatewayInfo.stats };
  for (const s of shards) {
    if (!s) continue;
    for (const k of Object.keys(stats) as (keyof MqttStats)[]) stats[k] += s.stats[k];
  }
  const log = [...gatewayInfo.log, ...shards.flatMap((s, i) => (s?.log ?? []).map((l) => `shard ${i + 1}: ${l}`))].slice(0, 4000);
  return { ...gatewayInfo, stats, log };
}

/** Checks judged by the gateway's process alone (what the gateway saw and did). */
const GATEWAY_CHECKS: ReadonlySet<string> = new Set(['escalation', 'advisory-closed', 'hl7-exactly-once', 'detect', 'false-alerts', 'contain']);

/**
 * Each expectation from the process that can judge it: the gateway's checks by the gateway's
 * process; events-exactly-once by the count across the shards; a check on one pump by its shard;
 * any other check holds when it holds in every shard (each judged its own pumps).
 */
function mergeExpectations(expect: readonly { check: string; target?: string | undefined }[], gatewayRun: RunResult, shards: readonly RunResult[], indexOf: (pumpId: string) => number | undefined, exactlyOnce: boolean): ExpectationResult[] {
  return gatewayRun.expectations.map((e, i) => {
    const spec = expect[i];
    if (spec?.check === 'events-exactly-once') return { ...e, passed: exactlyOnce, detail: exactlyOnce ? 'held across the shards' : 'events missing or out of order across the shards (violations)' };
    if (spec === undefined || GATEWAY_CHECKS.has(spec.check)) return e;
    const target = spec.target ?? 'all';
    const index = target.includes(':') ? undefined : indexOf(target);
    const judges = index !== undefined ? [shards[index % shards.length]] : shards;
    const results = judges.map((r) => r?.expectations[i]).filter((x): x is ExpectationResult => x !== undefined);
    const failed = results.filter((x) => !x.passed);
    return failed.length === 0 ? (results[0] ?? e) : { ...e, passed: false, detail: failed.map((x) => x.detail).join('; ') };
  });
}

/** Per unit, the points of every process added up at each sample (the same instants in every process). */
function mergeSeries(all: readonly Record<string, SeriesPoint[]>[]): Record<string, SeriesPoint[]> {
  const out: Record<string, SeriesPoint[]> = {};
  for (const series of all) {
    for (const [unit, points] of Object.entries(series)) {
      const acc = (out[unit] ??= []);
      points.forEach((p, i) => {
        const a = acc[i];
        if (!a) acc[i] = { ...p };
        else acc[i] = { tMs: a.tMs, rateMlPerH: a.rateMlPerH + p.rateMlPerH, viMl: a.viMl + p.viMl, running: a.running + p.running, alarming: a.alarming + p.alarming };
      });
    }
  }
  return out;
}

function dedupe<T>(xs: readonly T[]): T[] {
  const seen = new Set<string>();
  return xs.filter((x) => {
    const k = JSON.stringify(x);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
