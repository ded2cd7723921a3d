/**
 * The traffic monitor over MQTT (docs/monitoring.md#over-mqtt), on the embedded broker: the
 * observer identity sees what the broker carries, a sensor on each segment's way to the broker
 * sees the clients that are not the run's; the same detectors fire as in process.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { runScenario } from '../../../src/harness/run/runScenario.js';
import { loadScenarioFile, parseScenarioText } from '../../../src/harness/scenario/load.js';
import { shippedScenario } from '../../support/scenarioText.js';
import { MIN, monitoredWard } from './helpers.js';

const MQTT = { transport: { kind: 'mqtt' as const } };

/** The monitor's ward (helpers.ts) with unit u's pumps legacy-unauthenticated: their command topics are open to anonymous clients. */
function legacyWard(timeline: NonNullable<Parameters<typeof monitoredWard>[0]>['timeline']) {
  const w = monitoredWard({ timeline, duration: '20m' });
  const group = w.scenario.site.units.find((u) => u.id === 'u')?.pumps[0];
  if (group) group.profile = 'legacy-unauthenticated';
  return w;
}

describe('the monitor over MQTT is passive', () => {
  it('legacy-rogue-client.yaml over MQTT: the same trace hash with a monitor (observer, sensor on the segment) as without; the rogue at 15m is detected, the one at 20m not (as in process: the same client and pump within the 10 min cooldown)', async () => {
    const plain = await runScenario(loadScenarioFile('scenarios/legacy-rogue-client.yaml'), MQTT);
    const doc = parse(readFileSync('scenarios/legacy-rogue-client.yaml', 'utf8')) as Record<string, unknown>;
    doc.monitor = { baseline: '10m' };
    const watched = await runScenario(parseScenarioText(stringify(doc), 'scenarios/legacy-rogue-client.yaml'), MQTT);
    expect(watched.result.traceHash).toBe(plain.result.traceHash);
    expect(watched.result.monitor?.detections.map((d) => [d.attack, d.startMs, d.detected])).toEqual([
      ['rogue-client', 15 * MIN, true],
      ['rogue-client', 20 * MIN, false],
    ]);
    // At 15m: each legacy pump's anonymous client connects and publishes; the secure pumps' rogue is refused at CONNECT.
    expect(watched.result.monitor?.alerts.map((a) => `${a.kind} ${a.pumpId ?? '-'} ${(a.clientId ?? '').replace(/\d+$/, 'PID')} ${a.atMs}`)).toEqual([
      'unknown-client - anon.legacy-rogue-client.legacy-1.rogue-PID 900000',
      'unauthorised-command legacy-1 anon.legacy-rogue-client.legacy-1.rogue-PID 900000',
      'unknown-client - anon.legacy-rogue-client.legacy-2.rogue-PID 900000',
      'unauthorised-command legacy-2 anon.legacy-rogue-client.legacy-2.rogue-PID 900000',
      'unknown-client - rogue-PID 900000',
    ]);
  }, 300_000);
});

