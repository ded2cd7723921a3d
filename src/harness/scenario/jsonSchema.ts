/**
 * The JSON Schema of scenario files, for editors (completion, hover text, squiggles). Generated
 * from the zod schema (schema.ts) with `z.toJSONSchema`, then enriched with what zod cannot say:
 * duration patterns, per-action and per-fault args with their defaults (timelineTable.ts), alarm
 * ids, and descriptions. The loader (load.ts) remains the authority; this schema is a helper that
 * may accept a little more.
 *
 * scripts/gen-schema.mjs writes it to scenarios/scenario.schema.json; a test checks that the
 * committed file equals a fresh generation.
 */
import { z } from 'zod';
import { ALARM_IDS } from '../../sim/alarms/alarmTable.js';
import { ACTIONS, FAULTS, type ArgSpec, type ArgSpecs } from './timelineTable.js';
import { duration, scenarioSchema, target } from './schema.js';

export const SCENARIO_SCHEMA_ID = 'urn:infusim:scenario';
export const SCENARIO_SCHEMA_FILE = 'scenarios/scenario.schema.json';

type Json = Record<string, unknown>;

const DURATION_PATTERN = '^\\s*((\\d+(\\.\\d+)?)(ms|s|min|m|h|d))+\\s*$';

/** Hover text, by field path ([] for list items). */
const DESCRIPTIONS: Record<string, string> = {
  '': 'An infusim scenario: a fleet, a seed, a duration, a timeline of actions and faults, and expectations (docs/scenarios.md).',
  name: 'Scenario id: 1 to 32 characters of a-z 0-9 _ -.',
  description: 'Free text shown in reports.',
  seed: 'Seed of every random draw in the run (0 to 4294967295): the same seed gives the same run.',
  duration: 'How long the run lasts in virtual time.',
  library: "Drug library JSON file, relative to the scenario file. Default: the shipped scenarios/druglib/general-hospital.json.",
  site: 'The hospital: network segments and care units with their pumps.',
  'site.name': 'Display name of the site.',
  'site.segments': 'Network segments (targets of partition, latency and other network faults).',
  'site.segments[].id': 'Segment id, used by units (segment:) and targets (segment:<id>).',
  'site.units': 'Care units, each with a care area of the drug library, a segment and pump groups.',
  'site.units[].id': 'Unit id. Pumps are named <unit id>-<n>, n from 1 across the unit\'s pump groups.',
  'site.units[].name': 'Display name of the unit.',
  'site.units[].careArea': 'Care area id in the drug library (e.g. icu, medsurg, neonatal).',
  'site.units[].segment': 'Id of the network segment the unit is on (one of site.segments).',
  'site.units[].pumps': 'Pump groups of the unit.',
  'site.units[].pumps[].type': 'lvp (large-volume pump) or syringe.',
  'site.units[].pumps[].count': 'How many pumps of this group (1 to 20000).',
  'site.units[].pumps[].firmware': 'Firmware version reported by these pumps (target them with firmware:<version>).',
  'site.units[].pumps[].prefix': 'Name these pumps <prefix>-<n> instead of <unit id>-<n>.',
  'site.units[].patients': 'Generated activity: patients get programs drawn at random and normal-day faults happen. Without it, only the timeline acts on the unit.',
  'site.units[].patients.pcaFraction': 'Fraction of programs that are PCA.',
  'site.units[].patients.basicFraction': 'Fraction of programs that are basic (mL/h, no library); the rest are dose programs from the library.',
  'site.units[].patients.occlusionsPerDay': 'Mean occlusions per pump per 24 h.',
  'site.units[].patients.airPerDay': 'Mean air-in-line events per pump per 24 h.',
  'site.units[].patients.doorPerDay': 'Mean door openings per pump per 24 h.',
  'site.units[].patients.mainsLossPerDay': 'Mean mains losses per pump per 24 h.',
  'site.units[].nurse': "The unit's nurses.",
  'site.units[].nurse.respond': 'Do nurses answer alarms on their own? Set false for drills where the timeline does it.',
  'site.units[].nurse.responseTime': 'A nurse answers an alarm after a time drawn uniformly from [min, max].',
  link: 'The network between pumps and the gateway, all the time (faults add to it).',
  'link.latency': 'One-way message latency.',
  'link.jitter': 'Random extra latency, up to this much.',
  'link.loss': 'Fraction of messages lost.',
  'link.duplicate': 'Fraction of messages delivered twice.',
  'link.reorder': 'Fraction of messages delivered out of order.',
  telemetryEvery: 'Status telemetry period of every pump.',
  releases: 'Firmware releases: built in the run and signed with a key derived from the seed (version:), or made with infusim firmware build|sign and named by their files (image:, manifest:, trust:) (docs/scenarios.md, Firmware and library updates).',
  'releases[].id': 'Release id, named by rollout.release, firmware-offer and rollout-rollback.',
  'releases[].version': 'The version it installs: MAJOR.MINOR.PATCH. For a release built in the run; not with image:.',
  'releases[].image': 'A release from files: the image made by infusim firmware build, relative to the scenario file. With manifest: and trust:.',
  'releases[].manifest': 'A release from files: its manifest, signed with infusim firmware sign, relative to the scenario file. Version, model, profile and sequence come from it.',
  'releases[].trust': 'A release from files: the public key (infusim keys gen) the pumps trust for it, relative to the scenario file.',
  'releases[].profile': 'The behaviour profile the version runs (docs/firmware.md), e.g. fails-self-test-on-lvp for a bad patch.',
  'releases[].minVersion': 'The anti-rollback floor it sets once committed (default: its version).',
  'releases[].tamper': 'Build a bad release on purpose; the pump refuses each kind with its reason.',
  libraries: 'Signed drug library packages (library-offer sends one).',
  rollout: 'A staged rollout of one release: targets, waves, gates, approval, policy (docs/rollout.md).',
  'rollout.release': 'The release to roll out (an id of releases:).',
  'rollout.approval': "'none', 'required' (waits for a rollout-approve action) or the time it is approved.",
  'rollout.policy': 'A rollout policy file (scenarios/policies/*.yaml), relative to the scenario; inline waves, gates and window win.',
  timeline: 'Actions and faults at given times.',
  'timeline[].at': 'When it happens (from the start of the run).',
  'timeline[].spread': 'Each target gets at + a random draw in [0, spread).',
  'timeline[].action': 'What a person does to the targeted pumps (exactly one of action or fault).',
  'timeline[].fault': 'A fault to inject (exactly one of action or fault).',
  'timeline[].target': 'Who it acts on: a pump id, unit:<id>, segment:<id>, type:<lvp|syringe>, firmware:<version>, all, site or gateway. Default all.',
  'timeline[].fraction': 'Act on this fraction of the targets, drawn with the seed.',
  'timeline[].end': 'A fault ends (its cause clears) at this time; with every:, repeating stops here.',
  'timeline[].delay': 'The action happens after a nurse response time drawn from [min, max].',
  'timeline[].every': 'Repeat every this long until end: (needs end:).',
  'timeline[].args': 'Arguments of the action or fault (see docs/scenarios.md).',
  expect: 'Checks on the run, on top of the safety invariants that always hold.',
  outcome: 'The expected outcome: pass, or violation for teaching scenarios that show a failure.',
};

