/** Issue 15, item 5: a rollout report says what each wave waited for (docs/rollout.md, "Gates"). */
import { describe, expect, it } from 'vitest';
import { rolloutWaits } from '../../src/harness/rollout/report.js';
import type { RolloutResult } from '../../src/harness/run/result.js';
import { emptyCounts } from '../../src/harness/rollout/types.js';

const H = 3_600_000;

/** A cautious rollout at its canary for 23 h: one canary pump installed, the other kept infusing. */
function stuckAtCanary(): RolloutResult {
  return {
    release: 'fw-2.1.1', version: '2.1.1', policy: 'cautious', phase: 'running',
    waves: [
      { wave: 'canary', size: 2, counts: { ...emptyCounts(), installed: 1, deferred: 1 }, startedMs: 1 * H },
      { wave: 'icu', size: 10, counts: { ...emptyCounts(), pending: 10 } },
    ],
    fullCoverageMs: undefined, targets: 12,
    pumps: [
      { pumpId: 'icu-1', unit: 'icu', type: 'lvp', wave: 'canary', status: 'installed', version: '2.1.1', offeredMs: 1 * H, finishedMs: 1 * H + 600_000 },
      { pumpId: 'icu-2', unit: 'icu', type: 'lvp', wave: 'canary', status: 'deferred', version: '2.1.0', offeredMs: 1 * H, reason: 'waited 1380 min behind an infusion' },
      ...Array.from({ length: 10 }, (_, i) => ({ pumpId: `w-${i}`, unit: 'icu', type: 'lvp', wave: 'icu', status: 'pending', version: '2.1.0' })),
    ],
    log: [], versions: [], versionNames: [], weakProfiles: [], weakBoots: 0, refusals: {}, libraries: [], libraryActivations: 0,
    server: { offers: 0, chunks: 0, bytes: 0, libraryOffers: 0 }, restarts: 0,
  };
}

describe('what a rollout waits for', () => {
  it('names the canary pump that kept infusing, and for how long the wave has been open', () => {
    const lines = rolloutWaits(stuckAtCanary(), 24 * H);
    expect(lines).toEqual([
      'wave canary open for 23:00:00 since 01:00:00, 1 of 2 installed; waits for 1 more install: icu-2 deferred while infusing (installs when its infusion ends) (waited 1380 min behind an infusion)',
    ]);
  });

  it('for a wave that passed: how long it took, its last install and its soak', () => {
    const r = stuckAtCanary();
    r.waves[0] = { ...r.waves[0]!, counts: { ...emptyCounts(), installed: 2 }, passedMs: 5 * H };
    r.pumps[1] = { ...r.pumps[1]!, status: 'installed', finishedMs: 2 * H, reason: undefined };
    r.log = [{ tMs: 2 * H, what: 'soak', wave: 'canary', detail: '2 of 2 installed (≥ 100%); health check at 04:00:00' }];
    expect(rolloutWaits(r, 24 * H)[0]).toBe('wave canary took 04:00:00 from 01:00:00 to pass; its last install: icu-2 at 02:00:00 (offered 01:00:00); soak from 02:00:00 (2 of 2 installed (≥ 100%); health check at 04:00:00)');
  });

  it('before the first wave: waits for approval', () => {
    const r = stuckAtCanary();
    r.phase = 'awaiting-approval';
    r.waves = r.waves.map((w) => ({ ...w, startedMs: undefined }));
    expect(rolloutWaits(r, H)).toEqual(['waits for a person to approve the rollout (approval: required; the rollout-approve action)']);
  });
});
