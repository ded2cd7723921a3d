/**
 * A playbook left to the trainee (docs/playbooks.md, Training): an objective `respond-incident`
 * names the playbook; its steps become one objective each ("Step 2 of ward-rogue: isolate-segment
 * seg-wards"), scored `score` each. When the playbook triggers (the monitor's alert) every step
 * opens, step k with the deadline
 *
 *   alert + Σ_{i ≤ k} (approval delay_i + takes_i) + within
 *
 * (the playbook's own plan for it, and the objective's slack). The trainee's chosen action meets
 * step k when it is step k's action on step k's target and every step before k is met already;
 * the same action while an earlier step is still open misses step k (out of order). An action that
 * is no step of the playbook is logged and scores nothing. What the trainee chose is carried out
 * all the same (src/harness/playbook, PlaybookRunner.act).
 */
import { formatDurationMs, parseDurationMs } from '../scenario/duration.js';
import type { PlaybookRunner } from '../playbook/runtime.js';
import type { FleetPump } from '../scenario/fleet.js';
import { playbookTargetProblem } from '../scenario/playbookChecks.js';
import { PLAYBOOK_ACTION_NAMES, PLAYBOOK_ACTIONS, type PlaybookAction } from '../scenario/playbookSchema.js';
import type { PlaybookYaml } from '../scenario/schema.js';
import type { ObjectiveBook, ObjectiveState } from './objectives.js';
import type { IncidentView } from './views.js';
import type { Objective } from './schema.js';

interface FleetFacts {
  pumps: readonly FleetPump[];
  segmentIds: readonly string[];
}

type IncidentObjective = Extract<Objective, { kind: 'respond-incident' }>;

interface StepObjective {
  state: ObjectiveState;
  action: PlaybookAction;
  target?: string | undefined;
  /** Planned time from the alert to the step's end. */
  plannedMs: number;
  slackMs: number;
}

export class IncidentDrill {
  private readonly steps = new Map<string, StepObjective[]>();

  constructor(
    private readonly book: ObjectiveBook,
    defs: readonly IncidentObjective[],
    playbooks: readonly PlaybookYaml[],
  ) {
    for (const d of defs) {
      const pb = playbooks.find((b) => b.id === d.playbook);
      if (!pb) continue;
      let plannedMs = 0;
      const list: StepObjective[] = pb.steps.map((st, k) => {
        plannedMs += (st.approval ? parseDurationMs(st.approval.delay) : 0) + parseDurationMs(st.takes);
        const def: Objective = { ...d, id: `${d.id}-${k + 1}`, title: `Step ${k + 1} of ${pb.id}: ${st.action}${st.target !== undefined ? ` ${st.target}` : ''} (${st.role})` };
        return { state: book.addJudged(def), action: st.action, target: st.target, plannedMs, slackMs: parseDurationMs(d.within) };
      });
      this.steps.set(pb.id, list);
    }
  }

  /** Playbooks left to the trainee. */
  get playbookIds(): ReadonlySet<string> {
    return new Set(this.steps.keys());
  }

  /** The playbook triggered at `tMs`: its steps open. */
  onTrigger(playbookId: string, tMs: number): void {
    for (const s of this.steps.get(playbookId) ?? []) this.book.start(s.state, tMs, tMs + s.plannedMs + s.slackMs);
  }

  /** The trainee chose `action` on `target` at `tMs`; returns what the debrief says of it. */
  onChosen(playbookId: string, action: PlaybookAction, target: string | undefined, tMs: number): string {
    const list = this.steps.get(playbookId) ?? [];
    const k = list.findIndex((s) => s.action === action && s.target === target && s.state.status === 'open');
    const step = list[k];
    if (!step) return list.some((s) => s.action === action && s.target === target) ? 'a step already judged' : 'not a step of the playbook';
    const book = this.book;
    const earlier = list.slice(0, k).find((s) => s.state.status !== 'met');
    const since = formatDurationMs(Math.max(1000, Math.round((tMs - (step.state.openedMs ?? tMs)) / 1000) * 1000));
    if (earlier) {
      book.settle(step.state, 'missed', tMs, `done out of order: before "${earlier.state.def.title}"`);
      return `step ${k + 1}, out of order`;
    }
    book.settle(step.state, 'met', tMs, `done ${since} after the alert (the playbook plans ${formatDurationMs(step.plannedMs || 1000)})`);
    return `step ${k + 1}, in order`;
  }
}

/** The answer to a trainee's incident message: carried out and judged, or refused (nothing changed). */
export type IncidentAnswer = { ok: true; message: string } | { ok: false; code: string; message: string };

/**
 * A trainee's chosen action: checked (a playbook left to the trainee, already triggered, a target
 * that fits the action as a scenario file's would: playbookTargetProblem), carried out, judged.
 */
export function chooseIncidentAction(drill: IncidentDrill, runner: PlaybookRunner | undefined, fleet: FleetFacts, m: { playbook: string; action: PlaybookAction; target?: string | undefined }, tMs: number): IncidentAnswer {
  if (!runner || !drill.playbookIds.has(m.playbook)) return { ok: false, code: 'NO_PLAYBOOK', message: `playbook "${m.playbook}" is not left to the trainee${drill.playbookIds.size ? ` (yours: ${[...drill.playbookIds].join(', ')})` : ''}` };
  if (!runner.runs.find((r) => r.book.id === m.playbook)?.trigger) return { ok: false, code: 'NOT_TRIGGERED', message: `playbook ${m.playbook} has not been triggered: no alert of its kinds yet` };
  const why = playbookTargetProblem(m.action, m.target, fleet);
  if (why) return { ok: false, code: 'BAD_TARGET', message: why };
  runner.act(m.playbook, m.action, m.target);
  const verdict = drill.onChosen(m.playbook, m.action, m.target, tMs);
  return { ok: true, message: `${m.action}${m.target !== undefined ? ` ${m.target}` : ''}: done (${verdict})` };
}

/** The station's incident card (views.ts IncidentView): the trainee's playbooks and every action with what its target names. */
export function incidentView(drill: IncidentDrill, segments: readonly string[]): { incidents: IncidentView } | Record<string, never> {
  if (drill.playbookIds.size === 0) return {};
  return { incidents: { playbooks: [...drill.playbookIds], actions: PLAYBOOK_ACTION_NAMES.map((name) => ({ name, target: PLAYBOOK_ACTIONS[name].target })), segments: [...segments] } };
}
