// npm run bench: every benchmark of the project, one after the other, printing its figures.
// bench/cluster.mjs runs at its default size here (3,000 pumps); the 100,000-pump fleet is
// `node bench/cluster.mjs --pumps 100000` (docs/scale.md).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const scripts = ['bench/pumps.mjs', 'bench/fleet.mjs', 'bench/scale.mjs', 'bench/serial.mjs', 'bench/mqtt.mjs', 'bench/cluster.mjs', 'bench/hl7.mjs'].filter((s) => existsSync(s));
let failed = 0;
for (const s of scripts) {
  console.log(`\n### ${s}`);
  const r = spawnSync(process.execPath, ['--expose-gc', s], { stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
