/**
 * Each detector of the traffic monitor (docs/monitoring.md, Detectors) on the attack it is for,
 * with the time of its first alert worked out by hand from the injection time, the link's 20 ms and
 * the rule's threshold; and the same ward without the attack, which raises no alert of that kind.
 */
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../../src/index.js';
import type { Alert } from '../../../src/harness/monitor/alert.js';
import { LINK_MS, MIN, monitoredWard } from './helpers.js';

async function alertsOf(w: ReturnType<typeof monitoredWard>): Promise<Alert[]> {
  const { result } = await runScenario(w);
  expect(result.monitor).toBeDefined();
  return result.monitor?.alerts ?? [];
}

const kinds = (alerts: Alert[]): string[] => [...new Set(alerts.map((a) => a.kind))].sort();

describe('the traffic monitor on a quiet ward', () => {
  it('raises no alert at all when only the gateway and the pumps talk (with a signed remote titration after the baseline)', async () => {
    const alerts = await alertsOf(monitoredWard({ timeline: [{ at: '12m', action: 'remote', target: 'u-1', args: { command: 'TITRATE dose=20' } }] }));
    expect(alerts).toEqual([]);
  });
});

describe('detectors', () => {
  it('unknown-client and unauthorised-command: a rogue client at 15m is seen as it sends, at 15m exactly', async () => {
    const alerts = await alertsOf(monitoredWard({ timeline: [{ at: '15m', fault: 'rogue-client', target: 'u-1', args: { command: 'PAUSE' } }] }));
    const unknown = alerts.filter((a) => a.kind === 'unknown-client');
    expect(unknown).toEqual([expect.objectContaining({ clientId: 'rogue', atMs: 15 * MIN, severity: 'high', segment: 's' })]);
    expect(unknown[0]?.evidence[0]).toMatch(/wire down rogue@s -> u-1 command .* signed=no PAUSE/);
    expect(alerts.filter((a) => a.kind === 'unauthorised-command')).toEqual([expect.objectContaining({ clientId: 'rogue', pumpId: 'u-1', atMs: 15 * MIN })]);
  });

  it('a rogue client during the baseline is learned, not alerted (the baseline is the normal)', async () => {
    const alerts = await alertsOf(monitoredWard({ timeline: [{ at: '5m', fault: 'rogue-client', target: 'u-1', args: { command: 'PAUSE' } }, { at: '15m', fault: 'rogue-client', target: 'u-1', args: { command: 'PAUSE' } }] }));
    expect(kinds(alerts).filter((k) => k === 'unknown-client' || k === 'unauthorised-command')).toEqual([]);
  });

  it('replay: the gateway titrates u-1 at 12m; a rogue replays that envelope at 15m: alert at 15m', async () => {
    const alerts = await alertsOf(
      monitoredWard({
        timeline: [
          { at: '12m', action: 'remote', target: 'u-1', args: { command: 'TITRATE dose=20' } },
          { at: '15m', fault: 'rogue-client', target: 'u-1', args: { replay: true } },
        ],
      }),
    );
    expect(alerts.filter((a) => a.kind === 'replay')).toEqual([expect.objectContaining({ pumpId: 'u-1', atMs: 15 * MIN, clientId: 'rogue' })]);
  });

  it('signature-failures: 3 unsigned PAUSEs to segment s at 15m; each pump reports its refusal 20 ms later: the 3rd makes the burst (count 3 in 5m)', async () => {
    const alerts = await alertsOf(monitoredWard({ timeline: [{ at: '15m', fault: 'rogue-client', target: 'segment:s', args: { command: 'PAUSE' } }] }));
    const sig = alerts.filter((a) => a.kind === 'signature-failures');
    expect(sig).toEqual([expect.objectContaining({ segment: 's', atMs: 15 * MIN + LINK_MS })]);
    expect(sig[0]?.evidence).toHaveLength(3);
    expect(sig[0]?.evidence.every((l) => / REMOTE_REFUSED .*verdict=unsigned/.test(l))).toBe(true);
  });

  it('signature-failures: 2 refusals stay under a count of 3; with count: 2 they alert', async () => {
    const two = { at: '15m', fault: 'rogue-client', target: 'unit:v', args: { command: 'PAUSE' } } as const;
    expect(kinds(await alertsOf(monitoredWard({ timeline: [two] })))).not.toContain('signature-failures');
    const alerts = await alertsOf(monitoredWard({ timeline: [two], monitor: { rules: { 'signature-failures': { count: 2 } } } }));
    expect(alerts.filter((a) => a.kind === 'signature-failures')).toEqual([expect.objectContaining({ segment: 't', atMs: 15 * MIN + LINK_MS })]);
  });

  it("foreign-topic: u-1's credential used to send to u-2 at 15m", async () => {
    const alerts = await alertsOf(monitoredWard({ timeline: [{ at: '15m', fault: 'stolen-credential', target: 'u-2', args: { credential: 'u-1' } }] }));
    expect(alerts.filter((a) => a.kind === 'foreign-topic')).toEqual([expect.objectContaining({ clientId: 'u-1', pumpId: 'u-2', atMs: 15 * MIN })]);
    expect(alerts.filter((a) => a.kind === 'unauthorised-command')).toEqual([expect.objectContaining({ clientId: 'u-1', atMs: 15 * MIN })]);
    // A pump's client id is registered: no unknown-client.
    expect(kinds(alerts)).not.toContain('unknown-client');
  });

  it('command-rate: 4 signed boluses to u-1 at 15m with no titration in the baseline: threshold max(4, floor(3 x 0) + 1) = 4, alert at 15m', async () => {
    const alerts = await alertsOf(monitoredWard({ timeline: [{ at: '15m', fault: 'compromised-gateway', target: 'u-1', args: { count: 4 } }] }));
    expect(alerts.filter((a) => a.kind === 'command-rate')).toEqual([expect.objectContaining({ pumpId: 'u-1', clientId: 'gateway', atMs: 15 * MIN })]);
    expect(kinds(alerts)).toEqual(['command-rate']);
  });

  it('command-rate: 3 boluses stay under the threshold of 4', async () => {
    const alerts = await alertsOf(monitoredWard({ timeline: [{ at: '15m', fault: 'compromised-gateway', target: 'u-1', args: { count: 3 } }] }));
    expect(alerts).toEqual([]);
  });

  it('command-rate learns the baseline: 2 titrations within 10m of the baseline make the threshold max(4, floor(3 x 2) + 1) = 7', async () => {
    const baseline = [
      { at: '2m', action: 'remote', target: 'u-1', args: { command: 'TITRATE dose=17' } },
      { at: '3m', action: 'remote', target: 'u-1', args: { command: 'TITRATE dose=16' } },
    ] as const;
    const six = await alertsOf(monitoredWard({ timeline: [...baseline, { at: '15m', fault: 'compromised-gateway', target: 'u-1', args: { count: 6 } }] }));
    expect(kinds(six)).not.toContain('command-rate');
    const seven = await alertsOf(monitoredWard({ timeline: [...baseline, { at: '15m', fault: 'compromised-gateway', target: 'u-1', args: { count: 7 } }] }));
    expect(seven.filter((a) => a.kind === 'command-rate')).toEqual([expect.objectContaining({ pumpId: 'u-1', atMs: 15 * MIN })]);
  });

  it("connection-flapping: u-1's link drops at 15m, 17m and 19m (a reconnect storm every 2m): the 3rd drop within 10m alerts at 19m", async () => {
    const alerts = await alertsOf(monitoredWard({ timeline: [{ at: '15m', fault: 'reconnect-storm', target: 'u-1', every: '2m', end: '20m' }] }));
    const flap = alerts.filter((a) => a.kind === 'connection-flapping');
    expect(flap).toEqual([expect.objectContaining({ pumpId: 'u-1', atMs: 19 * MIN })]);
    expect(flap[0]?.evidence).toHaveLength(3);
  });

  it('connection-flapping: one partition of a unit is no flapping', async () => {
    const alerts = await alertsOf(monitoredWard({ timeline: [{ at: '15m', fault: 'partition', target: 'unit:u', end: '18m' }] }));
    expect(kinds(alerts)).not.toContain('connection-flapping');
  });

  it('cross-segment: a scanner on segment t pings segment s at 15m; with allow t<->s it does not alert', async () => {
    const scan = { at: '15m', fault: 'segment-scan', target: 'segment:s', args: { from: 't' } } as const;
    const alerts = await alertsOf(monitoredWard({ timeline: [scan] }));
    expect(alerts.filter((a) => a.kind === 'cross-segment')).toEqual([expect.objectContaining({ segment: 't', pumpId: 'u-1', clientId: 'scanner', atMs: 15 * MIN })]);
    const allowed = await alertsOf(monitoredWard({ timeline: [scan], monitor: { allow: [{ from: 't', to: 's' }] } }));
    expect(kinds(allowed)).not.toContain('cross-segment');
    expect(kinds(allowed)).toContain('unknown-client');
  });

  it('a disabled rule raises nothing', async () => {
    const alerts = await alertsOf(monitoredWard({ timeline: [{ at: '15m', fault: 'rogue-client', target: 'u-1' }], monitor: { rules: { 'unknown-client': { enabled: false } } } }));
    expect(kinds(alerts)).toEqual(['unauthorised-command']);
  });
});

