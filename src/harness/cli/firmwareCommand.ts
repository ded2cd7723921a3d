import type { Command } from 'commander';
import { ZodError } from 'zod';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { buildImage, sha256Hex } from '../../sim/firmware/image.js';
import { firmwareManifestSchema, signManifest, verifyManifest, type SignedFirmwareManifest } from '../../sim/firmware/manifest.js';
import { isProfileId, PROFILE_IDS, type ProfileId } from '../../sim/firmware/profiles.js';
import { releaseManifest } from '../../sim/firmware/release.js';
import { keyIdOf } from '../../sim/firmware/signing.js';
import { buildSbomJson, sbomSha256 } from '../sbom/build.js';
import { formatSbomLines, sbomPathFor } from '../sbom/inspect.js';
import { readJsonFile, readPrivateKey, readPublicKey, trustedKeyMap } from '../release/keyFiles.js';
import { issuesLine, parseSequence, parseSizeBytes, parseVersionOption, requireObject } from './releaseOptions.js';

const TEN_YEARS_MS = 10 * 365 * 86_400_000;

/** The option that sets each manifest field, for errors. */
const OPTION_OF: Readonly<Record<string, string>> = { version: '--fw-version', minVersion: '--min-version', releaseNotes: '--notes', sequence: '--sequence', sizeBytes: '--size', profile: '--profile', hardwareModel: '--model' };

/** A manifest the schema refuses is reported in one line, naming the option and why (not zod's JSON). */
function manifestOrOneLine<T>(build: () => T): T {
  try {
    return build();
  } catch (e) {
    if (!(e instanceof ZodError)) throw e;
    throw new Error(`cannot build the manifest: ${issuesLine(e.issues.map((i) => ({ ...i, path: [OPTION_OF[String(i.path[0])] ?? String(i.path[0]), ...i.path.slice(1)] })))}`);
  }
}

interface BuildOpts {
  fwVersion: string;
  model: string;
  size: number;
  profile: string;
  minVersion?: string;
  notes?: string;
  sequence: number;
  pub: string;
  out: string;
}

