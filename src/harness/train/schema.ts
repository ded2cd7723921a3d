/**
 * Training scenario files (docs/training.md): a normal scenario file (docs/scenarios.md) plus
 * `training:` (a brief for the trainee) and `objectives:` (what the trainee must do, each with a
 * score and a hint). The scenario part goes through the main loader, so it gets the same checks
 * and the same file:line:column errors; the training part is checked here with the loader's
 * positions and problems (scenario/problems.ts) and its zod wording (scenario/zodWording.ts).
 */
import { isMap, isNode, isPair, isScalar } from 'yaml';
import { z } from 'zod';
import { ALARM_IDS, isAlarmId } from '../../sim/alarms/alarmTable.js';
import { findCareArea, findDrug } from '../../sim/druglib/load.js';
import { loadLibraryFile } from '../paths.js';
import { parseDurationMs } from '../scenario/duration.js';
import { fleetPumps, resolveTarget } from '../scenario/fleet.js';
import { parseScenarioText, readScenarioFile, scenarioLibraryPath, type LoadedScenario } from '../scenario/load.js';
import { firstAliasOffset, ScenarioError, ScenarioProblems } from '../scenario/problems.js';
import { reportIssue } from '../scenario/zodWording.js';
import { MAX_YAML_ALIAS_EXPANSIONS } from '../scenario/limits.js';
import { duration, target } from '../scenario/schema.js';

const objectiveId = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,31}$/, 'an objective id is 1 to 32 characters of a-z 0-9 _ -');

const base = {
  id: objectiveId,
  /** What the debrief calls it. */
  title: z.string().min(1).max(120),
  /** Points for meeting it. */
  score: z.number().int().min(0).max(1000),
  /** Shown in the debrief (and to the instructor): what to do next time. */
  hint: z.string().min(1).max(400),
  /** What the trainee is told on the task list (an order, a request); none: the trainee must notice. */
  task: z.string().max(400).optional(),
  target,
  /** When the objective starts counting (for triggered ones: the earliest trigger). */
  after: duration.default(0),
  /** How long the trainee has, from the start (or the trigger). */
  within: duration,
};

export const objectiveSchema = z.discriminatedUnion('kind', [
  /** Silence or acknowledge `alarm` at the pump within `within` of it being raised. */
  z.object({ kind: z.literal('respond-alarm'), alarm: z.string(), ...base }).strict(),
  /** After an occlusion alarm: clear the line, acknowledge and resume at the same rate. */
  z.object({ kind: z.literal('clear-occlusion'), ...base }).strict(),
  /** Program and start an order from the drug library (a soft limit may need confirming). */
  z.object({ kind: z.literal('follow-order'), drug: z.string(), dose: z.number().positive(), ...base }).strict(),
  /** An order crosses a hard limit: see the refusal, query the order, never bypass the library. */
  z.object({ kind: z.literal('refuse-hard-limit'), ...base }).strict(),
  /** A pump runs at ten times its order: bring it to `rate` mL/h (within 10 %). */
  z.object({ kind: z.literal('fix-rate-slip'), rate: z.number().positive(), ...base }).strict(),
  /** A client that is not the gateway sends commands to the pump: report it. */
  z.object({ kind: z.literal('report-unknown-source'), ...base }).strict(),
  /** A firmware prompt from an unverified source appears on the pump at `after`: decline it. */
  z.object({ kind: z.literal('decline-firmware'), text: z.string().max(300).default('A firmware update is available from 10.20.0.66. Install now?'), ...base }).strict(),
  /** Through a network fault: no infusion on the targeted pumps is paused or stopped by the trainee. */
  z.object({ kind: z.literal('keep-running'), ...base }).strict(),
  /**
   * The playbook `playbook` is left to the trainee (docs/playbooks.md, Training): once it triggers,
   * the trainee chooses the actions; each step scores `score` when done right, in order, and by the
   * step's planned end plus `within`.
   */
  z.object({ kind: z.literal('respond-incident'), playbook: z.string().max(32), ...base, target: target.default('all') }).strict(),
]);

export const trainingSchema = z
  .object({
    /** What the trainee reads before starting. */
    brief: z.string().max(2000).default(''),
  })
  .strict();

export type Objective = z.infer<typeof objectiveSchema>;
export type ObjectiveKind = Objective['kind'];
export const OBJECTIVE_KINDS: readonly ObjectiveKind[] = ['respond-alarm', 'clear-occlusion', 'follow-order', 'refuse-hard-limit', 'fix-rate-slip', 'report-unknown-source', 'decline-firmware', 'keep-running', 'respond-incident'];

export interface LoadedTraining extends LoadedScenario {
  brief: string;
  objectives: Objective[];
}

const TRAINING_KEYS = ['objectives', 'training'] as const;

/** Read, parse and check a training file; throws ScenarioError listing every problem (file:line:column). */
export function loadTrainingFile(path: string): LoadedTraining {
  return parseTrainingText(readScenarioFile(path, 'training file'), path);
}

