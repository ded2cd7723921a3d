/**
 * The target behaviours of issue 12 that today's pump does not have yet. The reference pump
 * (refPump.ts) encodes the target; while an entry is here, the reference falls back, for that one
 * rule only, to what the pump does today, so the model-based suite stays green and keeps hunting
 * everything else. test/properties/reference.pending.test.ts proves, for each entry, that without
 * it the reference disagrees with today's pump on a short protocol script.
 *
 * When a fix is merged: delete its entry (the suite then holds the pump to the target) and run
 *   npx vitest run test/properties/reference.pending.test.ts test/properties/reference.model.test.ts
 */
export const PENDING_FIX_IDS = [
  /** Item 1: a bolus by volume is not checked against the drug's bolus dose limits (only by dose). */
  'bolusLimitsAnyUnit',
  /** Item 2: a drug whose library entry has no bolus limits can be bolused by volume. */
  'noBolusEntryRefused',
  /** Item 5: an ACK of a high-priority alarm whose cause persists silences it for good (no re-annunciation). */
  'ackReannunciation',
  /** Item 8: when the last flow-stopping alarm is cleared and acknowledged the pump stays in ALARM, not PAUSED. */
  'alarmClearedPaused',
  /** Item 6: a passing self-test result (`INJECT selftest=pass`) ends SELF_TEST_FAIL at once, with no power cycle. */
  'selfTestOutOfService',
  /** Item 3: the syringe pump delivers past the 50 mL its syringe holds; no CONTAINER_EMPTY at empty. */
  'syringeVolume',
  /**
   * Found by this suite, not in issue 12: a sensor input while the pump is powered off (`INJECT
   * door=open`) is refused and lost, so after power-on RESUME runs with the door open.
   */
  'sensorsWhileOff',
] as const;

export type PendingFixId = (typeof PENDING_FIX_IDS)[number];

/** The entries in force; tests may pass another set (reference.pending.test.ts removes one at a time). */
export const PENDING_FIXES: ReadonlySet<PendingFixId> = new Set(PENDING_FIX_IDS);
