import type { Command } from 'commander';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { generateKeyFiles } from '../release/keyFiles.js';

export function registerKeys(program: Command): void {
  const keys = program.command('keys').description('Ed25519 signing keys for firmware images and drug libraries');
  keys
    .command('gen')
    .description('generate a key pair: <name>.key (private, mode 0600) and <name>.pub (public)')
    .option('--out <dir>', 'directory to write to (made, mode 0700, if missing)', '.')
    .option('--name <name>', 'file name without extension', 'infusim-signing')
    .option('--force', 'replace an existing key pair of that name (releases signed with the old key no longer verify against the new one)')
    .action((opts: { out: string; name: string; force?: boolean }) => {
      const priv = join(opts.out, `${opts.name}.key`);
      const pub = join(opts.out, `${opts.name}.pub`);
      mkdirSync(opts.out, { recursive: true, mode: 0o700 });
      const { keyId } = generateKeyFiles(priv, pub, { force: opts.force === true });
      process.stdout.write(`key id ${keyId}\nprivate ${priv} (keep it secret)\npublic  ${pub} (give it to the pumps)\n`);
    });
}