function durationJson(json: Json): void {
  for (const k of Object.keys(json)) if (k !== 'default') delete json[k];
  json.anyOf = [
    { type: 'string', pattern: DURATION_PATTERN },
    { type: 'number', minimum: 0 },
  ];
}

const DURATION_TEXT = 'A duration like 90s, 5m, 2h, 1h30m or 250ms, or a number of milliseconds.';

function isDuration(node: Json): boolean {
  const alts = node.anyOf;
  return Array.isArray(alts) && isObj(alts[0]) && alts[0].pattern === DURATION_PATTERN;
}

function argJson(spec: ArgSpec): Json {
  const json = argTypeJson(spec);
  if ('default' in spec && spec.default !== undefined) json.default = spec.default;
  return json;
}

function argTypeJson(spec: ArgSpec): Json {
  switch (spec.kind) {
    case 'number':
      return { type: 'number', ...(spec.min !== undefined ? { minimum: spec.min } : {}), ...(spec.max !== undefined ? { maximum: spec.max } : {}), ...(spec.unit ? { description: spec.unit } : {}) };
    case 'boolean':
      return { type: 'boolean' };
    case 'enum':
      return { type: 'string', enum: [...spec.values] };
    case 'alarm':
      return { type: 'string', enum: [...ALARM_IDS] };
    case 'command':
      return { type: 'string', description: 'A protocol command line without an id, e.g. "PAUSE".' };
    case 'string':
      return { type: 'string', description: spec.what };
  }
}

