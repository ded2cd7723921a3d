/**
 * What each playbook action does (docs/playbooks.md, Actions), as a table over a small port onto
 * the ward. Every action goes through machinery that already exists: the advisory's compensating
 * controls (Network.isolateToGateway, Network.narrowAcl), the rollout's start from an advisory
 * (RolloutRuntime.startFromAdvisory), the partition fault (standalone: links cut, pumps powered,
 * infusions go on; healed at the end of the run like every fault), and the broker's refusal of a
 * client id (Network.blockClient). Each returns the pumps it acted on.
 */
import type { FleetPump } from '../scenario/fleet.js';
import { resolveTarget } from '../scenario/fleet.js';
import type { PlaybookAction } from '../scenario/playbookSchema.js';
import type { Ward } from '../ward/ward.js';

/** What a playbook needs of the ward. */
export interface ContainmentPort {
  nowMs(): number;
  at(atMs: number, run: () => void): void;
  pumpsOf(target: string): string[];
  isolate(pumpId: string): void;
  narrowAcl(pumpId: string): void;
  blockClient(clientId: string): void;
  /** Cut these pumps' links (the partition fault, ended at the end of the run). */
  standalone(target: string, pumpIds: readonly string[]): void;
  startRollout(pumpIds: readonly string[]): void;
  /** A trace line (kind `fault`, phase start) for what the playbook did. */
  trace(what: string, target: string, pumps: number): void;
}

type Effect = (port: ContainmentPort, target: string) => string[];

export const ACTION_EFFECTS: Readonly<Record<PlaybookAction, Effect>> = {
  'isolate-segment': (p, segment) => {
    const ids = p.pumpsOf(`segment:${segment}`);
    for (const id of ids) p.isolate(id);
    return ids;
  },
  'revoke-credential': (p, pumpId) => {
    p.blockClient(pumpId);
    return [pumpId];
  },
  standalone: (p, target) => {
    const ids = p.pumpsOf(target);
    p.standalone(target, ids);
    return ids;
  },
  'narrow-acl': (p, target) => {
    const ids = p.pumpsOf(target);
    for (const id of ids) p.narrowAcl(id);
    return ids;
  },
  'block-client': (p, clientId) => {
    p.blockClient(clientId);
    return [];
  },
  'start-rollout': (p, target) => {
    const ids = p.pumpsOf(target);
    p.startRollout(ids);
    return ids;
  },
  'notify-vendor': () => [],
};

/** Carry out one action now; traced as `playbook:<id> <action>` with its target. */
export function carryOut(port: ContainmentPort, playbookId: string, action: PlaybookAction, target: string | undefined): string[] {
  const ids = ACTION_EFFECTS[action](port, target ?? '');
  port.trace(`playbook:${playbookId} ${action}`, target ?? '-', ids.length);
  return ids;
}

/** The port onto a ward (a run's or a training session's). */
export function wardPort(ward: Ward): ContainmentPort {
  const fleet: readonly FleetPump[] = ward.fleet;
  return {
    nowMs: () => ward.world.nowMs,
    at: (atMs, run) => ward.world.at(atMs, run),
    pumpsOf: (target) => resolveTarget(target, fleet).map((p) => p.id),
    isolate: (id) => ward.network.isolateToGateway(id),
    narrowAcl: (id) => ward.network.narrowAcl(id),
    blockClient: (id) => ward.network.blockClient(id),
    standalone: (target, ids) => {
      ward.startFault('partition', target, fleet.filter((p) => ids.includes(p.id)), {}, 'scenario');
    },
    startRollout: (ids) => ward.rollout?.startFromAdvisory(ids),
    trace: (what, target, pumps) => ward.trace.add({ tMs: ward.world.nowMs, kind: 'fault', fault: what, phase: 'start', target, pumps }),
  };
}
