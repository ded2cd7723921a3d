// npm run bench: every benchmark of the project, one after the other, printing its figures.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const scripts = ['bench/pumps.mjs', 'bench/fleet.mjs', 'bench/scale.mjs', 'bench/serial.mjs', 'bench/mqtt.mjs', 'bench/hl7.mjs'].filter((s) => existsSync(s));
let failed = 0;
for (const s of scripts) {
  console.log(`\n### ${s}`);
  const r = spawnSync(process.execPath, ['--expose-gc', s], { stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