function argsRules(field: 'action' | 'fault', table: Readonly<Record<string, { args: ArgSpecs }>>): Json[] {
  return Object.entries(table).map(([name, { args: specs }]) => ({
    if: { properties: { [field]: { const: name } }, required: [field] },
    then: {
      properties: {
        args: { type: 'object', properties: Object.fromEntries(Object.entries(specs).map(([k, s]) => [k, argJson(s)])), additionalProperties: false },
      },
    },
  }));
}

function isObj(v: unknown): v is Json {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Walk the generated schema adding descriptions and the rules zod cannot express. */
function enrich(node: unknown, path: string, describe = true): void {
  if (!isObj(node)) return;
  const desc = describe ? DESCRIPTIONS[path] : undefined;
  if (isDuration(node)) node.description = desc === undefined ? DURATION_TEXT : `${desc} ${DURATION_TEXT}`;
  else if (desc !== undefined) node.description = desc;
  const props = node.properties;
  if (isObj(props)) {
    const check = isObj(props.check) ? props.check.const : undefined;
    if ((check === 'alarm' || check === 'no-alarm' || check === 'escalation') && isObj(props.alarm)) props.alarm.enum = [...ALARM_IDS];
    if (isObj(props.action) && isObj(props.fault) && isObj(props.at)) {
      node.oneOf = [{ required: ['action'] }, { required: ['fault'] }];
      node.allOf = [...argsRules('action', ACTIONS), ...argsRules('fault', FAULTS)];
    }
    for (const [k, v] of Object.entries(props)) enrich(v, path ? `${path}.${k}` : k);
  }
  if (node.items !== undefined) enrich(node.items, `${path}[]`);
  for (const k of ['anyOf', 'oneOf', 'allOf'] as const) {
    const alts = node[k];
    if (Array.isArray(alts)) for (const a of alts) enrich(a, path, false);
  }
}

/** The JSON Schema (draft-07, the draft editors support best) of the scenario file format. */
export function scenarioJsonSchema(): Json {
  const generated = z.toJSONSchema(scenarioSchema, {
    io: 'input',
    target: 'draft-07',
    override: (ctx) => {
      const json = ctx.jsonSchema as Json;
      if (ctx.zodSchema === duration) durationJson(json);
      else if (ctx.zodSchema === target) json.description = DESCRIPTIONS['timeline[].target'];
    },
  }) as Json;
  const { $schema, ...rest } = generated;
  const out: Json = { $schema, $id: SCENARIO_SCHEMA_ID, title: 'infusim scenario', ...rest };
  enrich(out, '');
  return out;
}

/** The text of scenarios/scenario.schema.json. */
export function scenarioJsonSchemaText(): string {
  return `${JSON.stringify(scenarioJsonSchema(), null, 2)}\n`;
}
