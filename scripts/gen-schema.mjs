// Write scenarios/scenario.schema.json (the JSON Schema of scenario files, for editors) from the
// zod schema in src/harness/scenario/schema.ts. Run: node --import tsx scripts/gen-schema.mjs
// With --check, write nothing and exit 1 if the committed file is stale.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath, URL } from 'node:url';
import { SCENARIO_SCHEMA_FILE, scenarioJsonSchemaText } from '../src/harness/scenario/jsonSchema.ts';

const out = fileURLToPath(new URL(`../${SCENARIO_SCHEMA_FILE}`, import.meta.url));
const text = scenarioJsonSchemaText();
let current = '';
try {
  current = readFileSync(out, 'utf8');
} catch {
  // not generated yet
}
if (process.argv.includes('--check')) {
  if (current !== text) {
    console.error(`${SCENARIO_SCHEMA_FILE} is stale; run: node --import tsx scripts/gen-schema.mjs`);
    process.exit(1);
  }
  console.log(`${SCENARIO_SCHEMA_FILE} is up to date`);
} else if (current === text) {
  console.log(`${SCENARIO_SCHEMA_FILE} is up to date`);
} else {
  writeFileSync(out, text);
  console.log(`wrote ${SCENARIO_SCHEMA_FILE}`);
}
