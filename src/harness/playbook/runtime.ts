/**
 * Incident response playbooks in a run (docs/playbooks.md): each playbook waits for its trigger
 * (an alert of the traffic monitor of one of its kinds, at least its severity) and then runs once.
 * Its steps go one after the other on virtual time: a step starts when the one before it ended (the
 * first at the alert); with an approval it waits `approval.delay` for the approving role; then the
 * people take `takes`; then the harness carries out its action (actions.ts). So step k ends at
 *
 *   alert + Σ_{i ≤ k} (approval delay_i + takes_i).
 *
 * In training the instructor may leave a playbook to the trainee (an objective
 * `respond-incident`): it still triggers, but nothing is scheduled; the trainee's chosen actions
 * are carried out as they come (`act`) and scored against the steps (src/harness/train).
 */
import type { Alert } from '../monitor/alert.js';
import { parseDurationMs } from '../scenario/duration.js';
import { SEVERITIES } from '../scenario/monitorSchema.js';
import type { PlaybookAction, PlaybookRole } from '../scenario/playbookSchema.js';
import type { PlaybookYaml } from '../scenario/schema.js';
import { carryOut, type ContainmentPort } from './actions.js';

export interface StepRecord {
  /** 1-based, in the playbook's order. */
  n: number;
  role: PlaybookRole;
  action: PlaybookAction;
  target?: string | undefined;
  startMs: number;
  /** When the approving role approved it (steps with an approval). */
  approval?: { role: PlaybookRole; atMs: number } | undefined;
  doneMs: number;
  /** The pumps the action acted on. */
  pumps: string[];
}

/** What the trainee did in a playbook left to them. */
export interface TraineeAction {
  tMs: number;
  action: PlaybookAction;
  target?: string | undefined;
  pumps: string[];
}

export interface PlaybookRunState {
  book: PlaybookYaml;
  trainee: boolean;
  trigger?: Alert | undefined;
  steps: StepRecord[];
  /** Actions the trainee chose, in order (trainee playbooks only). */
  chosen: TraineeAction[];
}

const RANK: Readonly<Record<string, number>> = Object.fromEntries(SEVERITIES.map((s, i) => [s, i]));

export class PlaybookRunner {
  readonly runs: PlaybookRunState[];

  constructor(
    books: readonly PlaybookYaml[],
    private readonly port: ContainmentPort,
    /** Playbooks (by id) left to a trainee; `true`: every one. */
    traineeBooks: ReadonlySet<string> | true = new Set(),
    private readonly onTrigger: (run: PlaybookRunState) => void = () => undefined,
  ) {
    this.runs = books.map((book) => ({ book, trainee: traineeBooks === true || traineeBooks.has(book.id), steps: [], chosen: [] }));
  }

  /** An alert of the monitor: every playbook it triggers starts now (once each). */
  onAlert(a: Alert): void {
    for (const r of this.runs) {
      if (r.trigger !== undefined) continue;
      const t = r.book.trigger;
      if (!(t.alerts as readonly string[]).includes(a.kind) || (RANK[a.severity] ?? 0) < (RANK[t.severity] ?? 0)) continue;
      r.trigger = a;
      this.port.trace(`playbook:${r.book.id} triggered`, `${a.kind} ${a.severity}`, 0);
      this.onTrigger(r);
      if (!r.trainee) this.schedule(r, 0, a.atMs);
    }
  }

  private schedule(r: PlaybookRunState, k: number, startMs: number): void {
    const step = r.book.steps[k];
    if (!step) return;
    const approvalMs = step.approval ? startMs + parseDurationMs(step.approval.delay) : undefined;
    const doneMs = (approvalMs ?? startMs) + parseDurationMs(step.takes);
    if (step.approval && approvalMs !== undefined) {
      const role = step.approval.role;
      this.port.at(approvalMs, () => this.port.trace(`playbook:${r.book.id} approved`, `step ${k + 1} by ${role}`, 0));
    }
    this.port.at(doneMs, () => {
      const pumps = carryOut(this.port, r.book.id, step.action, step.target);
      r.steps.push({ n: k + 1, role: step.role, action: step.action, target: step.target, startMs, ...(step.approval && approvalMs !== undefined ? { approval: { role: step.approval.role, atMs: approvalMs } } : {}), doneMs, pumps });
      this.schedule(r, k + 1, doneMs);
    });
  }

  /** A trainee's chosen action on a playbook left to them: carried out now. */
  act(playbookId: string, action: PlaybookAction, target: string | undefined): TraineeAction | undefined {
    const r = this.runs.find((x) => x.book.id === playbookId && x.trainee);
    if (!r) return undefined;
    const pumps = carryOut(this.port, playbookId, action, target);
    const deed = { tMs: this.port.nowMs(), action, ...(target !== undefined ? { target } : {}), pumps };
    r.chosen.push(deed);
    return deed;
  }
}