export function registerFirmware(program: Command): void {
  const fw = program.command('firmware').description('firmware images and their signed manifests (docs/firmware.md)');
  fw.command('build')
    .description('build a simulated firmware image, its SBOM and its (unsigned) manifest: <out>.img, <out>.sbom.cdx.json and <out>.manifest.json')
    .requiredOption('--fw-version <x.y.z>', 'firmware version', parseVersionOption)
    .requiredOption('--model <lvp|syringe>', 'hardware model')
    .requiredOption('--sequence <n>', 'release counter, increasing with every release (against replay)', parseSequence)
    .requiredOption('--pub <file>', 'public key of the signer (its key id goes into the manifest)')
    .requiredOption('--out <prefix>', 'output path without extension')
    .option('--size <bytes>', 'image size', parseSizeBytes, 65536)
    .option('--profile <id>', `behaviour profile (${PROFILE_IDS.join(', ')})`, 'secure')
    .option('--min-version <x.y.z>', 'anti-rollback floor (default: the version itself)', parseVersionOption)
    .option('--notes <text>', 'release notes')
    .action((o: BuildOpts) => {
      if (o.model !== 'lvp' && o.model !== 'syringe') throw new Error(`--model must be lvp or syringe, got "${o.model}"`);
      if (!isProfileId(o.profile)) throw new Error(`--profile must be one of ${PROFILE_IDS.join(', ')}, got "${o.profile}"`);
      const profile: ProfileId = o.profile;
      const spec = {
        version: o.fwVersion,
        hardwareModel: o.model,
        sizeBytes: o.size,
        sequence: o.sequence,
        issuedMs: 0,
        expiresMs: TEN_YEARS_MS,
        minVersion: o.minVersion,
        releaseNotes: o.notes,
        profile,
      } as const;
      const image = buildImage(spec);
      // The SBOM (CycloneDX 1.6, docs/inventory.md#sbom): its hash goes under the manifest's signature.
      const sbom = buildSbomJson({ model: o.model, version: o.fwVersion, profile });
      const manifest = manifestOrOneLine(() => releaseManifest({ ...spec, sbomSha256: sbomSha256(sbom) }, keyIdOf(readPublicKey(o.pub)), image));
      writeFileSync(`${o.out}.img`, image);
      writeFileSync(`${o.out}.sbom.cdx.json`, sbom);
      writeFileSync(`${o.out}.manifest.json`, JSON.stringify({ manifest }, null, 2) + '\n');
      process.stdout.write(`image    ${o.out}.img (${image.length} bytes, sha256 ${manifest.imageSha256})\nsbom     ${o.out}.sbom.cdx.json (CycloneDX 1.6, sha256 ${manifest.sbomSha256 ?? '-'})\nmanifest ${o.out}.manifest.json (unsigned: sign it with "infusim firmware sign")\n`);
    });
  fw.command('sign')
    .description('sign a manifest with a private key (in place, or to --out)')
    .requiredOption('--manifest <file>', 'manifest JSON')
    .requiredOption('--key <file>', 'private key (infusim keys gen)')
    .option('--out <file>', 'where to write the signed manifest (default: in place)')
    .action((o: { manifest: string; key: string; out?: string }) => {
      const data = requireObject(readJsonFile(o.manifest, 'manifest'), o.manifest, 'a firmware manifest');
      if (!('manifest' in data)) throw new Error(`${o.manifest}: not a firmware manifest: it has no "manifest" field`);
      const parsed = firmwareManifestSchema.safeParse(data.manifest);
      if (!parsed.success) throw new Error(`${o.manifest}: not a firmware manifest: ${issuesLine(parsed.error.issues.map((i) => ({ ...i, path: ['manifest', ...i.path] })))}`);
      const key = readPrivateKey(o.key);
      const pubId = keyIdOf(readPublicKey(o.key));
      if (pubId !== parsed.data.keyId) throw new Error(`the manifest names key ${parsed.data.keyId}, this key is ${pubId}`);
      const signed = signManifest(parsed.data, key);
      writeFileSync(o.out ?? o.manifest, JSON.stringify(signed, null, 2) + '\n');
      process.stdout.write(`signed ${o.out ?? o.manifest} with key ${pubId}\n`);
    });
  fw.command('inspect')
    .description('show a manifest, check its signature against trusted keys and an image and SBOM against it; exit 1 if anything fails, 2 on a malformed SBOM')
    .requiredOption('--manifest <file>', 'manifest JSON')
    .option('--image <file>', 'image to check against the manifest')
    .option('--sbom <file>', 'SBOM to check against the manifest (default: <prefix>.sbom.cdx.json next to <prefix>.manifest.json, when the manifest names one)')
    .option('--trust <file...>', 'public keys the pump trusts', [])
    .action((o: { manifest: string; image?: string; sbom?: string; trust: string[] }) => {
      const signed = requireObject(readJsonFile(o.manifest, 'manifest'), o.manifest, 'a firmware manifest') as unknown as SignedFirmwareManifest;
      const v = verifyManifest(signed, trustedKeyMap(o.trust));
      const lines: string[] = [];
      let ok = v.ok;
      const m = v.ok ? v.manifest : firmwareManifestSchema.safeParse(signed.manifest).data;
      if (m) {
        lines.push(`version     ${m.version} (floor ${m.minVersion})`, `model       ${m.hardwareModel}`, `profile     ${m.profile}`, `size        ${m.sizeBytes} bytes`, `sha256      ${m.imageSha256}`, `sequence    ${m.sequence}`, `key id      ${m.keyId}`, `notes       ${m.releaseNotes || '-'}`);
      }
      lines.push(`signature   ${v.ok ? 'valid (trusted key)' : `${v.reason}: ${v.detail}`}`);
      if (o.image && m) {
        const img = readFileSync(o.image);
        const sizeOk = img.length === m.sizeBytes;
        const hashOk = sha256Hex(img) === m.imageSha256;
        ok = ok && sizeOk && hashOk;
        lines.push(`image       ${o.image}: size ${sizeOk ? 'ok' : `${img.length} ≠ ${m.sizeBytes}`}, hash ${hashOk ? 'ok' : 'MISMATCH'}`);
      }
      // The SBOM next to the manifest is read when it is there; one given with --sbom must be.
      const besideManifest = m?.sbomSha256 !== undefined && existsSync(sbomPathFor(o.manifest)) ? sbomPathFor(o.manifest) : undefined;
      const sbomFile = o.sbom ?? besideManifest;
      if (m && sbomFile !== undefined) {
        // Checked like the image: a file whose hash the signed manifest does not carry is refused, and none of it is shown.
        const sbom = formatSbomLines(sbomFile, m.sbomSha256);
        ok = ok && sbom.ok;
        lines.push(...sbom.lines);
      } else if (m) {
        lines.push(`sbom        ${m.sbomSha256 !== undefined ? `sha256 ${m.sbomSha256} (not checked: no ${sbomPathFor(o.manifest)}; give --sbom)` : 'none (the manifest names no SBOM)'}`);
      }
      process.stdout.write(lines.join('\n') + '\n');
      process.exitCode = ok ? 0 : 1;
    });
}
