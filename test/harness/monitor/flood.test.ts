/**
 * message-flood, fed directly (no attack of the harness floods the broker yet): messages per client
 * per window-long interval aligned to time 0; the threshold is max(count, floor(factor x baseline
 * peak) + 1), worked out here by hand.
 */
import { describe, expect, it } from 'vitest';
import { TrafficMonitor } from '../../../src/harness/monitor/trafficMonitor.js';
import { resolveMonitorConfig } from '../../../src/harness/monitor/rules.js';
import { scenarioSchema } from '../../../src/harness/scenario/schema.js';
import type { UpMessage } from '../../../src/harness/link/messages.js';

const monitorOf = (rules: Record<string, unknown>) => scenarioSchema.shape.monitor.unwrap().parse({ baseline: '10m', rules });

function status(pumpId: string): UpMessage {
  return { kind: 'status', pumpId, tMs: 0, outboxDepth: 0, status: { tMs: 0, state: 'IDLE', mode: '-', drug: '-', rateMlPerH: 0, viMl: 0, vtbiMl: 0, alarm: '-', prio: '-', batteryPercent: 100, onMains: true } };
}

describe('message-flood', () => {
  it('a pump that sent at most 2 messages a minute in the baseline alerts at its 11th in a minute (factor 5: floor(5 x 2) + 1 = 11 > count 10)', () => {
    let now = 0;
    const m = new TrafficMonitor(resolveMonitorConfig(monitorOf({ 'message-flood': { count: 10, window: '1m', factor: 5 } })), [{ id: 'p', unit: 'u', segment: 's', firmware: '1.0.0' }], () => now);
    for (let t = 0; t < 10 * 60_000; t += 30_000) {
      now = t;
      m.message('up', status('p'), 'p', 's');
    }
    now = 20 * 60_000;
    for (let i = 1; i <= 10; i++) m.message('up', status('p'), 'p', 's');
    expect(m.alerts).toEqual([]);
    m.message('up', status('p'), 'p', 's');
    expect(m.alerts).toEqual([expect.objectContaining({ kind: 'message-flood', clientId: 'p', atMs: 20 * 60_000 })]);
  });

  it('the count resets at each interval: 10 in one minute and 10 in the next do not alert', () => {
    let now = 10 * 60_000;
    const m = new TrafficMonitor(resolveMonitorConfig(monitorOf({ 'message-flood': { count: 11, window: '1m', factor: 1 } })), [{ id: 'p', unit: 'u', segment: 's', firmware: '1.0.0' }], () => now);
    for (let i = 0; i < 10; i++) m.message('up', status('p'), 'p', 's');
    now += 60_000;
    for (let i = 0; i < 10; i++) m.message('up', status('p'), 'p', 's');
    expect(m.alerts).toEqual([]);
  });
});
