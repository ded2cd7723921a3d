/**
 * Small wards with a traffic monitor for the monitor's tests: unit u (3 lvp pumps u-1..u-3 on
 * segment s) and unit v (2 lvp pumps v-1, v-2 on segment t), heparin running from time 0, a link of
 * exactly 20 ms (no jitter, no loss), a baseline of 10 minutes, 30 minutes in all.
 */
import { defineScenario, type LoadedScenario, type ScenarioInput } from '../../../src/index.js';
import { infuse, wardInput, type Expect, type Timeline } from '../run/helpers.js';

export const LINK_MS = 20;
export const MIN = 60_000;

export function monitoredWard(o: { timeline?: Timeline; monitor?: Record<string, unknown>; expect?: Expect; duration?: string; second?: number; idle?: boolean; extra?: Partial<ScenarioInput> } = {}): LoadedScenario {
  const input: ScenarioInput = {
    ...wardInput({ pumps: 3, second: o.second ?? 2, duration: o.duration ?? '30m', link: { latency: '20ms', jitter: '0ms' }, timeline: [...(o.idle ? [] : infuse()), ...(o.timeline ?? [])], expect: o.expect ?? [] }),
    monitor: { baseline: '10m', ...(o.monitor ?? {}) } as ScenarioInput['monitor'],
    ...(o.extra ?? {}),
  };
  return defineScenario(input);
}
