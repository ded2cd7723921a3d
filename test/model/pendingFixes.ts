/**
 * Target behaviours (docs/protocol.md; issue 12 and defects found by the reference suite) that
 * today's pump does not have yet. None is pending now: the fixes of issue 12 items 1-6 and 8 and
 * of the two defects this suite found (roundingIntoRange, sensorsWhileOff) are merged and their
 * entries are gone. The reference pump
 * (refPump.ts) encodes the target; while an entry is here, the reference falls back, for that one
 * rule only, to what the pump does today, so the model-based suite stays green and keeps hunting
 * everything else. test/properties/reference.pending.test.ts proves, for each entry, that without
 * it the reference disagrees with today's pump on a short protocol script.
 *
 * When a fix is merged: delete its entry (the suite then holds the pump to the target) and run
 *   npx vitest run test/properties/reference.pending.test.ts test/properties/reference.model.test.ts
 */
export const PENDING_FIX_IDS = [] as const;

export type PendingFixId = (typeof PENDING_FIX_IDS)[number];

/** The entries in force; tests may pass another set (reference.pending.test.ts removes one at a time). */
export const PENDING_FIXES: ReadonlySet<PendingFixId> = new Set(PENDING_FIX_IDS);
