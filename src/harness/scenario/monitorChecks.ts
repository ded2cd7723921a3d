/**
 * Checks of the scenario's `monitor:` section and of the attacks' args that need the fleet
 * (docs/monitoring.md): `allow:` pairs name segments of the site (or the gateway's), an attack's
 * `from` names a segment, a stolen `credential` names a pump.
 */
import { ATTACKS } from './monitorSchema.js';
import { didYouMean, list } from './words.js';

export interface MonitorProblem {
  path: (string | number)[];
  message: string;
}

interface FleetFacts {
  pumps: readonly { id: string }[];
  segmentIds: readonly string[];
}

const ATTACK_SEGMENT_ARGS: Readonly<Record<string, readonly string[]>> = { 'rogue-client': ['from'], 'stolen-credential': ['from'], 'segment-scan': ['from'], 'broker-flood': ['from'], 'malicious-firmware': ['from'] };

export function monitorProblems(raw: Record<string, unknown>, fleet: FleetFacts | undefined): MonitorProblem[] {
  if (!fleet) return [];
  const out: MonitorProblem[] = [];
  const m = raw.monitor as { allow?: unknown; gatewaySegment?: unknown } | undefined;
  const gw = typeof m?.gatewaySegment === 'string' ? m.gatewaySegment : 'core';
  const segments = [...fleet.segmentIds, gw];
  const segmentProblem = (v: unknown, path: (string | number)[]): void => {
    if (typeof v === 'string' && !segments.includes(v)) out.push({ path, message: `segment "${v}" is not in site.segments${didYouMean(v, segments)} (segments: ${list(segments)})` });
  };
  if (m && Array.isArray(m.allow)) {
    m.allow.forEach((p: unknown, i) => {
      if (p === null || typeof p !== 'object') return;
      for (const k of ['from', 'to'] as const) segmentProblem((p as Record<string, unknown>)[k], ['monitor', 'allow', i, k]);
    });
  }
  const timeline = raw.timeline;
  if (Array.isArray(timeline)) {
    const pumpIds = fleet.pumps.map((p) => p.id);
    timeline.forEach((e: unknown, i) => {
      if (e === null || typeof e !== 'object') return;
      const { fault, args } = e as { fault?: unknown; args?: unknown };
      if (typeof fault !== 'string' || args === null || typeof args !== 'object') return;
      const a = args as Record<string, unknown>;
      for (const k of ATTACK_SEGMENT_ARGS[fault] ?? []) segmentProblem(a[k], ['timeline', i, 'args', k]);
      if (fault === 'malicious-firmware' && a.version !== undefined && (typeof a.version !== 'string' || !/^(0|[1-9]\d{0,5})\.(0|[1-9]\d{0,5})\.(0|[1-9]\d{0,5})$/.test(a.version))) {
        out.push({ path: ['timeline', i, 'args', 'version'], message: `version ${JSON.stringify(a.version)} is not MAJOR.MINOR.PATCH (e.g. 9.9.9)` });
      }
      if (fault === 'stolen-credential' && typeof a.credential === 'string' && !pumpIds.includes(a.credential)) {
        out.push({ path: ['timeline', i, 'args', 'credential'], message: `pump "${a.credential}" is not in the fleet${didYouMean(a.credential, pumpIds)}` });
      }
    });
  }
  // detect and false-alerts need the monitor; detect needs its attack in the timeline.
  const expect = raw.expect;
  if (Array.isArray(expect)) {
    const injected = new Set(Array.isArray(timeline) ? timeline.map((e: unknown) => (e !== null && typeof e === 'object' ? (e as { fault?: unknown }).fault : undefined)) : []);
    expect.forEach((e: unknown, i) => {
      if (e === null || typeof e !== 'object') return;
      const { check, attack } = e as { check?: unknown; attack?: unknown };
      if (check !== 'detect' && check !== 'false-alerts') return;
      if (!m) out.push({ path: ['expect', i, 'check'], message: `${check} judges the traffic monitor: the scenario needs a monitor: section (docs/monitoring.md)` });
      else if (check === 'detect' && typeof attack === 'string' && Object.hasOwn(ATTACKS, attack) && !injected.has(attack)) out.push({ path: ['expect', i, 'attack'], message: `no ${attack} is injected in the timeline, so there is nothing to detect` });
    });
  }
  return out;
}