describe('firmware-change', () => {
  const offer: Parameters<typeof monitoredWard>[0] = { extra: { releases: [{ id: 'r11', version: '1.1.0', sizeBytes: 8192 }] }, idle: true, timeline: [{ at: '15m', action: 'firmware-offer', target: 'u-1', args: { release: 'r11' } }] };

  it('a release offered to an idle pump outside any rollout: alert when the pump reports booting it (the boot in its trace, sent at once)', async () => {
    const { result, trace } = await runScenario(monitoredWard(offer));
    const boot = trace.records.find((r) => r.kind === 'pump' && r.pumpId === 'u-1' && r.event.type === 'UPDATE' && r.event.event.type === 'boot');
    expect(boot).toBeDefined();
    const fw = (result.monitor?.alerts ?? []).filter((a) => a.kind === 'firmware-change');
    expect(fw).toEqual([expect.objectContaining({ pumpId: 'u-1', atMs: boot?.tMs })]);
    expect(fw[0]?.detail).toContain('1.1.0');
  });

  it('an approved version boots without an alert', async () => {
    const { result } = await runScenario(monitoredWard({ ...offer, monitor: { approvedFirmware: ['1.1.0'] } }));
    expect((result.monitor?.alerts ?? []).filter((a) => a.kind === 'firmware-change')).toEqual([]);
  });
});