describe('the monitor over MQTT (embedded broker)', () => {
  it('a rogue replays at 15m the titration the gateway sent u-1 at 12m: unknown-client as it connects, then replay and unauthorised-command, all at 15m', async () => {
    const { result } = await runScenario(
      legacyWard([
        { at: '12m', action: 'remote', target: 'u-1', args: { command: 'TITRATE dose=20' } },
        { at: '15m', fault: 'rogue-client', target: 'u-1', args: { replay: true } },
      ]),
      MQTT,
    );
    const alerts = result.monitor?.alerts ?? [];
    expect(alerts.map((a) => a.kind).sort()).toEqual(['replay', 'unauthorised-command', 'unknown-client']);
    for (const a of alerts) expect(a).toMatchObject({ atMs: 15 * MIN, segment: 's' });
    expect(alerts.find((a) => a.kind === 'unknown-client')?.clientId).toMatch(/^anon\..*\.u-1\.rogue-\d+$/);
    expect(alerts.find((a) => a.kind === 'replay')).toMatchObject({ pumpId: 'u-1' });
  }, 120_000);

  it('a rogue the broker refuses (a secure pump) is still seen connecting: unknown-client at 15m', async () => {
    const { result } = await runScenario(monitoredWard({ timeline: [{ at: '15m', fault: 'rogue-client', target: 'v-1' }], duration: '20m' }), MQTT);
    expect(result.monitor?.alerts).toEqual([expect.objectContaining({ kind: 'unknown-client', atMs: 15 * MIN, segment: 't' })]);
    expect(result.monitor?.alerts[0]?.clientId).toMatch(/^rogue-\d+$/);
  }, 120_000);

  it('broker-flood: 250 PUBLISHes from "flooder" behind a CONNECT the broker refuses: the sensor counts them all (message-flood at the 200th, at 15m), none reaches a pump, events exactly once', async () => {
    const flood = [{ at: '15m', fault: 'broker-flood', target: 'unit:u', args: { count: 250 } }, { at: '15m', action: 'remote', target: 'u-1', args: { command: 'TITRATE dose=20' } }] as const;
    const run = await runScenario(monitoredWard({ timeline: [...flood], duration: '20m', expect: [{ check: 'events-exactly-once' }, { check: 'no-infusion-interrupted' }] }), MQTT);
    const { result } = run;
    const alerts = result.monitor?.alerts ?? [];
    expect(alerts.filter((a) => a.kind === 'message-flood')).toEqual([expect.objectContaining({ clientId: 'flooder', segment: 's', atMs: 15 * MIN })]);
    expect(alerts.find((a) => a.kind === 'unknown-client')).toMatchObject({ clientId: 'flooder', atMs: 15 * MIN });
    expect(run.mqtt?.stats.rogueBlocked).toBe(250);
    // Event latency in the flood's minute, on the run's virtual clock: the events of a titration
    // the gateway sends u-1 at the flood's instant come in 20 ms after they happen, the link's
    // latency (the link proxy holds each pump's frames that long), as without the flood.
    const during = run.gateway.record.filter((e) => e.event.tMs >= 15 * MIN && e.event.tMs < 16 * MIN);
    expect(during.length).toBeGreaterThan(0);
    expect(new Set(during.map((e) => e.receivedMs - e.event.tMs))).toEqual(new Set([20]));
    expect(result.blastRadius).toEqual([expect.objectContaining({ sent: 250, reached: 0, refused: 0, affected: 0 })]);
    expect(result.outcome).toBe('pass');
  }, 120_000);

  it('broker-flood over 4 connections: the broker refuses 4 CONNECTs; the sensor counts 100 PUBLISHes behind each: message-flood for none (under 200 each), unknown-client for each', async () => {
    const run = await runScenario(monitoredWard({ timeline: [{ at: '15m', fault: 'broker-flood', target: 'unit:u', args: { count: 400, connections: 4 } }], duration: '20m' }), MQTT);
    expect(run.mqtt?.brokerCounters?.connectionsRefused).toBe(4);
    expect(run.mqtt?.stats.rogueBlocked).toBe(400);
    const alerts = run.result.monitor?.alerts ?? [];
    expect(alerts.filter((a) => a.kind === 'unknown-client').map((a) => a.clientId)).toEqual(['flooder-1', 'flooder-2', 'flooder-3', 'flooder-4']);
    expect(alerts.filter((a) => a.kind === 'message-flood')).toEqual([]);
  }, 120_000);

  it('malicious-firmware over MQTT: straight from rogue-updater, refused by the broker, seen by the sensor (firmware-offer at 15m for each of u-1..u-3); down the update path, refused by each pump\'s firmware (firmware-offer from the observer)', async () => {
    const releases = { releases: [{ id: 'good', version: '1.1.0', sizeBytes: 32768 }] } as never;
    const rogue = await runScenario(monitoredWard({ timeline: [{ at: '15m', fault: 'malicious-firmware', target: 'unit:u' }], duration: '20m', extra: releases }), MQTT);
    expect(rogue.result.monitor?.alerts.filter((a) => a.kind === 'firmware-offer').map((a) => `${a.clientId} ${a.pumpId} ${a.atMs}`)).toEqual(['u-1', 'u-2', 'u-3'].map((p) => `rogue-updater ${p} ${15 * MIN}`));
    const path = await runScenario(monitoredWard({ timeline: [{ at: '15m', fault: 'malicious-firmware', target: 'unit:u', args: { path: 'gateway' } }], duration: '20m', extra: releases }), MQTT);
    expect(path.result.monitor?.alerts.filter((a) => a.kind === 'firmware-offer').map((a) => a.pumpId).sort()).toEqual(['u-1', 'u-2', 'u-3']);
    expect(path.result.blastRadius).toEqual([expect.objectContaining({ from: ['gateway'], sent: 3, reached: 3, refused: 3, affected: 0 })]);
    expect(path.result.pumps.map((p) => p.firmware)).toEqual(['1.0.0', '1.0.0', '1.0.0', '1.0.0', '1.0.0']);
  }, 120_000);

  it('the same ward over MQTT without an attack raises nothing (the observer sees the normal traffic)', async () => {
    const { result } = await runScenario(monitoredWard({ timeline: [{ at: '12m', action: 'remote', target: 'u-1', args: { command: 'TITRATE dose=20' } }], duration: '20m' }), MQTT);
    expect(result.monitor?.alerts).toEqual([]);
    expect(result.monitor?.baseline.find((b) => b.unit === 'u')?.upMessagesPerPumpHour).toBeGreaterThan(0);
  }, 120_000);

  it('compromised-credentials: the stolen ICU credential used from the ward segment and the compromised gateway key are both detected within 1 min', async () => {
    // To 3 h 15 min of the shipped 4 h: the last attack is at 3 h, and it is detected within a minute.
    const { result } = await runScenario(shippedScenario('compromised-credentials', { duration: '3h15m' }), MQTT);
    const m = result.monitor;
    expect(m).toBeDefined();
    const stolen = m?.detections.filter((d) => d.attack === 'stolen-credential') ?? [];
    expect(stolen.length).toBeGreaterThan(0);
    for (const d of stolen) expect(d.timeToDetectMs).toBeLessThanOrEqual(MIN);
    expect(m?.alerts.find((a) => a.kind === 'unauthorised-command')).toMatchObject({ clientId: 'icu-3', segment: 'seg-icu' });
    expect(m?.detections.find((d) => d.attack === 'compromised-gateway')).toMatchObject({ detected: true, firstKind: 'command-rate' });
    // By hand: the PAUSEs go at 2h, 2h10 and 2h20 to the 12 ICU pumps; each cooldown is 10 min, so
    // each repetition alerts again: 12 x 3 unauthorised-command and foreign-topic, 3 cross-segment
    // (one pair of segments). No signature-failures: the broker refuses the commands, no pump reports one.
    expect(m?.alertsByKind).toEqual({ 'unauthorised-command': 36, 'foreign-topic': 36, 'cross-segment': 3, 'command-rate': 1 });
    expect(m?.falseAlerts).toBe(0);
  }, 300_000);
});
