/**
 * Model-based property of the firmware update agent (fast-check): random sequences of offers
 * (good, failing, floor-raising, below-floor, weak-profile, unsigned, unknown-key, wrong-model,
 * stale), chunks (in order, corrupted, misplaced), end of image, broken links, power loss and
 * power on, self-test results, mark-good, cancels, infusions starting and stopping, and time
 * jumps from 1 ms to a day. After every step: the committed slot is bootable, good and at or
 * above the floor; whatever runs is the committed slot or a verified image on trial; the floor
 * and the counter never go back; nothing is installed while an infusion runs. The same actions
 * give the same events.
 *
 * A failure prints the seed and path; replay with
 *   fc.assert(updaterProperty, { seed, path, endOnFailure: true })
 * PROPERTY_RUNS=<n> raises the number of runs (default 200).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatUpdateEvent, type FirmwareEvent } from '../../../src/sim/firmware/events.js';
import { buildImage, chunkImage } from '../../../src/sim/firmware/image.js';
import { firmwareInvariantViolations, firmwareStepViolations } from '../../../src/sim/firmware/invariants.js';
import { selfTestVerdict } from '../../../src/sim/firmware/profiles.js';
import { buildUnsignedRelease, type Release } from '../../../src/sim/firmware/release.js';
import { DAY, HOUR, IMAGE_BYTES, ROGUE, makeUpdater, release } from './fixtures.js';

const CHUNK = 1024;

const POOL: Release[] = [
  release('1.1.0', 2),
  release('1.2.0', 3, { profile: 'fails-self-test-on-lvp' }),
  release('2.0.0', 4, { minVersion: '2.0.0' }),
  release('1.5.0', 5, { minVersion: '1.0.0' }),
  release('2.1.0', 6, { profile: 'accepts-unsigned-images', minVersion: '2.0.0' }),
  buildUnsignedRelease({ version: '2.2.0', sequence: 7, hardwareModel: 'lvp', sizeBytes: IMAGE_BYTES, issuedMs: 0, expiresMs: 30 * DAY }, ROGUE.keyId),
  release('2.3.0', 8, {}, ROGUE),
  release('2.4.0', 9, { hardwareModel: 'syringe' }),
  release('2.5.0', 10, { expiresMs: 2 * HOUR }),
  release('3.0.0', 11, { minVersion: '2.0.0' }),
];

function imageFor(sequence: number): Uint8Array | undefined {
  return POOL.find((r) => r.signed.manifest.sequence === sequence)?.image;
}

type Action =
  | { kind: 'offer'; which: number }
  | { kind: 'chunks'; count: number; corrupt: boolean }
  | { kind: 'misplacedChunk' }
  | { kind: 'endOfImage' }
  | { kind: 'linkBroken' }
  | { kind: 'powerLoss' }
  | { kind: 'powerOn' }
  | { kind: 'selfTest'; result: 'pass' | 'fail' | 'profile' }
  | { kind: 'markGood' }
  | { kind: 'cancel' }
  | { kind: 'infusion'; on: boolean }
  | { kind: 'advance'; dtMs: number }
  /** Take the natural next steps of the update in progress (to reach deep states more often). */
  | { kind: 'drive' };

const actionArb: fc.Arbitrary<Action> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('offer' as const), which: fc.integer({ min: 0, max: POOL.length - 1 }) }) },
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('chunks' as const), count: fc.integer({ min: 1, max: 4 }), corrupt: fc.constant(false) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('chunks' as const), count: fc.integer({ min: 1, max: 4 }), corrupt: fc.constant(true) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'misplacedChunk' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'endOfImage' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'linkBroken' as const }) },
  { weight: 2, arbitrary: fc.constant({ kind: 'powerLoss' as const }) },
  { weight: 2, arbitrary: fc.constant({ kind: 'powerOn' as const }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('selfTest' as const), result: fc.constantFrom('pass' as const, 'fail' as const, 'profile' as const) }) },
  { weight: 2, arbitrary: fc.constant({ kind: 'markGood' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'cancel' as const }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('infusion' as const), on: fc.boolean() }) },
  { weight: 3, arbitrary: fc.constant({ kind: 'drive' as const }) },
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('advance' as const), dtMs: fc.constantFrom(1, 50, 100, 500, 1_000, 60_000, HOUR, 3 * HOUR, DAY) }) },
);

/** The natural next action for the update in progress, or undefined when there is none. */
function nextNatural(u: ReturnType<typeof makeUpdater>, nowMs: number): Action | undefined {
  const st = u.status();
  if (!st.powered) return { kind: 'powerOn' };
  if (st.stage === 'downloading' && st.job) {
    if (st.job.sessionOpen) return { kind: 'chunks', count: 8, corrupt: false };
    const sequence = st.job.sequence;
    return { kind: 'offer', which: POOL.findIndex((r) => r.signed.manifest.sequence === sequence) };
  }
  if (st.stage === 'first-boot') return { kind: 'selfTest', result: 'profile' };
  if (st.stage === 'self-test-passed') return { kind: 'markGood' };
  const wake = u.nextWakeMs();
  if (wake < Infinity) return { kind: 'advance', dtMs: Math.max(1, wake - nowMs) };
  return undefined;
}

