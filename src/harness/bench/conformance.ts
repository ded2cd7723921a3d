/**
 * The conformance suite: every command, every error code, malformed and overlong lines, garbage
 * bytes, a command split across writes, and requests at line speed. Each check is one row of the
 * table. A check that gets an ERR asserts that the therapy did not change (docs/protocol.md:
 * a request that gets ERR changes nothing).
 */
import { COMMAND_CHECKS } from './commandChecks.js';
import type { Check } from './conformanceKit.js';
import { ERROR_CHECKS } from './errorChecks.js';
import { LINE_CHECKS } from './lineChecks.js';

export { CheckFailed, runCheck, type Check, type ConformanceContext } from './conformanceKit.js';

/** Every check in the order the bench runs them: commands, error codes, bad input and line handling. */
export const CHECKS: readonly Check[] = [...COMMAND_CHECKS, ...ERROR_CHECKS, ...LINE_CHECKS];
