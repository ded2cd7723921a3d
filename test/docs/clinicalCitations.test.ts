/**
 * docs/clinical.md holds every clinical figure with its source, and code comments cite its
 * sections. Nothing may cite the pump-facts file kept outside the repository (issue 12), and every
 * `docs/clinical.md#<anchor>` cited in src/ or test/ must be a `##` section of the document.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function files(dir: string): string[] {
  return readdirSync(join(ROOT, dir)).flatMap((name) => {
    const rel = join(dir, name);
    return statSync(join(ROOT, rel)).isDirectory() ? files(rel) : /\.(ts|md)$/.test(name) ? [rel] : [];
  });
}

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens. */
function anchorOf(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9 -]/g, '')
    .replace(/ /g, '-');
}

describe('docs/clinical.md and its citations', () => {
  const doc = readFileSync(join(ROOT, 'docs/clinical.md'), 'utf8');
  const anchors = new Set([...doc.matchAll(/^## (.+)$/gm)].map((m) => anchorOf(m[1] ?? '')));
  const sources = [...files('src'), ...files('test'), ...files('docs'), 'README.md'];
  const self = 'test/docs/clinicalCitations.test.ts';

  /** The outside pump-facts file's name, matched without being written out here. */
  const outsideFacts = /\bDOMAIN\.md\b/;

  it('no file cites the pump-facts file outside the repository', () => {
    const citing = sources.filter((f) => f !== self && outsideFacts.test(readFileSync(join(ROOT, f), 'utf8')));
    expect(citing).toEqual([]);
  });

  it('every cited section exists', () => {
    const cited = sources.flatMap((f) => [...readFileSync(join(ROOT, f), 'utf8').matchAll(/clinical\.md#([a-z0-9-]+)/g)].map((m) => ({ f, anchor: m[1] ?? '' })));
    expect(cited.length).toBeGreaterThan(20);
    expect(cited.filter((c) => !anchors.has(c.anchor))).toEqual([]);
  });

  it('has one section per topic the pump uses', () => {
    for (const a of ['rates-and-volumes', 'accuracy', 'trumpet-curve', 'kvo-and-end-of-infusion', 'bolus-and-loading-dose', 'pca', 'occlusion', 'air-in-line', 'battery-and-power', 'alarms', 'alarm-signals-acknowledge-audio-pause-reminder', 'syringes-and-containers', 'bolus-and-pca-limits', 'rate-resolution', 'drug-library']) {
      expect(anchors.has(a), a).toBe(true);
    }
  });
});
