import type { Command } from 'commander';
import { writeFileSync } from 'node:fs';
import { DrugLibraryError, parseDrugLibrary } from '../../sim/druglib/load.js';
import { LIBRARY_PACKAGE_FORMAT, libraryPackageSchema, signLibraryPackage, verifyLibraryPackage } from '../../sim/firmware/libraryPackage.js';
import { keyIdOf } from '../../sim/firmware/signing.js';
import { readJsonFile, readPrivateKey, readPublicKey, trustedKeyMap } from '../release/keyFiles.js';
import { issuesLine, parseModels, parseSequence, type Model } from './releaseOptions.js';

const TEN_YEARS_MS = 10 * 365 * 86_400_000;

export function registerLibrary(program: Command): void {
  const lib = program.command('library').description('signed drug library packages (docs/firmware.md)');
  lib
    .command('sign')
    .description('validate a drug library and sign it into a package')
    .requiredOption('--library <file>', 'drug library JSON (infusim-druglib/1)')
    .requiredOption('--key <file>', 'private key (infusim keys gen)')
    .requiredOption('--sequence <n>', 'release counter, increasing with every package (against replay)', parseSequence)
    .requiredOption('--out <file>', 'package to write')
    .option('--models <list>', 'pump models it is for (comma-separated)', parseModels, ['lvp', 'syringe'] as Model[])
    .action((o: { library: string; key: string; sequence: number; out: string; models: Model[] }) => {
      let library;
      try {
        library = parseDrugLibrary(readJsonFile(o.library, 'drug library'), o.library);
      } catch (e) {
        if (e instanceof DrugLibraryError) throw new Error(`drug library ${o.library} is not valid: ${e.problems.join('; ')}`);
        throw e;
      }
      const key = readPrivateKey(o.key);
      const parsed = libraryPackageSchema.safeParse({
        format: LIBRARY_PACKAGE_FORMAT,
        library,
        sequence: o.sequence,
        issuedMs: 0,
        expiresMs: TEN_YEARS_MS,
        hardwareModels: o.models,
        keyId: keyIdOf(readPublicKey(o.key)),
      });
      if (!parsed.success) throw new Error(`cannot build the library package: ${issuesLine(parsed.error.issues)}`);
      const pkg = parsed.data;
      writeFileSync(o.out, JSON.stringify(signLibraryPackage(pkg, key), null, 2) + '\n');
      process.stdout.write(`signed ${library.name}@${library.version} (sequence ${pkg.sequence}) into ${o.out}\n`);
    });
  lib
    .command('inspect')
    .description('show a library package and check its signature; exit 1 if it does not verify')
    .requiredOption('--package <file>', 'signed library package')
    .option('--trust <file...>', 'public keys the pump trusts', [])
    .action((o: { package: string; trust: string[] }) => {
      const v = verifyLibraryPackage(readJsonFile(o.package, 'package'), trustedKeyMap(o.trust));
      if (v.ok) {
        const p = v.pkg;
        const drugs = p.library.careAreas.reduce((n, a) => n + a.drugs.length, 0);
        process.stdout.write(
          [`library     ${p.library.name}@${p.library.version}`, `care areas  ${p.library.careAreas.map((a) => a.id).join(', ')} (${drugs} drug entries)`, `models      ${p.hardwareModels.join(', ')}`, `sequence    ${p.sequence}`, `key id      ${p.keyId}`, 'signature   valid (trusted key)'].join('\n') + '\n',
        );
      } else {
        process.stdout.write(`signature   ${v.reason}: ${v.detail}\n`);
      }
      process.exitCode = v.ok ? 0 : 1;
    });
}
