/** `infusim firmware inspect`'s SBOM lines: the hash check against the signed manifest, then the components. */

import { readBoundedFile, FileRefused } from '../readBoundedFile.js';
import { MAX_DOCUMENT_FILE_BYTES } from '../release/limits.js';
import { sbomSha256 } from './build.js';
import { parseSbom, SbomError } from './parse.js';

/** `<prefix>.manifest.json` → `<prefix>.sbom.cdx.json`. */
export function sbomPathFor(manifestPath: string): string {
  return `${manifestPath.replace(/\.manifest\.json$/, '').replace(/\.json$/, '')}.sbom.cdx.json`;
}

/** Read an SBOM file's text (bounded); a missing or unreadable file is an Error naming it. */
export function readSbomText(path: string): string {
  try {
    return readBoundedFile(path, MAX_DOCUMENT_FILE_BYTES, 'SBOM');
  } catch (e) {
    if (e instanceof FileRefused) throw new Error(`cannot read SBOM ${path}: ${e.reason === 'missing' ? 'no such file' : `it ${e.message}`}`);
    throw e;
  }
}

/**
 * The SBOM lines of an inspection. `ok` is false when the manifest names no SBOM hash or the file's
 * hash differs (tampered: exit 1). A file whose hash matches but which is not a CycloneDX 1.6
 * SBOM infusim can read throws SbomError (bad input: exit 2).
 */
export function formatSbomLines(path: string, expectedSha256: string | undefined): { ok: boolean; lines: string[] } {
  const text = readSbomText(path);
  const actual = sbomSha256(text);
  if (expectedSha256 === undefined) return { ok: false, lines: [`sbom        ${path}: the manifest names no SBOM hash: refused`] };
  if (actual !== expectedSha256) return { ok: false, lines: [`sbom        ${path}: hash MISMATCH (${actual.slice(0, 16)}… ≠ signed ${expectedSha256.slice(0, 16)}…): refused, not shown`] };
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new SbomError(`${path}: not valid JSON (${(e as Error).message})`);
  }
  const sbom = parseSbom(doc, path);
  const lines = [`sbom        ${path}: hash ok (CycloneDX 1.6, ${sbom.components.length} components; firmware end of support ${sbom.firmware.endOfSupport})`];
  const w = Math.max(...sbom.components.map((c) => c.name.length));
  for (const c of sbom.components) {
    lines.push(`  ${c.role.padEnd(20)} ${c.name.padEnd(w)} ${c.version.padEnd(8)} ${c.supplier} · ${c.licenses.join(', ')} · end of support ${c.endOfSupport}`);
  }
  return { ok: true, lines };
}

