/** Regenerate contracts/*.schema.json from the zod schemas: `npx tsx src/harness/contract/writeContracts.ts`. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../paths.js';
import { contractSchemas } from './jsonSchemas.js';

for (const [leaf, schema] of Object.entries(contractSchemas())) {
  const file = join(PACKAGE_ROOT, 'contracts', `${leaf}.schema.json`);
  writeFileSync(file, JSON.stringify(schema, null, 2) + '\n');
  process.stdout.write(`wrote ${file}\n`);
}
