/**
 * Why an update (firmware or drug library) is refused. Every refusal is reported with one of
 * these reasons and a detail text, and logged: FDA premarket cybersecurity guidance (2023) asks
 * for no update or rollback without a log.
 */
export const REFUSAL_REASONS = [
  /** The document is not a manifest or package of this format (range checks on external data). */
  'malformed',
  /** Unsigned, or the signature does not verify. */
  'bad-signature',
  /** Signed by a key the pump does not trust. */
  'unknown-key',
  /** The image's SHA-256 differs from the manifest's. */
  'hash-mismatch',
  /** The transfer ended before the manifest's size. */
  'truncated-image',
  /** More bytes than the manifest's size (TUF: endless data). */
  'oversized-image',
  /** Built for another hardware model (Uptane: mix-and-match). */
  'wrong-model',
  /** Version below the pump's anti-rollback floor (RAUC min-bundle-version). */
  'below-floor',
  /** Sequence not above the last accepted one (TUF/Uptane: rollback and replay). */
  'replayed-manifest',
  /** Past its expiry (TUF: freeze attack). */
  'stale-manifest',
  /** Another update is in progress; nothing was consumed, offer it again later. */
  'busy',
] as const;

export type RefusalReason = (typeof REFUSAL_REASONS)[number];

export interface Refusal {
  reason: RefusalReason;
  detail: string;
}
