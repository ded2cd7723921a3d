/**
 * Incident figures of a run (docs/playbooks.md, Figures): per playbook, the alert that triggered
 * it, the attack the harness injected that the alert belongs to (its kind detects that attack and
 * it came within the attack's span plus `attributeWithin`, as for the detection figures), and:
 *
 * - time to detect: the alert's time minus the attack's start;
 * - time to contain: the end of the last containing step (PLAYBOOK_ACTIONS `contains`) minus the
 *   attack's start (minus the alert's time when no attack is known);
 * - infusions interrupted: `no-infusion-interrupted` violations from the attack's start (or the
 *   alert) to the end of the run;
 * - events lost: events the pumps the playbook acted on sent and the gateway never ingested;
 * - pumps affected: the pumps the playbook's actions acted on.
 */
import { isAttack, type AttackSpan } from '../monitor/detection.js';
import { ATTACKS, type DetectorKind, type Severity } from '../scenario/monitorSchema.js';
import { PLAYBOOK_ACTIONS } from '../scenario/playbookSchema.js';
import type { PlaybookRunState, StepRecord, TraineeAction } from './runtime.js';

export interface PlaybookResult {
  id: string;
  title?: string | undefined;
  triggered: boolean;
  trigger?: { kind: DetectorKind; severity: Severity; atMs: number; pumpId?: string | undefined; segment?: string | undefined; clientId?: string | undefined } | undefined;
  attack?: { what: string; target: string; startMs: number } | undefined;
  timeToDetectMs?: number | undefined;
  /** When the last containing step ended; absent when none did. */
  containedMs?: number | undefined;
  timeToContainMs?: number | undefined;
  steps: StepRecord[];
  /** A trainee's playbook: what the trainee chose (the steps above stay empty). */
  chosen?: TraineeAction[] | undefined;
  infusionsInterrupted: number;
  eventsLost: number;
  pumpsAffected: number;
}

export interface FigureInputs {
  spans: readonly AttackSpan[];
  attributeWithinMs: number;
  /** Every violation of the run (rule and time). */
  violations: readonly { rule: string; tMs: number }[];
  /** Events a pump sent and the gateway ingested, after the settle. */
  events: (pumpId: string) => { sent: number; ingested: number };
  interruptedRule: string;
}

export function playbookFigures(runs: readonly PlaybookRunState[], input: FigureInputs): PlaybookResult[] {
  return runs.map((r) => {
    const base = { id: r.book.id, ...(r.book.title !== undefined ? { title: r.book.title } : {}), steps: r.steps, ...(r.trainee ? { chosen: r.chosen } : {}) };
    const a = r.trigger;
    if (!a) return { ...base, triggered: false, infusionsInterrupted: 0, eventsLost: 0, pumpsAffected: 0 };
    const span = [...input.spans]
      .sort((x, y) => x.startMs - y.startMs)
      .find((s) => isAttack(s.what) && (ATTACKS[s.what] as readonly string[]).includes(a.kind) && a.atMs >= s.startMs && a.atMs <= s.endMs + input.attributeWithinMs);
    const fromMs = span?.startMs ?? a.atMs;
    const acted = [...r.steps.map((s) => ({ action: s.action, doneMs: s.doneMs, pumps: s.pumps })), ...r.chosen.map((c) => ({ action: c.action, doneMs: c.tMs, pumps: c.pumps }))];
    const containing = acted.filter((s) => PLAYBOOK_ACTIONS[s.action].contains);
    const containedMs = containing.length ? Math.max(...containing.map((s) => s.doneMs)) : undefined;
    const affected = new Set(acted.flatMap((s) => s.pumps));
    let lost = 0;
    for (const id of affected) {
      const e = input.events(id);
      lost += Math.max(0, e.sent - e.ingested);
    }
    return {
      ...base,
      triggered: true,
      trigger: { kind: a.kind, severity: a.severity, atMs: a.atMs, ...(a.pumpId !== undefined ? { pumpId: a.pumpId } : {}), ...(a.segment !== undefined ? { segment: a.segment } : {}), ...(a.clientId !== undefined ? { clientId: a.clientId } : {}) },
      ...(span ? { attack: { what: span.what, target: span.target, startMs: span.startMs }, timeToDetectMs: a.atMs - span.startMs } : {}),
      ...(containedMs !== undefined ? { containedMs, timeToContainMs: containedMs - fromMs } : {}),
      infusionsInterrupted: input.violations.filter((v) => v.rule === input.interruptedRule && v.tMs >= fromMs).length,
      eventsLost: lost,
      pumpsAffected: affected.size,
    };
  });
}
