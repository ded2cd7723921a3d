import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../../src/harness/paths.js';
import { scenarioJsonSchema, scenarioJsonSchemaText, SCENARIO_SCHEMA_FILE } from '../../../src/harness/scenario/jsonSchema.js';
import { loadScenarioFile, parseScenarioText, ScenarioError } from '../../../src/harness/scenario/load.js';
import { ACTION_NAMES, FAULT_NAMES } from '../../../src/harness/scenario/schema.js';

const SCENARIOS = join(PACKAGE_ROOT, 'scenarios');

function yamlFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      // druglib: drug libraries; policies: rollout policies (docs/rollout.md); training: training
      // files, checked by their own loader (test/harness/train); alert-fatigue: its monitor settings
      // for --compare (docs/monitoring.md, test/harness/monitor/compare.test.ts). None of these is a plain scenario.
      if (!['druglib', 'policies', 'training', 'alert-fatigue'].includes(relative(SCENARIOS, p))) out.push(...yamlFiles(p));
    } else if (/\.ya?ml$/.test(e.name)) out.push(p);
  }
  return out.sort();
}

describe('the JSON Schema for editors', () => {
  it('is committed and up to date (regenerate: node --import tsx scripts/gen-schema.mjs)', () => {
    const committed = readFileSync(join(PACKAGE_ROOT, SCENARIO_SCHEMA_FILE), 'utf8');
    expect(committed).toBe(scenarioJsonSchemaText());
  });

  it('has an id and a title, and knows the actions, faults and durations', () => {
    const s = scenarioJsonSchema() as { $id: string; title: string; required: string[]; properties: Record<string, Record<string, unknown>> };
    expect(s.$id).toBe('urn:infusim:scenario');
    expect(s.title).toBe('infusim scenario');
    expect(s.required).toEqual(['name', 'seed', 'duration', 'site']);
    const text = JSON.stringify(s);
    for (const n of [...ACTION_NAMES, ...FAULT_NAMES]) expect(text).toContain(`{"const":"${n}"}`);
    expect(JSON.stringify(s.properties.duration)).toContain('"pattern"');
  });
});

describe('the scenario files in scenarios/', () => {
  it('all load without problems', () => {
    const problems: string[] = [];
    for (const file of yamlFiles(SCENARIOS)) {
      try {
        loadScenarioFile(file);
      } catch (e) {
        problems.push(e instanceof ScenarioError ? e.message : `${file}: ${(e as Error).message}`);
      }
    }
    expect(problems.join('\n')).toBe('');
  });
});

describe('docs/scenarios.md', () => {
  const doc = readFileSync(join(PACKAGE_ROOT, 'docs', 'scenarios.md'), 'utf8');
  const blocks = [...doc.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1] ?? '').filter((b) => /^seed:/m.test(b));

  it('has a complete example, and every complete example loads', () => {
    expect(blocks.length).toBeGreaterThan(0);
    for (const b of blocks) expect(() => parseScenarioText(b, join(SCENARIOS, 'example.yaml'))).not.toThrow();
  });

  it('documents every action, fault, check and top-level field', () => {
    for (const n of [...ACTION_NAMES, ...FAULT_NAMES]) expect(doc).toContain(`| \`${n}\` |`);
    const s = scenarioJsonSchema() as { properties: Record<string, unknown> };
    for (const k of Object.keys(s.properties)) expect(doc).toContain(`| \`${k}\` |`);
    for (const c of ['alarm', 'no-alarm', 'no-infusion-interrupted', 'events-exactly-once', 'within-hard-limits', 'no-unauthorised-change', 'commands-refused', 'delivered', 'state']) expect(doc).toContain(`| \`${c}\` |`);
  });
});