export function parseTrainingText(text: string, fileName: string): LoadedTraining {
  // Positions and problems as the scenario loader keeps them (scenario/problems.ts).
  const problems = new ScenarioProblems(text, fileName);
  const doc = problems.doc;
  // Blank the training keys out of the text (same length, same lines) so the scenario loader
  // sees a plain scenario and its positions stay right.
  let scenarioText = text;
  const raw: Record<string, unknown> = {};
  if (doc.errors.length === 0 && isMap(doc.contents)) {
    for (const pair of doc.contents.items) {
      if (!isPair(pair) || !isScalar(pair.key)) continue;
      const key = String(pair.key.value);
      if (!(TRAINING_KEYS as readonly string[]).includes(key)) continue;
      const start = pair.key.range?.[0] ?? 0;
      const v = pair.value as { range?: [number, number, number] | null } | null;
      const end = v?.range?.[1] ?? pair.key.range?.[1] ?? start;
      scenarioText = scenarioText.slice(0, start) + scenarioText.slice(start, end).replace(/[^\n]/g, ' ') + scenarioText.slice(end);
      try {
        raw[key] = isNode(pair.value) ? pair.value.toJS(doc, { maxAliasCount: MAX_YAML_ALIAS_EXPANSIONS }) : null;
      } catch (e) {
        if (!(e instanceof ReferenceError)) throw e;
        problems.at(firstAliasOffset(doc), key, `YAML aliases expand to too much data (${e.message}): a file may expand aliases at most ${MAX_YAML_ALIAS_EXPANSIONS} times (MAX_YAML_ALIAS_EXPANSIONS)`);
        throw problems.error();
      }
    }
  }
  let loaded: LoadedScenario | undefined;
  try {
    loaded = parseScenarioText(scenarioText, fileName);
  } catch (e) {
    if (!(e instanceof ScenarioError)) throw e;
    problems.problems.push(...e.problems);
  }

  const training = trainingSchema.safeParse(raw.training ?? {});
  if (!training.success) for (const i of training.error.issues) reportIssue(problems, trainingSchema, raw.training ?? {}, i, ['training']);
  const objectives: Objective[] = [];
  if (raw.objectives === undefined) {
    problems.at(0, 'objectives', 'a training file needs objectives: (a list of what the trainee must do)');
  } else if (!Array.isArray(raw.objectives) || raw.objectives.length === 0) {
    problems.add(['objectives'], 'objectives: is a list of at least one objective');
  } else {
    raw.objectives.forEach((o: unknown, i: number) => {
      const r = objectiveSchema.safeParse(o);
      if (!r.success) {
        for (const issue of r.error.issues) {
          const kind = (o as { kind?: unknown } | null)?.kind;
          if (issue.path[issue.path.length - 1] === 'kind' || (issue.code === 'invalid_union' && issue.path.length === 0)) {
            problems.add(['objectives', i, 'kind'], `expected one of ${OBJECTIVE_KINDS.join(', ')}; got ${JSON.stringify(kind ?? null)}`);
          } else reportIssue(problems, objectiveSchema, o, issue, ['objectives', i]);
        }
        return;
      }
      objectives.push(r.data);
      if (loaded) checkObjective(r.data, i, loaded, (path, m) => problems.add(path, m));
    });
    const ids = new Set<string>();
    objectives.forEach((o, i) => {
      if (ids.has(o.id)) problems.add(['objectives', i, 'id'], `objective id "${o.id}" is used twice`);
      ids.add(o.id);
    });
  }
  if (problems.problems.length > 0 || !loaded || !training.success) throw problems.error();
  return { ...loaded, brief: training.data.brief, objectives };
}

function checkObjective(o: Objective, i: number, loaded: LoadedScenario, add: (path: (string | number)[], message: string) => void): void {
  const s = loaded.scenario;
  const fleet = fleetPumps(s);
  const p = (k: string): (string | number)[] => ['objectives', i, k];
  const pumps = resolveTarget(o.target, fleet);
  if (pumps.length === 0) add(p('target'), `target "${o.target}" selects no pump (pumps: ${fleet.slice(0, 12).map((f) => f.id).join(', ')}${fleet.length > 12 ? ', ...' : ''})`);
  const durationMs = parseDurationMs(s.duration);
  const afterMs = parseDurationMs(o.after);
  if (afterMs > durationMs) add(p('after'), `after (${String(o.after)}) is past the end of the scenario (${String(s.duration)})`);
  if (parseDurationMs(o.within) <= 0) add(p('within'), 'within must be above 0');
  if (o.kind === 'respond-alarm' && !isAlarmId(o.alarm)) add(p('alarm'), `unknown alarm "${o.alarm}"; expected one of: ${ALARM_IDS.join(', ')}`);
  if (o.kind === 'respond-incident' && !(s.playbooks ?? []).some((b) => b.id === o.playbook)) {
    const ids = (s.playbooks ?? []).map((b) => b.id);
    add(p('playbook'), ids.length ? `no playbook "${o.playbook}" in the scenario (playbooks: ${ids.join(', ')})` : `no playbook "${o.playbook}": the scenario has no playbooks: section (docs/playbooks.md)`);
  }
  if (o.kind === 'follow-order') {
    const library = loadLibraryFile(scenarioLibraryPath(loaded));
    for (const fp of pumps) {
      const area = findCareArea(library, fp.careArea);
      if (!area || !findDrug(area, o.drug)) {
        add(p('drug'), `drug "${o.drug}" is not in care area ${fp.careArea} of the library`);
        break;
      }
    }
  }
}
