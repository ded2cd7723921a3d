// The build's last step: tsc writes dist/harness/cli/main.js without the executable bit, and
// `npx infusim` (the package's own bin, run from a fresh clone) needs it.
import { chmodSync } from 'node:fs';
import { URL } from 'node:url';

chmodSync(new URL('../dist/harness/cli/main.js', import.meta.url), 0o755);
