/**
 * The ways a scenario may tamper with a release (`releases[].tamper`, docs/rollout.md): the
 * rollout's update server builds one refused variant per kind (src/harness/rollout/releases.ts).
 */
export const TAMPER_KINDS = ['none', 'bad-signature', 'unknown-key', 'unsigned', 'hash-mismatch', 'truncated', 'wrong-model', 'replayed', 'stale'] as const;
export type TamperKind = (typeof TAMPER_KINDS)[number];