/** Run the actions; throw on the first violated invariant; return every event as a line. */
function run(actions: readonly Action[]): string[] {
  const u = makeUpdater();
  let t = 0;
  let infusing = false;
  const lines: string[] = [];

  const apply = (a: Action, label: string): void => {
    const before = u.status();
    let events: FirmwareEvent[] = [];
    const job = before.job;
    switch (a.kind) {
      case 'offer':
        events = u.offer(t, POOL[a.which]!.signed);
        break;
      case 'chunks': {
        const image = job ? imageFor(job.sequence) : undefined;
        if (!job || !image) break;
        const source = a.corrupt ? buildImage({ version: job.version, hardwareModel: 'lvp', sizeBytes: IMAGE_BYTES, variant: 'corrupt' }) : image;
        for (const c of chunkImage(source.subarray(job.receivedBytes), CHUNK).slice(0, a.count)) {
          events.push(...u.receiveChunk(t, job.receivedBytes + c.offsetBytes, c.bytes));
        }
        break;
      }
      case 'misplacedChunk':
        events = u.receiveChunk(t, (job?.receivedBytes ?? 0) + 7, new Uint8Array(10));
        break;
      case 'endOfImage':
        events = u.endOfImage(t);
        break;
      case 'linkBroken':
        events = u.linkBroken(t);
        break;
      case 'powerLoss':
        events = u.powerLoss(t);
        break;
      case 'powerOn':
        events = u.powerOn(t).events;
        break;
      case 'selfTest':
        events = u.selfTestResult(t, a.result === 'profile' ? selfTestVerdict(u.runningProfile(), u.model) : a.result);
        break;
      case 'markGood':
        events = u.markGood(t);
        break;
      case 'cancel':
        events = u.cancel(t);
        break;
      case 'infusion':
        // The pump refuses to start an infusion while the update agent blocks it; a paused
        // infusion (after a power cycle the program is kept) still counts as one.
        if (!a.on) infusing = false;
        else if (!u.blocksInfusion()) infusing = true;
        break;
      case 'advance':
        t += a.dtMs;
        events = u.advance(t, infusing);
        break;
      case 'drive':
        for (let k = 0; k < 12; k++) {
          const next = nextNatural(u, t);
          if (!next) break;
          apply(next, `${label}.${k}`);
        }
        return;
    }
    const after = u.status();
    const problems = [...firmwareInvariantViolations(after), ...firmwareStepViolations(before, after, events, infusing)];
    if (problems.length > 0) {
      throw new Error(`step ${label} ${JSON.stringify(a)} at ${t} ms (stage ${before.stage} → ${after.stage}):\n  ${problems.join('\n  ')}`);
    }
    lines.push(...events.map(formatUpdateEvent));
  };

  actions.forEach((a, i) => apply(a, String(i)));
  return lines;
}

export const updaterProperty = fc.property(fc.array(actionArb, { minLength: 10, maxLength: 80 }), (actions) => {
  const first = run(actions);
  const second = run(actions);
  if (first.join('\n') !== second.join('\n')) throw new Error('the same actions gave different events');
});

describe('firmware update invariants hold after every step (model-based)', () => {
  it('random offers, chunks, link and power faults, self-tests, infusions and time jumps', () => {
    fc.assert(updaterProperty, { numRuns: Number(process.env['PROPERTY_RUNS'] ?? 200) });
  });

  it('the generated runs reach every outcome (the property is not vacuous)', () => {
    const seen = new Set<string>();
    for (const actions of fc.sample(fc.array(actionArb, { minLength: 40, maxLength: 80 }), { numRuns: 300, seed: 1 })) {
      for (const line of run(actions)) seen.add(line.split(' ').slice(1, 2).join(' ') + (line.includes('reason=') ? ` ${/reason=(\S+)/.exec(line)?.[1]}` : ''));
    }
    const wanted = [
      'committed',
      'rolled-back',
      'deferred',
      'unsigned-accepted',
      'install-started',
      'switched',
      'link-broken',
      'power-loss',
      'refused hash-mismatch',
      'refused truncated-image',
      'refused below-floor',
      'refused replayed-manifest',
      'refused stale-manifest',
      'refused wrong-model',
      'refused unknown-key',
      'refused bad-signature',
      'refused busy',
    ];
    expect(wanted.filter((w) => !seen.has(w))).toEqual([]);
  });
});
