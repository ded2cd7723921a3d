/**
 * The `releases:` items of a scenario (docs/scenarios.md, "Firmware and library updates"): each is
 * either built in the run (`version:` and the fields that shape it) or made beforehand with
 * `infusim firmware build|sign` and named by its files (`image:`, `manifest:`, `trust:`), never
 * both. A release from files is read and checked here, as the pumps would check it, so a
 * tampered or wrongly signed file stops the load (exit 2) with the field and the reason.
 */
import { loadFileRelease, RELEASE_FILE_FIELDS, ReleaseFileProblem } from '../releaseFiles/loadReleaseFiles.js';
import type { Path } from './problems.js';

/** Fields that shape a release built in the run: a release from files takes none of them. */
const BUILT_IN_RUN_FIELDS = ['version', 'models', 'profile', 'minVersion', 'sizeBytes', 'notes', 'tamper', 'expires'] as const;

export function releaseProblems(releases: unknown, dir: string): { path: Path; message: string; onKey?: boolean }[] {
  const out: { path: Path; message: string; onKey?: boolean }[] = [];
  if (!Array.isArray(releases)) return out;
  releases.forEach((item: unknown, i) => {
    if (item === null || typeof item !== 'object' || Array.isArray(item)) return;
    const r = item as Record<string, unknown>;
    const at: Path = ['releases', i];
    const fileFields = RELEASE_FILE_FIELDS.filter((f) => r[f] !== undefined);
    if (fileFields.length === 0) {
      if (r.version === undefined) out.push({ path: at, message: 'a release has version: (built and signed in the run) or image:, manifest: and trust: (made with infusim firmware build|sign)' });
      return;
    }
    for (const f of BUILT_IN_RUN_FIELDS) {
      if (r[f] !== undefined) out.push({ path: [...at, f], message: `${f}: is for a release built in the run; a release from files (image:, manifest:, trust:) takes its version, model, profile and the rest from its signed manifest`, onKey: true });
    }
    const missing = RELEASE_FILE_FIELDS.filter((f) => r[f] === undefined);
    if (missing.length > 0) {
      out.push({ path: at, message: `a release from files needs image:, manifest: and trust: (missing: ${missing.join(', ')})` });
      return;
    }
    if (!RELEASE_FILE_FIELDS.every((f) => typeof r[f] === 'string' && r[f] !== '')) return; // the schema reports it
    try {
      loadFileRelease(dir, { image: r.image as string, manifest: r.manifest as string, trust: r.trust as string });
    } catch (e) {
      if (!(e instanceof ReleaseFileProblem)) throw e;
      out.push({ path: [...at, e.field], message: e.message });
    }
  });
  return out;
}
