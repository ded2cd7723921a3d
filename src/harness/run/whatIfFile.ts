/**
 * The files `infusim run --compare a.yaml b.yaml` takes (docs/rollout.md, What-if comparisons;
 * docs/monitoring.md, Comparing two rule settings): two rollout policies or two monitor settings.
 * The kind is read from the file's top-level keys: a file with `monitor:`, or with a key of the
 * scenario's `monitor:` section (baseline, rules, allow, ...), holds monitor settings; any other
 * file is a rollout policy (name, waves, gates, window). A monitor settings file is checked with
 * the scenario's `monitor:` schema and against the scenario's segments; every problem is refused
 * with file:line:column (a ScenarioError) before anything runs, as is a pair of two kinds.
 */
import { basename, resolve } from 'node:path';
import { isMap, isPair } from 'yaml';
import { loadPolicyFile } from '../rollout/runtime.js';
import { fleetPumps } from '../scenario/fleet.js';
import { readScenarioFile, type LoadedScenario } from '../scenario/load.js';
import { monitorProblems } from '../scenario/monitorChecks.js';
import { monitorSchemaOf } from '../scenario/monitorSchema.js';
import { MAX_YAML_ALIAS_EXPANSIONS } from '../scenario/limits.js';
import { keyText, rangeStart, ScenarioProblems, yamlMessage, type Path } from '../scenario/problems.js';
import { duration, rolloutPolicySchema, type MonitorYaml, type RolloutPolicyYaml } from '../scenario/schema.js';
import { describeValue } from '../scenario/words.js';
import { reportIssue } from '../scenario/zodWording.js';

const monitorSchema = monitorSchemaOf(duration);
/** The keys of a scenario's `monitor:` section: one of them at the top makes a monitor settings file. */
export const MONITOR_KEYS = Object.keys(monitorSchema.shape);
const POLICY_KEYS = Object.keys(rolloutPolicySchema.shape);

export type WhatIfFile = { kind: 'policy'; file: string; label: string; policy: RolloutPolicyYaml & { name: string } } | { kind: 'monitor'; file: string; label: string; monitor: MonitorYaml };

const KIND_WORDS = { policy: 'a rollout policy', monitor: 'monitor settings' } as const;

/** Read one --compare file: its kind, then its content checked with the matching schema. Throws ScenarioError. */
export function loadWhatIfFile(path: string, loaded: LoadedScenario): WhatIfFile {
  const ctx = new ScenarioProblems(readScenarioFile(path, '--compare file'), path);
  for (const e of ctx.doc.errors) ctx.at(e.pos[0], '', yamlMessage(e.code, e.message));
  if (ctx.problems.length > 0) throw ctx.error();
  const data: unknown = ctx.doc.toJS({ maxAliasCount: MAX_YAML_ALIAS_EXPANSIONS });
  const label = basename(path).replace(/\.ya?ml$/, '');
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    ctx.add([], `a --compare file is a YAML mapping: a rollout policy (${POLICY_KEYS.join(', ')}) or monitor settings (monitor:, or ${MONITOR_KEYS.join(', ')})`, {}, `got ${describeValue(data)}`);
    throw ctx.error();
  }
  const top = data as Record<string, unknown>;
  const monitorKey = 'monitor' in top ? 'monitor' : Object.keys(top).find((k) => MONITOR_KEYS.includes(k));
  if (monitorKey === undefined) {
    const r = rolloutPolicySchema.safeParse(data);
    if (!r.success) for (const issue of r.error.issues) reportIssue(ctx, rolloutPolicySchema, data, issue);
    if (ctx.problems.length > 0) throw ctx.error();
    const policy = loadPolicyFile(resolve(path));
    return { kind: 'policy', file: path, label: policy.name, policy };
  }
  // Monitor settings: `monitor: {...}` (the section as a scenario writes it) or the section's content at the top.
  const wrapped = 'monitor' in top;
  for (const k of Object.keys(top)) {
    if (wrapped && k !== 'monitor') ctx.add([k], `a file with monitor: holds nothing else (found "${k}")`, { onKey: true });
    else if (POLICY_KEYS.includes(k)) ctx.add([k], `"${k}" is a rollout policy key, but "${monitorKey}" makes this a monitor settings file: a --compare file is one or the other`, { onKey: true });
  }
  const at: Path = wrapped ? ['monitor'] : [];
  const section = wrapped ? (top.monitor ?? {}) : Object.fromEntries(Object.entries(top).filter(([k]) => !POLICY_KEYS.includes(k)));
  const r = monitorSchema.safeParse(section);
  if (!r.success) for (const issue of r.error.issues) reportIssue(ctx, monitorSchema, section, issue, at);
  const s = loaded.scenario;
  const fleet = { pumps: fleetPumps(s), segmentIds: s.site.segments.map((g) => g.id) };
  for (const p of monitorProblems({ monitor: section }, fleet)) ctx.add([...at, ...p.path.slice(1)], p.message);
  if (ctx.problems.length > 0 || !r.success) throw ctx.error();
  return { kind: 'monitor', file: path, label, monitor: r.data };
}

/** Both files, of one kind; a pair of two kinds is refused at the second file's first key. */
export function loadWhatIfPair(a: string, b: string, loaded: LoadedScenario): [WhatIfFile, WhatIfFile] {
  const fa = loadWhatIfFile(a, loaded);
  const fb = loadWhatIfFile(b, loaded);
  if (fa.kind !== fb.kind) {
    const ctx = new ScenarioProblems(readScenarioFile(b, '--compare file'), b);
    const first = isMap(ctx.doc.contents) ? ctx.doc.contents.items.find(isPair) : undefined;
    const what = first ? ` (its key "${keyText(first.key)}")` : '';
    ctx.at(first ? rangeStart(first.key) : 0, '', `${KIND_WORDS[fb.kind]}${what}, but ${a} is ${KIND_WORDS[fa.kind]}: --compare takes two rollout policies or two monitor settings files, not one of each`);
    throw ctx.error();
  }
  if (fa.label === fb.label) return [{ ...fa, label: a }, { ...fb, label: b }];
  return [fa, fb];
}

